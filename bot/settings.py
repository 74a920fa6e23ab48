"""One typed settings object, read from the environment or a `.env` file.

Every setting is parsed and checked here, so that a malformed value stops the bot at
start with one line naming the setting, instead of a traceback an hour later.
Secrets are wrapped in `Secret`, whose repr never shows the value.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlparse
from zoneinfo import available_timezones

from dotenv import dotenv_values

from bot.i18n import LANGUAGES

TELEGRAM_MODES = ("polling", "webhook")
VIDEO_PLATFORMS = ("jitsi", "bbb", "template")
SMTP_TLS_MODES = ("starttls", "tls", "none")
BBB_CHECKSUMS = ("sha1", "sha256", "sha512")
DOWNLOAD_CLIENTS = ("windows", "macos", "linux", "android", "ios", "browser")
MIN_ROOM_SECRET = 16  # characters of ROOM_SECRET: a short key could be found by trying
# Characters of JITSI_APP_SECRET: an HS256 key as long as the hash (RFC 7518, 3.2); a
# shorter one could be found by trying, and then anyone could sign a moderator's token.
MIN_JITSI_APP_SECRET = 32
_TOKEN_PATTERN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,}$")

T = TypeVar("T")


class SettingsError(ValueError):
    """A setting is missing or malformed; `str()` is the one line shown to the operator."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name} {problem}")
        self.name = name


@dataclass(frozen=True)
class Secret:
    """A value that must never reach a log: repr and str hide it."""

    value: str = field(repr=False)

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def reveal(self) -> str:
        return self.value


@dataclass(frozen=True)
class Settings:
    telegram_bot_token: Secret | None
    telegram_base_url: str | None = None
    database_path: Path = Path("data/conference-bot.sqlite3")
    # DATABASE_URL: sqlite:///file or postgresql://user:pass@host:5432/db; a Secret, as it
    # may carry a password. None: the SQLite file at database_path.
    database_url: Secret | None = None
    admin_ids: frozenset[int] = frozenset()
    default_language: str = "en"
    default_timezone: str = "UTC"
    join_early_minutes: int = 10
    reminder_minutes: int = 10
    reminder_check_seconds: int = 30  # 0: this process sends no reminders
    video_platform: str = "jitsi"
    video_base_url: str = "https://meet.jit.si"
    bbb_secret: Secret | None = None
    bbb_checksum: str = "sha256"
    # The key of Jitsi room names; None: the one the bot made and keeps (bot/keys.py).
    room_secret: Secret | None = None
    # A Jitsi with token authentication (prosody's app_id and app_secret): both or neither.
    jitsi_app_id: str | None = None
    jitsi_app_secret: Secret | None = None
    # Client download links (F12); None means the configured platform's default.
    download_urls: dict[str, str] = field(default_factory=dict)
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: Secret | None = None
    smtp_tls: str = "starttls"
    mail_from: str = "Conference Bot <conference-bot@localhost>"
    mail_dir: Path = Path("data/mail")
    mail_max_recipients: int = 20  # addresses in one "Send invitation e-mail"
    mail_daily_limit: int = 200  # e-mails of every kind one person may cause in 24 hours
    mail_hourly_limit: int = 1000  # e-mails the whole service sends per rolling hour
    mail_max_invitees: int = 200  # e-mail invitees of one conference
    mail_keep_days: int = 30  # days the body of a sent or cancelled e-mail is kept
    mail_max_attempts: int = 8  # tries before a message is marked failed
    mail_retry_seconds: int = 30  # the first pause before a retry; it doubles each time
    log_level: str = "INFO"
    flood_max_updates: int = 30  # updates one person may send per flood window
    flood_window_seconds: int = 10
    # The web side (web/): served only when PUBLIC_URL is set, at WEB_HOST:WEB_PORT
    # behind the operator's reverse proxy that answers at PUBLIC_URL.
    public_url: str | None = None
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    # Requests per minute one client IP may make to the join page and the website
    # (0: no limit); the IP is X-Forwarded-For's only when the peer is a trusted proxy.
    web_rate_limit: int = 60
    web_trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    telegram_mode: str = "polling"  # or "webhook" (needs PUBLIC_URL)
    metrics_token: Secret | None = None  # /metrics wants "Authorization: Bearer <it>"
    # Ask each person once whether DEFAULT_TIMEZONE is theirs (handlers/zone_check.py).
    ask_timezone: bool = True
    # On PostgreSQL: how soon a standby takes over from an active process that died or
    # lost its database connection (bot/leadership.py). At least 3: the active process
    # checks its lock every second and must notice a loss before a standby may act.
    failover_seconds: int = 5

    @property
    def database(self) -> str:
        """What Database.open takes: DATABASE_URL when set, else the DATABASE_PATH file."""
        if self.database_url is not None:
            return self.database_url.reveal()
        return str(self.database_path)

    def is_admin(self, telegram_id: int) -> bool:
        return telegram_id in self.admin_ids


