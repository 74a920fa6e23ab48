"""Recurring conferences: the rule, its zone and anchor, the meeting length, the end of
the last meeting, the series a split part continues, and the meetings changed alone.

A series is one row: starts_at/ends_at hold its current meeting (the earliest not
cancelled whose end is ahead; the last once all are past), so status, Join, reminders
and the log work per meeting (docs/ARCHITECTURE.md, "Recurring conferences").

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_BIG = {"sqlite": "INTEGER", "postgresql": "BIGINT"}


def upgrade() -> None:
    bind = op.get_bind()
    big = _BIG[bind.dialect.name]
    for statement in (
        # RFC 5545 RRULE text without DTSTART (FREQ=WEEKLY;BYDAY=MO;COUNT=10); NULL for a
        # single conference.
        "ALTER TABLE conferences ADD COLUMN rrule TEXT",
        # The IANA zone whose wall clock the meetings keep across DST (the owner's at
        # scheduling), and the first meeting's start (UTC): the rule's DTSTART.
        "ALTER TABLE conferences ADD COLUMN rrule_timezone TEXT",
        f"ALTER TABLE conferences ADD COLUMN series_start {big}",
        # The length of an ordinary meeting (seconds): the current one may be moved
        # alone, or ended early with "End now".
        f"ALTER TABLE conferences ADD COLUMN meeting_length {big}",
        # The end of the last meeting: ends_at for a single conference, a far sentinel
        # (2^62) for a series without end. The log keeps reading ends_at through its
        # indexes: advanced before every read, a row's ends_at is after now exactly when
        # its active_until is.
        f"ALTER TABLE conferences ADD COLUMN active_until {big}",
        "UPDATE conferences SET active_until = ends_at",
        # The series this one continues after "all meetings from this one" changed
        # mid-series (the earlier part keeps its UID and ends before the split).
        f"ALTER TABLE conferences ADD COLUMN split_from {big}",
        # Live series by the end of the current meeting: "ends_at <= now" in it finds
        # exactly the series to advance, without visiting finished series or single
        # conferences.
        "CREATE INDEX conferences_series_current ON conferences (ends_at)"
        " WHERE rrule IS NOT NULL AND ends_at < active_until",
        # One meeting of a series changed alone: moved (new start and end) or cancelled,
        # addressed by its original start (the RECURRENCE-ID).
        f"""
        CREATE TABLE series_exceptions (
            conference_id  {big} NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
            original_start {big} NOT NULL,
            cancelled      INTEGER NOT NULL DEFAULT 0,
            starts_at      {big},
            ends_at        {big},
            -- participants told of this change (NULL: not yet; "Notify" claims it)
            notified_at    {big},
            PRIMARY KEY (conference_id, original_start)
        )
        """,
    ):
        bind.exec_driver_sql(statement)


def downgrade() -> None:
    raise NotImplementedError("the bot's migrations go forward only")
