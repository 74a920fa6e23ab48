"""E-mail addresses as people read them.

An international domain travels in its ASCII (IDNA) form, `petr@xn--e1afmkfd.xn--p1ai`,
which nobody recognises; on screen it is shown as typed, `petr@пример.рф`. Only the
display changes: what is stored and sent stays as it is.
"""

from __future__ import annotations


def readable_address(address: str) -> str:
    """The address with its domain in Unicode; anything that is not a well-formed IDNA
    domain is returned unchanged (never an error on a screen)."""
    local, at, domain = address.rpartition("@")
    if not at or "xn--" not in domain.lower():
        return address
    try:
        readable = domain.lower().encode("ascii").decode("idna")
    except UnicodeError:
        return address
    return f"{local}@{readable}"
