"""Harness for the property tests: many independent simulated users against one running bot.

Hypothesis runs every example of a test inside the same function-scoped `bot` and `emu`,
so each example uses a NEW user (examples stay independent) and the harness keeps the
book-keeping that lets an example say "the bot answered, nothing failed, nothing changed":

- `barrier()`: updates are handled one at a time, so once a bystander's press is answered,
  everything sent before it (and every update it re-queued) has been handled completely;
- `snapshot()`: the rows of every business table (not the dialog-state tables, which
  legitimately change after every update, nor `users.last_seen_at`);
- `assert_clean()`: no message with the generic error text, no ERROR log record (the error
  handler logs every exception), no failed Bot API call (a 400 "can't parse entities"
  means unescaped user text) since `mark()`.
"""

from __future__ import annotations

import itertools
import logging
import os
from dataclasses import dataclass

import pytest

from bot.i18n import plain
from storage.conferences import ConferenceRepository, NewConference

HOUR = 3600
# Users who only ever press an unknown button, for `Harness.barrier()`: enough that none
# of them sends more than FLOOD_MAX_UPDATES (30) updates in 10 seconds.
BYSTANDERS = 16

# Tables whose rows are business data. Dialog states (conversation_states, user_data,
# chat_data, bot_data) are written after every update and are not compared.
BUSINESS_TABLES = (
    "users",
    "conferences",
    "invitations",
    "participants",
    "inline_cards",
    "outbox",
    "reminders_sent",
    "join_waiters",
    "audit_log",
    "broadcasts",
    "broadcast_deliveries",
)
VOLATILE_COLUMNS = {"users": {"last_seen_at"}}

ERROR_TEXTS = tuple(plain(language, "common.error") for language in ("en", "ru"))

# Failed calls the bot provokes on purpose and handles: a second press on a button asks
# for the screen already shown, and `show()` ignores "message is not modified".
TOLERATED_FAILURES = ("message is not modified",)


# HOSTILE_INPUT_STRICT=1: WARNING records count too (e.g. the date parser's defensive
# "parse_start failed on ..." hides an exception it caught).
STRICT = os.environ.get("HOSTILE_INPUT_STRICT") == "1"


class _ErrorRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING if STRICT else logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def error_records():
    """Every ERROR log record while the test runs (handlers.errors logs each exception)."""
    handler = _ErrorRecords()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler.records
    root.removeHandler(handler)


@dataclass
class Mark:
    calls: int
    errors: int


Snapshot = dict[str, list[dict]]


