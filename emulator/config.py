"""Static emulator settings shared by the HTTP layer and method handlers."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EmulatorConfig", "BOT_ID"]

BOT_ID = 100000


@dataclass
class EmulatorConfig:
    bot_username: str = "ConferenceTestBot"
    bot_first_name: str = "Conference Bot"
    # If set, requests with any other token get 401 Unauthorized.
    token: str | None = None
    # Reject a bare '&' in HTML (stricter than Telegram, see html_check).
    strict_html_ampersand: bool = True
    # Artificial delay before answering every method except getUpdates (benchmarks).
    latency: float = 0.0
