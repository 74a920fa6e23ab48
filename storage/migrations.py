"""Numbered schema migrations. Append only: a released migration is never edited.

Each migration runs once, inside its own transaction, and is recorded in
`schema_migrations` (see storage/db.py). Times are stored as UTC Unix seconds (INTEGER):
portable to PostgreSQL (BIGINT) and cheap to compare with "now".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    """One schema step. `rebuilds_tables`: it replaces a table the way SQLite documents
    for changes ALTER TABLE cannot make (new table, copy, drop, rename, indexes), so
    foreign keys are switched off around it (a DROP would otherwise cascade into the
    rows that refer to the old table) and checked before it commits."""

    version: int
    name: str
    statements: tuple[str, ...]
    rebuilds_tables: bool = False


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
    Migration(
        3,
        "invitations, participants, posted cards and the mail outbox",
        (
            # The unguessable token of the deep link t.me/<bot>?start=<token>.
            "ALTER TABLE conferences ADD COLUMN share_token TEXT",
            "CREATE UNIQUE INDEX conferences_share_token ON conferences (share_token)",
            """
            CREATE TABLE invitations (
                id            INTEGER PRIMARY KEY AUTOINCREMENT,
                conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
                email         TEXT NOT NULL,
                created_at    INTEGER NOT NULL,
                UNIQUE (conference_id, email)
            )
            """,
            """
            CREATE TABLE participants (
                conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
                chat_id       INTEGER NOT NULL,  -- a user's id (private chat) or a group's id
                kind          TEXT NOT NULL CHECK (kind IN ('user', 'group')),
                title         TEXT NOT NULL DEFAULT '',
                is_active     INTEGER NOT NULL DEFAULT 1,  -- 0 once the chat blocked the bot
                created_at    INTEGER NOT NULL,
                PRIMARY KEY (conference_id, chat_id)
            )
            """,
            "CREATE INDEX participants_chat ON participants (chat_id)",
            """
            CREATE TABLE inline_cards (
                inline_message_id TEXT PRIMARY KEY,  -- a card posted through inline mode
                conference_id     INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
                created_at        INTEGER NOT NULL
            )
            """,
            "CREATE INDEX inline_cards_conference ON inline_cards (conference_id)",
            """
            CREATE TABLE outbox (
                id              INTEGER PRIMARY KEY AUTOINCREMENT,
                message_id      TEXT NOT NULL UNIQUE,  -- the Message-ID header, kept on re-sends
                kind            TEXT NOT NULL,         -- invitation, update, cancellation, ...
                owner_id        INTEGER,               -- who caused it: limits, delivery state
                conference_id   INTEGER,               -- no foreign key: a cancellation outlives
                                                       -- its conference
                recipient       TEXT NOT NULL,
                sender          TEXT NOT NULL,
                raw             BLOB NOT NULL,         -- the whole message as it is sent
                status          TEXT NOT NULL DEFAULT 'pending'
                                CHECK (status IN ('pending', 'sent', 'failed')),
                attempts        INTEGER NOT NULL DEFAULT 0,
                next_attempt_at INTEGER NOT NULL,
                last_error      TEXT,
                created_at      INTEGER NOT NULL,
                sent_at         INTEGER
            )
            """,
            "CREATE INDEX outbox_due ON outbox (status, next_attempt_at)",
            "CREATE INDEX outbox_owner_created ON outbox (owner_id, created_at)",
            "CREATE INDEX outbox_conference ON outbox (conference_id, recipient)",
        ),
    ),
    Migration(
        4,
        "reminders and participants waiting for the owner",
        (
            # NULL: the operator's REMINDER_MINUTES; 0: no reminders.
            "ALTER TABLE users ADD COLUMN reminder_minutes INTEGER",
            # Reminders look conferences up by start time across all owners.
            "CREATE INDEX conferences_start ON conferences (starts_at)",
            """
            CREATE TABLE reminders_sent (
                conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
                chat_id       INTEGER NOT NULL,
                starts_at     INTEGER NOT NULL,  -- a moved conference earns a new reminder
                sent_at       INTEGER NOT NULL,
                PRIMARY KEY (conference_id, chat_id, starts_at)
            )
            """,
            """
            CREATE TABLE join_waiters (
                conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
                user_id       INTEGER NOT NULL,
                display_name  TEXT NOT NULL,
                created_at    INTEGER NOT NULL,
                PRIMARY KEY (conference_id, user_id)
            )
            """,
        ),
    ),
    Migration(
        5,
        "admin audit log and resumable broadcasts",
        (
            """
            CREATE TABLE audit_log (
                id         INTEGER PRIMARY KEY AUTOINCREMENT,
                admin_id   INTEGER NOT NULL,
                action     TEXT NOT NULL,       -- block, unblock, broadcast, delete, retry...
                target     TEXT NOT NULL DEFAULT '',
                created_at INTEGER NOT NULL
            )
            """,
            """
            CREATE TABLE broadcasts (
                id          INTEGER PRIMARY KEY AUTOINCREMENT,
                admin_id    INTEGER NOT NULL,
                text        TEXT NOT NULL,
                status      TEXT NOT NULL DEFAULT 'sending' CHECK (status IN ('sending', 'done')),
                created_at  INTEGER NOT NULL,
                finished_at INTEGER
            )
            """,
            """
            CREATE TABLE broadcast_deliveries (
                broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
                user_id      INTEGER NOT NULL,
                ok           INTEGER NOT NULL,  -- 1 delivered, 0 refused (e.g. bot blocked)
                PRIMARY KEY (broadcast_id, user_id)
            )
            """,
            "CREATE INDEX users_active ON users (is_active, is_blocked)",
            "CREATE INDEX conferences_created ON conferences (created_at)",
            "CREATE INDEX outbox_sent ON outbox (sent_at)",
            "CREATE INDEX users_created ON users (created_at)",
        ),
    ),
    Migration(
        6,
        "e-mail bodies apart from their delivery state",
        (
            # SQLite rewrites a whole row on UPDATE: with the message inside, marking one
            # e-mail sent rewrote its ~12 kB body too.
            """
            CREATE TABLE outbox_bodies (
                outbox_id INTEGER PRIMARY KEY REFERENCES outbox (id) ON DELETE CASCADE,
                raw       BLOB NOT NULL
            )
            """,
            "INSERT INTO outbox_bodies (outbox_id, raw) SELECT id, raw FROM outbox",
            "ALTER TABLE outbox DROP COLUMN raw",
        ),
    ),
    Migration(
        7,
        "cancelled mail, delivery reasons, clean-up of old bodies",
        (
            # The outbox gains the status 'cancelled' (SQLite cannot alter a CHECK, so the
            # table is rebuilt), the reason of a failure as a category the owner can read,
            # and the moment from which a sent or cancelled row's body is kept.
            """
            CREATE TABLE outbox_new (
                id              INTEGER PRIMARY KEY AUTOINCREMENT,
                message_id      TEXT NOT NULL UNIQUE,  -- the Message-ID header, kept on re-sends
                kind            TEXT NOT NULL,         -- invitation, update, cancellation, ...
                owner_id        INTEGER,               -- who caused it: limits, delivery state
                conference_id   INTEGER,               -- no foreign key: a cancellation outlives
                                                       -- its conference
                recipient       TEXT NOT NULL,
                sender          TEXT NOT NULL,
                status          TEXT NOT NULL DEFAULT 'pending'
                                CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
                attempts        INTEGER NOT NULL DEFAULT 0,
                next_attempt_at INTEGER NOT NULL,
                last_error      TEXT,                  -- the server's words, for admins only
                reason          TEXT,                  -- their category, shown to the owner
                created_at      INTEGER NOT NULL,
                sent_at         INTEGER,
                body_kept_since INTEGER  -- sent or cancelled, body still stored: MAIL_KEEP_DAYS
                                         -- count from here (NULL: body needed, or deleted)
            )
            """,
            "INSERT INTO outbox_new (id, message_id, kind, owner_id, conference_id, recipient,"
            " sender, status, attempts, next_attempt_at, last_error, created_at, sent_at,"
            " body_kept_since)"
            " SELECT id, message_id, kind, owner_id, conference_id, recipient, sender, status,"
            " attempts, next_attempt_at, last_error, created_at, sent_at,"
            " CASE WHEN status = 'sent' THEN sent_at END FROM outbox",
            # Ids are never handed out twice: the new table continues the old sequence.
            "DELETE FROM sqlite_sequence WHERE name = 'outbox_new'",
            "INSERT INTO sqlite_sequence (name, seq)"
            " SELECT 'outbox_new', seq FROM sqlite_sequence WHERE name = 'outbox'",
            # With foreign keys off (rebuilds_tables) the DROP leaves outbox_bodies alone;
            # its rows refer to the ids copied above, under the table's name.
            "DROP TABLE outbox",
            "ALTER TABLE outbox_new RENAME TO outbox",
            "CREATE INDEX outbox_due ON outbox (status, next_attempt_at)",
            "CREATE INDEX outbox_owner_created ON outbox (owner_id, created_at)",
            "CREATE INDEX outbox_conference ON outbox (conference_id, recipient)",
            "CREATE INDEX outbox_sent ON outbox (sent_at)",
            # Only rows whose body still waits to be deleted are in it: the clean-up reads
            # what is due and nothing else.
            "CREATE INDEX outbox_body_kept ON outbox (body_kept_since)"
            " WHERE body_kept_since IS NOT NULL",
        ),
        rebuilds_tables=True,
    ),
    Migration(
        8,
        "verified e-mail addresses",
        (
            # users.email is from now on the verified address only. A new or changed one
            # waits here until its code is typed; the code is stored hashed.
            """
            CREATE TABLE email_verifications (
                user_id     INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
                email       TEXT NOT NULL,     -- the address waiting to be confirmed
                code_hash   TEXT,              -- salt and HMAC of the code; NULL: none sent yet
                expires_at  INTEGER,           -- when the code stops working
                wrong_tries INTEGER NOT NULL DEFAULT 0,
                created_at  INTEGER NOT NULL
            )
            """,
            # Addresses of earlier versions were never verified: each becomes a pending
            # change (no code sent yet) and is no longer used until it is confirmed.
            "INSERT INTO email_verifications (user_id, email, created_at)"
            " SELECT id, email, updated_at FROM users WHERE email IS NOT NULL AND email <> ''",
            "UPDATE users SET email = NULL WHERE email IS NOT NULL",
        ),
    ),
    Migration(
        9,
        "participants and e-mail invitees the owner removed",
        (
            # The row stays, so a removed person's link cannot make them a participant
            # again and a removed invitee gets no further updates. NULL: still in.
            "ALTER TABLE participants ADD COLUMN removed_at INTEGER",
            "ALTER TABLE invitations ADD COLUMN removed_at INTEGER",
        ),
    ),
    Migration(
        10,
        "the bot's own secrets",
        (
            # Made by the bot on its first start and kept here, such as the key that makes
            # video rooms unguessable (bot/keys.py). Never logged, never shown.
            """
            CREATE TABLE bot_secrets (
                name       TEXT PRIMARY KEY,
                value      TEXT NOT NULL,
                created_at INTEGER NOT NULL
            )
            """,
        ),
    ),
    Migration(
        11,
        "participants of scheduled conferences are due a notice about the new rooms",
        (
            # Migration 10 made video rooms unguessable, so every room changed: the links
            # participants already hold lead to the old room. Marking such conferences as
            # changed lets their owners send the new link with "Notify participants".
            """
            UPDATE conferences SET changed_since_notice = 1
            WHERE ends_at > CAST(strftime('%s', 'now') AS INTEGER)
              AND (EXISTS (SELECT 1 FROM invitations AS i
                           WHERE i.conference_id = conferences.id AND i.removed_at IS NULL)
                   OR EXISTS (SELECT 1 FROM participants AS p
                              WHERE p.conference_id = conferences.id AND p.is_active = 1
                                AND p.removed_at IS NULL))
            """,
        ),
    ),
    Migration(
        12,
        "participants who left on their own, and the log of what one takes part in",
        (
            # Leaving is the participant's own act: the row stays removed (no notices, no
            # reminders, out of their log) and `left_at` tells it apart from a removal by
            # the owner, so that the link may let them back in when they ask for it.
            "ALTER TABLE participants ADD COLUMN left_at INTEGER",
            # "Conference log" lists what a person takes part in beside what they own, in
            # start order, split by the end. A copy of each conference's start and end in
            # its participant rows lets the log count, filter and order participations
            # from an index alone: without it, a person in 600 conferences cost 600 row
            # lookups per page (B2). The triggers keep the copies equal to the conference.
            "ALTER TABLE participants ADD COLUMN starts_at INTEGER",
            "ALTER TABLE participants ADD COLUMN ends_at INTEGER",
            """
            UPDATE participants SET
                starts_at = (SELECT c.starts_at FROM conferences AS c
                             WHERE c.id = participants.conference_id),
                ends_at = (SELECT c.ends_at FROM conferences AS c
                           WHERE c.id = participants.conference_id)
            """,
            """
            CREATE TRIGGER participants_times_on_insert AFTER INSERT ON participants
            WHEN NEW.starts_at IS NULL OR NEW.ends_at IS NULL
            BEGIN
                UPDATE participants SET
                    starts_at = (SELECT c.starts_at FROM conferences AS c
                                 WHERE c.id = NEW.conference_id),
                    ends_at = (SELECT c.ends_at FROM conferences AS c
                               WHERE c.id = NEW.conference_id)
                WHERE conference_id = NEW.conference_id AND chat_id = NEW.chat_id;
            END
            """,
            """
            CREATE TRIGGER conferences_times_to_participants
            AFTER UPDATE OF starts_at, ends_at ON conferences
            BEGIN
                UPDATE participants SET starts_at = NEW.starts_at, ends_at = NEW.ends_at
                WHERE conference_id = NEW.id;
            END
            """,
            # A person's rows that count (theirs, still in) come first in each index, so a
            # count or a page reads the index alone. By end: the scheduled list and both
            # counts; by start (with the id that breaks ties, and the end to filter on):
            # the archive in page order, which stops after the page.
            "CREATE INDEX participants_person_end"
            " ON participants (chat_id, kind, is_active, removed_at, ends_at)",
            "CREATE INDEX participants_person_start ON participants"
            " (chat_id, kind, is_active, removed_at, starts_at, conference_id, ends_at)",
        ),
    ),
    Migration(
        13,
        "what participants were told, the organizer of invitations, each invitee's language",
        (
            # What participants were last told of the fields they must know (NULL: nobody
            # told yet), so that a change notice can say "Start: 15:00 -> 16:00".
            "ALTER TABLE conferences ADD COLUMN told_topic TEXT",
            "ALTER TABLE conferences ADD COLUMN told_starts_at INTEGER",
            "ALTER TABLE conferences ADD COLUMN told_ends_at INTEGER",
            "ALTER TABLE conferences ADD COLUMN told_code TEXT",
            "ALTER TABLE conferences ADD COLUMN told_password TEXT",
            # The ORGANIZER of the conference's calendar invitations, fixed at the first
            # one: organizer_name NULL means none was sent yet; organizer_email NULL (with
            # a name) means the bot's own address (MAIL_FROM) organizes.
            "ALTER TABLE conferences ADD COLUMN organizer_email TEXT",
            "ALTER TABLE conferences ADD COLUMN organizer_name TEXT",
            # The language of an invitee's first invitation, kept for every later message.
            "ALTER TABLE invitations ADD COLUMN language TEXT",
            # Earlier versions kept none of this. The best guess of what people were told
            # is the conference as it is (a notice then shows the details without "old ->
            # new"); of the organizer and the language, what the next message would have
            # used: the owner's verified address, name and language as they are now.
            """
            UPDATE conferences SET told_topic = topic, told_starts_at = starts_at,
                   told_ends_at = ends_at, told_code = conference_code, told_password = password
            WHERE EXISTS (SELECT 1 FROM invitations AS i WHERE i.conference_id = conferences.id)
               OR EXISTS (SELECT 1 FROM participants AS p WHERE p.conference_id = conferences.id)
            """,
            """
            UPDATE conferences
               SET organizer_email = (SELECT u.email FROM users AS u
                                      WHERE u.id = conferences.owner_id),
                   organizer_name = COALESCE((SELECT u.full_name FROM users AS u
                                              WHERE u.id = conferences.owner_id), '')
            WHERE EXISTS (SELECT 1 FROM invitations AS i WHERE i.conference_id = conferences.id)
            """,
            """
            UPDATE invitations
               SET language = (SELECT u.language FROM conferences AS c
                               JOIN users AS u ON u.id = c.owner_id
                               WHERE c.id = invitations.conference_id)
            """,
        ),
    ),
    Migration(
        14,
        "whether a person confirmed their time zone",
        (
            # 1: they confirmed or chose it (the question asked once, or "Personal
            # information"); 0: not yet, so they are asked at their first schedule or
            # conference card. NULL: registered before the question existed; they count as
            # confirmed unless their zone is still the operator's DEFAULT_TIMEZONE, which
            # plain SQL cannot know here (bot/users.py `needs_timezone_question`).
            "ALTER TABLE users ADD COLUMN timezone_confirmed INTEGER",
        ),
    ),
    Migration(
        16,
        "updates already handled",
        (
            # Telegram delivers an update again when its acknowledgement was lost (a
            # webhook answer that timed out, a crash before the answer): an update id
            # found here was handled, and is skipped. Written in the transaction that saves
            # the update's dialog state; ids older than a day are pruned.
            """
            CREATE TABLE handled_updates (
                update_id  INTEGER PRIMARY KEY,
                handled_at INTEGER NOT NULL
            )
            """,
            "CREATE INDEX handled_updates_by_time ON handled_updates (handled_at)",
        ),
    ),
    # 15 was never released (the number of work that landed elsewhere): numbers only
    # need to ascend.
    Migration(
        17,
        "personal join-page tokens of e-mail invitees",
        (
            # The unguessable token of an invitee's own join page (PUBLIC_URL/j/<token>).
            # Removing the invitee (removed_at) revokes it; inviting the address again
            # gives a new one. NULL for rows of earlier versions until first needed.
            "ALTER TABLE invitations ADD COLUMN join_token TEXT",
            "CREATE UNIQUE INDEX invitations_join_token ON invitations (join_token)",
        ),
    ),
    Migration(
        18,
        "recurring conferences: the rule, its zone and anchor, the end of the last meeting",
        (
            # RFC 5545 RRULE text without DTSTART (FREQ=WEEKLY;BYDAY=MO;COUNT=10); NULL for a
            # single conference. A series is one row: starts_at/ends_at hold its current
            # meeting (the earliest not cancelled whose end is ahead; the last once all
            # are past), so status, Join, reminders and the log work per meeting.
            "ALTER TABLE conferences ADD COLUMN rrule TEXT",
            # The IANA zone whose wall clock the meetings keep across DST (the owner's at
            # scheduling), and the first meeting's start (UTC): the rule's DTSTART.
            "ALTER TABLE conferences ADD COLUMN rrule_timezone TEXT",
            "ALTER TABLE conferences ADD COLUMN series_start INTEGER",
            # The length of an ordinary meeting of a series (seconds): the current one may
            # be moved alone, or ended early with "End now".
            "ALTER TABLE conferences ADD COLUMN meeting_length INTEGER",
            # The end of the last meeting: ends_at for a single conference, a far sentinel
            # (2^62) for a series without end. The log keeps reading ends_at through its
            # indexes: advanced before every read, a row's ends_at is after now exactly
            # when its active_until is (docs/ARCHITECTURE.md, "Recurring conferences").
            "ALTER TABLE conferences ADD COLUMN active_until INTEGER",
            "UPDATE conferences SET active_until = ends_at",
            # The series this one continues after "all meetings from this one" changed
            # mid-series (the earlier part keeps its UID and ends before the split).
            "ALTER TABLE conferences ADD COLUMN split_from INTEGER",
            # Series with a meeting after the current one (live ones), by the end of the
            # current meeting: "ends_at <= now" in it finds exactly the series to advance,
            # without visiting finished series or single conferences.
            "CREATE INDEX conferences_series_current ON conferences (ends_at)"
            " WHERE rrule IS NOT NULL AND ends_at < active_until",
            # One meeting of a series changed alone: moved (new start and end) or cancelled,
            # addressed by its original start (the RECURRENCE-ID).
            """
            CREATE TABLE series_exceptions (
                conference_id  INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
                original_start INTEGER NOT NULL,
                cancelled      INTEGER NOT NULL DEFAULT 0,
                starts_at      INTEGER,
                ends_at        INTEGER,
                -- participants told of this change (NULL: not yet; "Notify" claims it)
                notified_at    INTEGER,
                PRIMARY KEY (conference_id, original_start)
            )
            """,
        ),
    ),
)