class Harness:
    def __init__(self, bot, emu, errors: list[logging.LogRecord]) -> None:
        self.bot = bot
        self.emu = emu
        self.errors = errors
        self._numbers = itertools.count(1)
        self._codes = itertools.count(1)
        self._bystanders: list[tuple[object, object]] = []  # (user, a message to press)
        self._turn = itertools.count()

    async def start(self) -> None:
        """Register the bystanders that `barrier()` uses (before anything is compared)."""
        for number in range(BYSTANDERS):
            user = self.emu.user(f"Bystander{number}")
            await user.send("/start")
            self._bystanders.append((user, await user.expect_message(timeout=10)))

    @property
    def database(self):
        return self.bot.services.database

    # -- people and conferences ------------------------------------------------------

    def next_number(self) -> int:
        return next(self._numbers)

    def new_user(self, prefix: str = "User", language: str = "en"):
        return self.emu.user(f"{prefix}{next(self._numbers)}", language_code=language)

    async def started_user(self, prefix: str = "User", language: str = "en"):
        """A new user who has sent /start (registered); returns (user, main menu)."""
        user = self.new_user(prefix, language)
        await user.send("/start")
        return user, await user.expect_message()

    async def add_conference(
        self, owner_id: int, start_hours: float, *, topic: str = "Plan", length: int = HOUR
    ) -> int:
        """A conference straight into storage, starting `start_hours` from the test clock."""
        now = self.bot.clock.timestamp()
        start = now + int(start_hours * HOUR)
        return await ConferenceRepository(self.database).create(
            NewConference(
                owner_id, topic, start, start + length, f"prop{next(self._codes):06d}", "pw12"
            ),
            now=now,
        )

    # -- synchronisation -------------------------------------------------------------

    async def barrier(self) -> None:
        """Return once every update sent before has been handled completely.

        Updates are handled one at a time, so the answer to a bystander's press comes after
        everything sent before it. A press on a button the bot does not know costs only an
        answerCallbackQuery, which the bot's 30-messages-a-second limiter does not count;
        the bystanders take turns so none of them trips the per-person flood guard."""
        user, message = self._bystanders[next(self._turn) % len(self._bystanders)]
        await user.press_data(message, "barrier")
        await user.expect_callback_answer(timeout=10)

    # -- what changed ------------------------------------------------------------------

    async def snapshot(self) -> Snapshot:
        tables = {
            row[0]
            for row in await self.database.fetch_all(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            )
        }
        result: Snapshot = {}
        for table in BUSINESS_TABLES:
            if table not in tables:
                continue
            skip = VOLATILE_COLUMNS.get(table, set())
            rows = await self.database.fetch_all(f"SELECT * FROM {table} ORDER BY rowid")
            result[table] = [
                {key: row[key] for key in row.keys() if key not in skip} for row in rows
            ]
        return result

    def mark(self) -> Mark:
        return Mark(calls=len(self.emu.calls), errors=len(self.errors))

    def problems(self, mark: Mark, *users) -> list[str]:
        """Everything that went wrong since `mark`, in words (empty: all is well)."""
        found = []
        for record in self.errors[mark.errors :]:
            text = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                error = record.exc_info[1]
                text += f": {type(error).__name__}: {error}"
            found.append(f"{record.levelname} log from {record.name}: {text}")
        for call in self.emu.calls[mark.calls :]:
            if call.ok:
                continue
            description = call.error.description if call.error else ""
            if any(tolerated in description for tolerated in TOLERATED_FAILURES):
                continue
            found.append(
                f"failed Bot API call {call.method}: {call.error_code} {description}"
                f" (chat_id={call.params.get('chat_id')})"
            )
        for user in users:
            for message in user.messages():
                if any(error in (message.text or "") for error in ERROR_TEXTS):
                    found.append(f"{user!r} got the generic error message")
                    break
        return found

    def assert_clean(self, mark: Mark, *users, context: str) -> None:
        found = self.problems(mark, *users)
        if found:
            transcripts = "\n".join(
                _clip(line) for user in users for line in user.transcript().splitlines()
            )
            raise AssertionError(f"{context}\n" + "\n".join(found) + "\n" + transcripts)


@pytest.fixture
async def harness(bot, emu, error_records):
    h = Harness(bot, emu, error_records)
    await h.start()
    return h


def diff(before: Snapshot, after: Snapshot, keep=lambda table, row: True) -> list[str]:
    """Rows added, removed or changed between two snapshots (only rows `keep` selects)."""
    lines = []
    for table in sorted(set(before) | set(after)):
        old = [row for row in before.get(table, []) if keep(table, row)]
        new = [row for row in after.get(table, []) if keep(table, row)]
        gone = [row for row in old if row not in new]
        added = [row for row in new if row not in old]
        for row in gone:
            lines.append(f"{table}: - {_short(row)}")
        for row in added:
            lines.append(f"{table}: + {_short(row)}")
    return lines


def _clip(line: str, limit: int = 240) -> str:
    return line if len(line) <= limit else f"{line[:limit]}... ({len(line)} characters)"


def _short(row: dict) -> str:
    return repr(
        {
            key: (value[:60] + b"..." if isinstance(value, bytes) and len(value) > 60 else value)
            for key, value in row.items()
        }
    )
