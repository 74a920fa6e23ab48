"""Numbered schema migrations. Append only: a released migration is never edited.

Each migration runs once, inside its own transaction, and is recorded in
`schema_migrations` (see storage/db.py). Times are stored as UTC Unix seconds (INTEGER):
portable to PostgreSQL (BIGINT) and cheap to compare with "now".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "users and conferences",
        (
            """
            CREATE TABLE users (
                id             INTEGER PRIMARY KEY,      -- the Telegram user id
                username       TEXT,
                full_name      TEXT NOT NULL DEFAULT '',
                email          TEXT,
                language       TEXT NOT NULL,
                timezone       TEXT NOT NULL,
                remember_name  INTEGER NOT NULL DEFAULT 0,
                display_name   TEXT,
                is_blocked     INTEGER NOT NULL DEFAULT 0, -- blocked by an admin
                is_active      INTEGER NOT NULL DEFAULT 1, -- 0 once the user blocked the bot
                created_at     INTEGER NOT NULL,
                updated_at     INTEGER NOT NULL,
                last_seen_at   INTEGER NOT NULL
            )
            """,
            "CREATE INDEX users_username ON users (username)",
            "CREATE INDEX users_last_seen ON users (last_seen_at)",
            """
            CREATE TABLE conferences (
                id                   INTEGER PRIMARY KEY AUTOINCREMENT,
                owner_id             INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                topic                TEXT NOT NULL,
                starts_at            INTEGER NOT NULL,
                ends_at              INTEGER NOT NULL,
                conference_code      TEXT NOT NULL UNIQUE,  -- the "conference ID" people type
                password             TEXT NOT NULL,
                allow_without_owner  INTEGER NOT NULL DEFAULT 1,
                sequence             INTEGER NOT NULL DEFAULT 0,  -- iCalendar SEQUENCE
                changed_since_notice INTEGER NOT NULL DEFAULT 0,  -- start moved, nobody told
                owner_joined_at      INTEGER,
                created_at           INTEGER NOT NULL,
                updated_at           INTEGER NOT NULL,
                CHECK (ends_at > starts_at)
            )
            """,
            # "My scheduled" filters on ends_at > now, "my archive" on ends_at <= now, both per
            # owner and ordered by start: (owner_id, ends_at) serves the range, and the per-owner
            # rows left to sort are few.
            "CREATE INDEX conferences_owner_end ON conferences (owner_id, ends_at)",
            "CREATE INDEX conferences_owner_start ON conferences (owner_id, starts_at)",
        ),
    ),
    Migration(
        2,
        "bot state for restart-safe conversations",
        (
            """
            CREATE TABLE conversation_states (
                handler_name     TEXT NOT NULL,
                conversation_key TEXT NOT NULL,   -- JSON array of chat/user ids
                state            TEXT NOT NULL,   -- JSON
                PRIMARY KEY (handler_name, conversation_key)
            )
            """,
            "CREATE TABLE user_data (user_id INTEGER PRIMARY KEY, data TEXT NOT NULL)",
            "CREATE TABLE chat_data (chat_id INTEGER PRIMARY KEY, data TEXT NOT NULL)",
            "CREATE TABLE bot_data (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL)",
        ),
    ),
)