def load_settings(
    environ: Mapping[str, str] | None = None,
    env_file: Path | None = Path(".env"),
    *,
    require_token: bool = True,
) -> Settings:
    """Read settings: the process environment wins over the `.env` file."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    reader = _Reader(values)

    token = reader.get("TELEGRAM_BOT_TOKEN", _parse_token, None)
    if token is None and require_token:
        raise SettingsError(
            "TELEGRAM_BOT_TOKEN",
            "is not set: get a token from @BotFather and put it in .env (see .env.example)",
        )
    defaults = Settings(telegram_bot_token=None)
    settings = Settings(
        telegram_bot_token=token,
        telegram_base_url=reader.get("TELEGRAM_BASE_URL", _parse_http_url, None),
        database_path=reader.get("DATABASE_PATH", Path, defaults.database_path),
        database_url=reader.get("DATABASE_URL", _parse_database_url, None),
        admin_ids=reader.get("ADMIN_IDS", _parse_id_list, defaults.admin_ids),
        default_language=reader.get(
            "DEFAULT_LANGUAGE", _one_of(LANGUAGES), defaults.default_language
        ),
        default_timezone=reader.get("DEFAULT_TIMEZONE", _parse_timezone, defaults.default_timezone),
        join_early_minutes=reader.get(
            "JOIN_EARLY_MINUTES", _int_between(0, 1440), defaults.join_early_minutes
        ),
        reminder_minutes=reader.get(
            "REMINDER_MINUTES", _int_between(0, 1440), defaults.reminder_minutes
        ),
        reminder_check_seconds=reader.get(
            "REMINDER_CHECK_SECONDS", _int_between(0, 3600), defaults.reminder_check_seconds
        ),
        video_platform=reader.get(
            "VIDEO_PLATFORM", _one_of(VIDEO_PLATFORMS), defaults.video_platform
        ),
        video_base_url=reader.get("VIDEO_BASE_URL", _parse_http_url, defaults.video_base_url),
        bbb_secret=reader.get("BBB_SECRET", Secret, None),
        bbb_checksum=reader.get("BBB_CHECKSUM", _one_of(BBB_CHECKSUMS), defaults.bbb_checksum),
        room_secret=reader.get("ROOM_SECRET", _parse_room_secret, None),
        jitsi_app_id=reader.get("JITSI_APP_ID", _parse_app_id, None),
        jitsi_app_secret=reader.get("JITSI_APP_SECRET", _parse_jitsi_app_secret, None),
        download_urls={
            client: url
            for client in DOWNLOAD_CLIENTS
            if (url := reader.get(f"DOWNLOAD_{client.upper()}_URL", _parse_http_url, None))
        },
        smtp_host=reader.get("SMTP_HOST", str, None),
        smtp_port=reader.get("SMTP_PORT", _int_between(1, 65535), defaults.smtp_port),
        smtp_username=reader.get("SMTP_USERNAME", str, None),
        smtp_password=reader.get("SMTP_PASSWORD", Secret, None),
        smtp_tls=reader.get("SMTP_TLS", _one_of(SMTP_TLS_MODES), defaults.smtp_tls),
        mail_from=reader.get("MAIL_FROM", str, defaults.mail_from),
        mail_dir=reader.get("MAIL_DIR", Path, defaults.mail_dir),
        mail_max_recipients=reader.get(
            "MAIL_MAX_RECIPIENTS", _int_between(1, 500), defaults.mail_max_recipients
        ),
        mail_daily_limit=reader.get(
            "MAIL_DAILY_LIMIT", _int_between(1, 100_000), defaults.mail_daily_limit
        ),
        mail_hourly_limit=reader.get(
            "MAIL_HOURLY_LIMIT", _int_between(1, 1_000_000), defaults.mail_hourly_limit
        ),
        mail_max_invitees=reader.get(
            "MAIL_MAX_INVITEES", _int_between(1, 100_000), defaults.mail_max_invitees
        ),
        mail_keep_days=reader.get("MAIL_KEEP_DAYS", _int_between(1, 3650), defaults.mail_keep_days),
        mail_max_attempts=reader.get(
            "MAIL_MAX_ATTEMPTS", _int_between(1, 100), defaults.mail_max_attempts
        ),
        mail_retry_seconds=reader.get(
            "MAIL_RETRY_SECONDS", _int_between(1, 86_400), defaults.mail_retry_seconds
        ),
        flood_max_updates=reader.get(
            "FLOOD_MAX_UPDATES", _int_between(1, 100_000), defaults.flood_max_updates
        ),
        flood_window_seconds=reader.get(
            "FLOOD_WINDOW_SECONDS", _int_between(1, 3600), defaults.flood_window_seconds
        ),
        public_url=reader.get("PUBLIC_URL", _parse_http_url, None),
        web_host=reader.get("WEB_HOST", str, defaults.web_host),
        web_port=reader.get("WEB_PORT", _int_between(0, 65535), defaults.web_port),
        web_rate_limit=reader.get(
            "WEB_RATE_LIMIT", _int_between(0, 1_000_000), defaults.web_rate_limit
        ),
        web_trusted_proxies=reader.get(
            "WEB_TRUSTED_PROXIES", _parse_networks, defaults.web_trusted_proxies
        ),
        telegram_mode=reader.get("TELEGRAM_MODE", _one_of(TELEGRAM_MODES), defaults.telegram_mode),
        metrics_token=reader.get("METRICS_TOKEN", Secret, None),
        ask_timezone=reader.get("ASK_TIMEZONE", _parse_switch, defaults.ask_timezone),
        failover_seconds=reader.get(
            "FAILOVER_SECONDS", _int_between(3, 600), defaults.failover_seconds
        ),
        log_level=reader.get(
            "LOG_LEVEL",
            _one_of(("DEBUG", "INFO", "WARNING", "ERROR"), upper=True),
            defaults.log_level,
        ),
    )
    _check_video_platform(settings)
    _check_web(settings)
    return settings


def _check_web(settings: Settings) -> None:
    if settings.telegram_mode == "webhook" and settings.public_url is None:
        raise SettingsError(
            "TELEGRAM_MODE",
            "webhook needs PUBLIC_URL, the https address Telegram sends updates to",
        )


def _check_video_platform(settings: Settings) -> None:
    """Settings that only make sense together."""
    if settings.video_platform == "bbb" and settings.bbb_secret is None:
        raise SettingsError(
            "BBB_SECRET", "is required with VIDEO_PLATFORM=bbb (see bbb-conf --secret)"
        )
    if settings.video_platform == "bbb" and settings.video_base_url == Settings.video_base_url:
        raise SettingsError(
            "VIDEO_BASE_URL",
            "must be your BigBlueButton API URL with "
            "VIDEO_PLATFORM=bbb, e.g. https://bbb.example.com/bigbluebutton/api",
        )
    if (settings.jitsi_app_id is None) != (settings.jitsi_app_secret is None):
        missing = "JITSI_APP_SECRET" if settings.jitsi_app_secret is None else "JITSI_APP_ID"
        raise SettingsError(
            missing,
            "is required with the other: Jitsi's token authentication needs both the app id"
            " and the app secret (prosody's app_id and app_secret), or neither",
        )
    if settings.video_platform == "template" and "{id}" not in settings.video_base_url:
        raise SettingsError(
            "VIDEO_BASE_URL",
            "must contain {id} with VIDEO_PLATFORM=template, e.g. https://meet.example.com/{id}",
        )


class _Reader:
    """Looks a setting up, treats blank as unset, and names the setting in any error."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = values

    def get(self, name: str, parse: Callable[[str], T], default: T) -> T:
        raw = self._values.get(name, "").strip()
        if not raw:
            return default
        try:
            return parse(raw)
        except SettingsError as error:
            raise SettingsError(name, str(error)) from None
        except ValueError:
            raise SettingsError(name, f"has a malformed value {_shown(name, raw)}") from None


