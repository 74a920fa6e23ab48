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
    # Accept http:// webhook URLs on loopback (Telegram wants https; tests and the
    # sandbox have no certificate). Other http URLs are refused as on Telegram.
    allow_http_webhook: bool = False
    # Webhook re-delivery: the first pause after a failed delivery, doubling up to the cap
    # (Telegram waits longer; tests should not).
    webhook_retry_delay: float = 0.1
    webhook_max_retry_delay: float = 2.0
    # How long a webhook POST may take before it counts as failed.
    webhook_timeout: float = 60.0
