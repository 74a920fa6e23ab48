"""What operators count: every metric of /metrics (web/metrics.py), defined in one place.

Each bot has its own `CollectorRegistry` rather than prometheus-client's global one, so a
process (the tests, a benchmark) can build several bots without their names clashing.
Counters are counted where things happen: updates in the update processor
(bot/updates.py), handling time in the flush (handlers/persistence_flush.py), Bot API
errors in the rate limiter that sees every request and its retries (bot/ratelimit.py),
e-mails in the MailSender (bot/mail/outbox.py), reminders in their job
(handlers/reminders.py), web requests in a middleware (web/site.py). The outbox's
pending / sent / failed rows are read from the database when /metrics is scraped.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from storage.db import Database
from storage.outbox import OutboxRepository

# Telegram's update kinds in the order PTB knows them; "other" for anything newer.
UPDATE_KINDS: tuple[str, ...] = tuple(Update.ALL_TYPES)
OUTBOX_STATUSES = ("pending", "sent", "failed", "cancelled")
# Seconds: a reply within 50 ms is good, a second is slow, beyond 5 s something waits.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.updates = Counter(
            "bot_updates", "Updates received from Telegram, by kind", ["kind"], registry=r
        )
        self.skipped = Counter(
            "bot_updates_skipped",
            "Updates not handled: delivered again after they were handled (duplicate, retry"
            " of a failed save) or dropped in a person's flood",
            ["reason"],
            registry=r,
        )
        self.handling_seconds = Histogram(
            "bot_update_handling_seconds",
            "From the first handler to the end of the flush (state saved, replies sent)",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.api_errors = Counter(
            "bot_api_errors",
            "Bot API requests that failed, by kind (429, 403, network, other)",
            ["kind"],
            registry=r,
        )
        self.outbox = Gauge(
            "bot_outbox_messages", "E-mails in the outbox, by status", ["status"], registry=r
        )
        self.mail_sent = Counter("bot_mail_sent", "E-mails handed to SMTP (or written)", registry=r)
        self.mail_failed = Counter("bot_mail_failed", "E-mails given up on", registry=r)
        self.reminders_sent = Counter(
            "bot_reminders_sent", "Reminders that reached their chat", registry=r
        )
        self.web_requests = Counter(
            "bot_web_requests",
            "Requests to the join page and website, by route",
            ["route"],
            registry=r,
        )
        self.web_redirects = Counter(
            "bot_web_redirects",
            "303 redirects to a conference from the join page and website, by route",
            ["route"],
            registry=r,
        )
        for kind in UPDATE_KINDS:  # every kind shows from the start, at 0
            self.updates.labels(kind)
        for error in ("429", "403", "network", "other"):
            self.api_errors.labels(error)

    def count_api_error(self, error: Exception) -> None:
        self.api_errors.labels(api_error_kind(error)).inc()

    async def read_outbox(self, database: Database) -> None:
        """Set the outbox gauges from the database (called when /metrics is scraped)."""
        counts = await OutboxRepository(database).count_by_status()
        for status in OUTBOX_STATUSES:
            self.outbox.labels(status).set(counts.get(status, 0))

    def exposition(self) -> bytes:
        """The text format Prometheus scrapes."""
        return generate_latest(self.registry)


def kind_of(update: object) -> str:
    """message, callback_query, inline_query, ... (the field an update carries)."""
    if isinstance(update, Update):
        for kind in UPDATE_KINDS:
            if getattr(update, kind, None) is not None:
                return kind
    return "other"


def api_error_kind(error: Exception) -> str:
    if isinstance(error, RetryAfter):
        return "429"
    if isinstance(error, Forbidden):
        return "403"
    # NetworkError and TimedOut: the request or its answer was lost on the way. PTB's
    # BadRequest is a NetworkError too, but Telegram answered it: "other".
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        return "network"
    if isinstance(error, TelegramError):
        return "other"
    return "network"  # an exception of the HTTP layer itself
