"""The one exception for a value a person typed that the bot cannot take.

Services and validators raise it with the catalog key of the message that tells the
person what to type instead; handlers turn it into that message (handlers/common.py's
`explain`) and keep the dialog where it was, so nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class InvalidInput(Exception):
    """A typed value was rejected; `key` names the message, `values` fill it in, and
    `nested` fills placeholders with other catalog texts (by key)."""

    key: str
    values: dict[str, str] = field(default_factory=dict)
    nested: dict[str, str] = field(default_factory=dict)