def _shown(name: str, raw: str) -> str:
    # Never echo secrets, not even malformed ones.
    secretish = any(word in name for word in ("TOKEN", "PASSWORD", "SECRET"))
    return "(hidden)" if secretish else repr(raw[:60])


class _Problem(SettingsError):
    """Raised by parsers; _Reader prefixes it with the setting's name."""

    def __init__(self, problem: str) -> None:
        ValueError.__init__(self, problem)


def _parse_token(raw: str) -> Secret:
    if not _TOKEN_PATTERN.match(raw):
        raise _Problem("does not look like a bot token (expected digits:letters, from @BotFather)")
    return Secret(raw)


def _parse_room_secret(raw: str) -> Secret:
    if len(raw) < MIN_ROOM_SECRET:
        raise _Problem(
            f"is too short: use at least {MIN_ROOM_SECRET} random characters, e.g. the output"
            " of `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
        )
    return Secret(raw)


def _parse_app_id(raw: str) -> str:
    if len(raw) > 200 or not re.fullmatch(r"[\x21-\x7e]+", raw):
        raise _Problem("must be one word of printable ASCII, as in prosody's app_id")
    return raw


def _parse_jitsi_app_secret(raw: str) -> Secret:
    if len(raw) < MIN_JITSI_APP_SECRET:
        raise _Problem(
            f"is too short: use at least {MIN_JITSI_APP_SECRET} random characters (the same"
            " as prosody's app_secret), e.g. the output of"
            " `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
        )
    return Secret(raw)


