"""Values signed with the bot's web key (bot/keys.py): what the web side hands a browser
and must get back unchanged, such as the remembered name or a CSRF token.

A signature covers a purpose as well as the value, so a value signed for one use (a
CSRF token) is worth nothing in another (a remembered name). Signed values are not
secret: a browser can read them; it cannot make or change one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

_MAC_BYTES = 18  # 144 bits: 24 URL-safe characters


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """A MAC under one key: BLAKE2b in its keyed mode (RFC 7693), which is a MAC by
    design, as strong here as HMAC-SHA256 and a third of its cost (every first visit of
    the join page signs a CSRF token). Every result is URL- and cookie-safe ASCII."""

    def __init__(self, key: str) -> None:
        if len(key) < 16:
            raise ValueError("a signing key needs at least 16 characters")
        # BLAKE2b takes keys of up to 64 bytes: a longer one is hashed down to 64.
        encoded = key.encode()
        self._key = encoded if len(encoded) <= 64 else hashlib.blake2b(encoded).digest()

    def mac(self, purpose: str, value: str) -> str:
        """The signature of `value` for `purpose`."""
        message = f"{purpose}\x00{value}".encode()
        return _b64(hashlib.blake2b(message, key=self._key, digest_size=_MAC_BYTES).digest())

    def mac_matches(self, purpose: str, value: str, mac: str) -> bool:
        """Whether `mac` is `value`'s signature for `purpose` (compared in constant time)."""
        return hmac.compare_digest(
            self.mac(purpose, value).encode(), mac.encode("utf-8", "replace")
        )

    def sign(self, purpose: str, value: str, *, now: int) -> str:
        """`value` with the time it was signed, and the signature of both."""
        payload = f"{_b64(value.encode())}.{now}"
        return f"{payload}.{self.mac(purpose, payload)}"

    def unsign(self, purpose: str, signed: str | None, *, now: int, max_age: int) -> str | None:
        """The value `sign` was given, if the signature is good and not older than
        `max_age` seconds; None for anything else (forged, changed, expired, garbage)."""
        if not signed or len(signed) > 4096:
            return None
        payload, _, mac = signed.rpartition(".")
        encoded, _, signed_at = payload.partition(".")
        if not mac or not signed_at.isdigit() or not self.mac_matches(purpose, payload, mac):
            return None
        if not 0 <= now - int(signed_at) <= max_age:
            return None
        try:
            return _unb64(encoded).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