def _parse_database_url(raw: str) -> Secret:
    scheme = urlparse(raw).scheme.split("+")[0]
    if scheme not in ("sqlite", "postgresql", "postgres"):
        # The value may hold a password: only its scheme is shown.
        raise _Problem(
            "must be sqlite:///path/to/file.sqlite3 or postgresql://user:password@host:5432/db,"
            f" not a {scheme or 'scheme-less'!r} URL"
        )
    return Secret(raw)


def database_password(settings: Settings) -> str | None:
    """The password inside DATABASE_URL, if any (a secret for the log filter)."""
    if settings.database_url is None:
        return None
    try:
        return urlparse(settings.database_url.reveal()).password
    except ValueError:
        return None


def _parse_http_url(raw: str) -> str:
    parsed = urlparse(raw)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise _Problem(
            f"must be an http(s) URL such as http://127.0.0.1:8081/bot, not {raw[:60]!r}"
        )
    return raw.rstrip("/")


def _parse_id_list(raw: str) -> frozenset[int]:
    parts = [part.strip() for part in raw.replace(";", ",").split(",") if part.strip()]
    if not all(re.fullmatch(r"-?\d{1,20}", part) for part in parts):
        raise _Problem(
            f"must be Telegram user ids separated by commas, such as 12345,67890, not {raw[:60]!r}"
        )
    return frozenset(int(part) for part in parts)


def _parse_networks(raw: str) -> tuple[str, ...]:
    """IP addresses or networks (CIDR) separated by commas; "none" trusts none."""
    if raw.strip().lower() == "none":
        return ()
    parts = tuple(part.strip() for part in raw.split(",") if part.strip())
    for part in parts:
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise _Problem(
                f"must be IP addresses or networks separated by commas, such as "
                f"127.0.0.1,::1,10.0.0.0/8 (or none), not {part[:60]!r}"
            ) from None
    return parts


def _parse_timezone(raw: str) -> str:
    if raw not in available_timezones():
        raise _Problem(f"must be an IANA time zone such as Europe/Moscow or UTC, not {raw[:60]!r}")
    return raw


def _parse_switch(raw: str) -> bool:
    value = raw.lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise _Problem(f"must be on or off, not {raw[:60]!r}")


def _one_of(choices: tuple[str, ...], *, upper: bool = False) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.upper() if upper else raw.lower()
        if value not in choices:
            raise _Problem(f"must be one of {', '.join(choices)}, not {raw[:60]!r}")
        return value

    return parse


def _int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        if not re.fullmatch(r"-?\d+", raw) or not low <= int(raw) <= high:
            raise _Problem(f"must be a whole number from {low} to {high}, not {raw[:60]!r}")
        return int(raw)

    return parse
