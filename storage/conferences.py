"""The conferences table: scheduled and archived conferences of each owner, and a
person's "Conference log": what they own and what they take part in.

A conference is "scheduled" while its end is in the future and "archived" after; the
split is computed from `ends_at` against the caller's clock, never stored.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from storage.db import Queryable, Row


@dataclass(frozen=True)
class ConferenceRecord:
    id: int
    owner_id: int
    topic: str
    starts_at: int
    ends_at: int
    conference_code: str
    password: str
    allow_without_owner: bool
    sequence: int
    changed_since_notice: bool
    owner_joined_at: int | None
    created_at: int
    updated_at: int
    share_token: str | None = None
    # What participants were last told (None: nobody was told anything yet).
    told_topic: str | None = None
    told_starts_at: int | None = None
    told_ends_at: int | None = None
    told_code: str | None = None
    told_password: str | None = None
    # The ORGANIZER of its invitations, fixed at the first one (`organizer_name` None: no
    # invitation yet; `organizer_email` None with a name: the bot's own address).
    organizer_email: str | None = None
    organizer_name: str | None = None
    # A series (migration 18): its RRULE without DTSTART, the zone whose wall clock its
    # meetings keep, the first meeting's start; None for a single conference. starts_at
    # and ends_at are then the current meeting. `active_until`: the end of the last one.
    rrule: str | None = None
    rrule_timezone: str | None = None
    series_start: int | None = None
    active_until: int | None = None
    split_from: int | None = None  # the earlier part of a series split at this one
    meeting_length: int | None = None  # seconds, of an ordinary meeting of a series

    @property
    def is_series(self) -> bool:
        return self.rrule is not None

    @classmethod
    def from_row(cls, row: Row) -> ConferenceRecord:
        record = {f.name: row[f.name] for f in fields(cls)}
        record["allow_without_owner"] = bool(record["allow_without_owner"])
        record["changed_since_notice"] = bool(record["changed_since_notice"])
        return cls(**record)


@dataclass(frozen=True)
class NewConference:
    owner_id: int
    topic: str
    starts_at: int
    ends_at: int
    conference_code: str
    password: str
    allow_without_owner: bool = True
    rrule: str | None = None
    rrule_timezone: str | None = None
    active_until: int | None = None  # None: ends_at (a single conference)


@dataclass(frozen=True)
class SeriesException:
    """One meeting of a series changed alone, by its original start (RECURRENCE-ID)."""

    original_start: int
    cancelled: bool
    starts_at: int | None = None
    ends_at: int | None = None


# The snapshot of what participants were told, from the conference as it is now.
_TELL_NOW = (
    "told_topic = topic, told_starts_at = starts_at, told_ends_at = ends_at,"
    " told_code = conference_code, told_password = password"
)


@dataclass(frozen=True)
class LogRow:
    """A line of someone's conference log: their own conference (`invited_by` None), or
    one they take part in, with its owner's name."""

    conference: ConferenceRecord
    invited_by: str | None = None


# A person's log: the conferences they own, then those they take part in (a participant
# row of their own, not removed and not left), as one list ordered by start for paging.
# Each arm is read in page order through an index of its own, and SQLite merges the two
# and stops after the page: the owner's through (owner_id, starts_at) or (owner_id,
# ends_at), the participations through participants_person_start or _end, whose rows
# carry copies of the conference's start and end (migration 12: triggers keep them equal)
# so that counting and filtering never visit the conferences themselves. {owned_end} and
# {end} are the scheduled or archive filter; the archive's "+" keeps (owner_id, ends_at)
# out, see list_archive. An owner is never a participant of their own conference
# (SharingService.open_shared), so the arms cannot overlap.
_COLUMNS = [f.name for f in fields(ConferenceRecord)]
# The participations' arm names its columns so that its start, end and id come from the
# participant row, read in index order: SQLite can then merge without sorting.
_FROM_PARTICIPANT = {"id": "p.conference_id", "starts_at": "p.starts_at", "ends_at": "p.ends_at"}
# The owner's name is read for the rows a page emits only (a correlated lookup by id).
_OWNED_COLUMNS = ", ".join(f"c.{name}" for name in _COLUMNS) + ", NULL AS invited_by"
_PARTICIPATED_COLUMNS = (
    ", ".join(f"{_FROM_PARTICIPANT.get(name, 'c.' + name)} AS {name}" for name in _COLUMNS)
    + ", (SELECT u.full_name FROM users AS u WHERE u.id = c.owner_id) AS invited_by"
)
_LOG = (
    f"SELECT {_OWNED_COLUMNS} FROM conferences AS c"
    " WHERE c.owner_id = :person AND {owned_end}"
    f" UNION ALL SELECT {_PARTICIPATED_COLUMNS}"
    " FROM participants AS p JOIN conferences AS c ON c.id = p.conference_id"
    " WHERE p.chat_id = :person AND p.kind = 'user' AND p.is_active = 1"
    " AND p.removed_at IS NULL AND {end}"
)
_LOG_SCHEDULED = _LOG.format(owned_end="c.ends_at > :now", end="p.ends_at > :now")
_LOG_ARCHIVE = _LOG.format(owned_end="+c.ends_at <= :now", end="+p.ends_at <= :now")
_LOG_COUNT = """
SELECT (SELECT COUNT(*) FROM conferences AS c WHERE c.owner_id = :person AND {owned_end})
     + (SELECT COUNT(*) FROM participants AS p
         WHERE p.chat_id = :person AND p.kind = 'user' AND p.is_active = 1
           AND p.removed_at IS NULL AND {end})
"""


def _page_sql(archive: bool, backwards: bool) -> str:
    """The page statement: scheduled soonest first, archive newest first; `backwards`
    reads the same list from its other end."""
    order = "starts_at DESC, id DESC" if archive != backwards else "starts_at, id"
    rows = _LOG_ARCHIVE if archive else _LOG_SCHEDULED
    return f"{rows} ORDER BY {order} LIMIT :limit OFFSET :offset"


# (archive, backwards) -> statement (SQLite's)
LOG_PAGE_SQL = {
    (archive, backwards): _page_sql(archive, backwards)
    for archive in (False, True)
    for backwards in (False, True)
}

# PostgreSQL plans the statement above differently: it reads every row of both arms,
# whole conference rows included, and sorts them (a busy owner's archive page took
# 30 ms). Its own statement picks the page's ids first, from the indexes alone, and
# reads the five conferences (and their owners' names) after. Each arm stops after
# offset + limit ids (:reach): it walks an index in page order (revision 0004:
# conferences_owner_start is (owner_id, starts_at, id) and carries ends_at;
# participants_person_start holds only the rows the log counts there, so chat_id =
# :person alone gives the order), and the two ordered arms are merged. The scheduled
# list soonest first is the exception: walked in start order it would pass the person's
# whole archive first, so its "+starts_at" keeps the walk off and the arms read the
# scheduled rows alone through conferences_owner_end and participants_person_end
# (ends_at ranges that carry the start and id) and sort those few. The conferences' own
# starts_at and ends_at equal the participant row's copies (the triggers of migration 12).
_PG_PARTICIPATION = (
    "p.chat_id = :person AND p.kind = 'user' AND p.is_active = 1 AND p.removed_at IS NULL"
)


def _pg_page_sql(archive: bool, backwards: bool) -> str:
    """PostgreSQL's page statement (see above); binds :person, :now, :limit, :offset and
    :reach (offset + limit)."""
    direction = " DESC" if archive != backwards else ""
    end = "<=" if archive else ">"
    # Soonest first: sort the scheduled rows rather than walk past the archive.
    walk = "+" if not archive and not backwards else ""
    ids = (
        "SELECT * FROM (SELECT c.id, c.starts_at, FALSE AS theirs FROM conferences AS c"
        f" WHERE c.owner_id = :person AND c.ends_at {end} :now"
        f" ORDER BY {walk}c.starts_at{direction}, c.id{direction} LIMIT :reach) AS owned"
        " UNION ALL SELECT * FROM (SELECT p.conference_id, p.starts_at, TRUE"
        f" FROM participants AS p WHERE {_PG_PARTICIPATION} AND p.ends_at {end} :now"
        f" ORDER BY {walk}p.starts_at{direction}, p.conference_id{direction}"
        " LIMIT :reach) AS participated"
        f" ORDER BY starts_at{direction}, id{direction} LIMIT :limit OFFSET :offset"
    )
    columns = ", ".join(f"c.{name}" for name in _COLUMNS)
    return (
        f"SELECT {columns}, CASE WHEN page.theirs THEN"
        " (SELECT u.full_name FROM users AS u WHERE u.id = c.owner_id) END AS invited_by"
        f" FROM ({ids}) AS page JOIN conferences AS c ON c.id = page.id"
        f" ORDER BY page.starts_at{direction}, page.id{direction}"
    )


# (archive, backwards) -> PostgreSQL's statement
LOG_PAGE_SQL_PG = {
    (archive, backwards): _pg_page_sql(archive, backwards)
    for archive in (False, True)
    for backwards in (False, True)
}


def log_page_sql(dialect: str, archive: bool, backwards: bool) -> str:
    """The page statement for the database's dialect ("sqlite" or "postgresql")."""
    statements = LOG_PAGE_SQL_PG if dialect == "postgresql" else LOG_PAGE_SQL
    return statements[archive, backwards]


@dataclass(frozen=True)
class LogWindow:
    """Where a page is read from: OFFSET costs a step per row skipped, so a page nearer
    the end of the list (the last page, ⏭) is read from the end, and its rows reversed."""

    backwards: bool
    limit: int
    offset: int


def log_window(total: int, limit: int, offset: int) -> LogWindow:
    """The cheaper way to read rows offset..offset+limit of a list of `total` rows."""
    after = max(0, total - offset - limit)  # rows behind the page
    if after >= offset:
        return LogWindow(False, limit, offset)
    return LogWindow(True, max(0, min(limit, total - offset)), after)


LOG_COUNT_SQL = {
    False: _LOG_COUNT.format(owned_end="c.ends_at > :now", end="p.ends_at > :now"),
    True: _LOG_COUNT.format(owned_end="c.ends_at <= :now", end="p.ends_at <= :now"),
}

# Columns an owner may change after scheduling (column names are never user input).
_EDITABLE_COLUMNS = frozenset(
    {
        "share_token",
        "split_from",
        "topic",
        "starts_at",
        "ends_at",
        "conference_code",
        "password",
        "allow_without_owner",
        "owner_joined_at",
    }
)


class ConferenceRepository:
    def __init__(self, db: Queryable) -> None:
        self._db = db

    async def create(self, conference: NewConference, *, now: int) -> int:
        return await self._db.insert(
            "INSERT INTO conferences (owner_id, topic, starts_at, ends_at, conference_code,"
            " password, allow_without_owner, created_at, updated_at, rrule, rrule_timezone,"
            " series_start, active_until, meeting_length)"
            " VALUES (:owner_id, :topic, :starts_at, :ends_at, :conference_code, :password,"
            " :allow_without_owner, :now, :now, :rrule, :rrule_timezone, :series_start,"
            " :active_until, :meeting_length)",
            {
                "owner_id": conference.owner_id,
                "topic": conference.topic,
                "starts_at": conference.starts_at,
                "ends_at": conference.ends_at,
                "conference_code": conference.conference_code,
                "password": conference.password,
                "allow_without_owner": int(conference.allow_without_owner),
                "now": now,
                "rrule": conference.rrule,
                "rrule_timezone": conference.rrule_timezone,
                "series_start": conference.starts_at if conference.rrule is not None else None,
                "active_until": (
                    conference.ends_at
                    if conference.active_until is None
                    else conference.active_until
                ),
                "meeting_length": (
                    conference.ends_at - conference.starts_at
                    if conference.rrule is not None
                    else None
                ),
            },
        )

    async def get(self, conference_id: int) -> ConferenceRecord | None:
        row = await self._db.fetch_one(
            "SELECT * FROM conferences WHERE id = :id", {"id": conference_id}
        )
        return None if row is None else ConferenceRecord.from_row(row)

    async def get_by_code(self, code: str) -> ConferenceRecord | None:
        row = await self._db.fetch_one(
            "SELECT * FROM conferences WHERE conference_code = :code", {"code": code}
        )
        return None if row is None else ConferenceRecord.from_row(row)

    async def get_by_share_token(self, token: str) -> ConferenceRecord | None:
        row = await self._db.fetch_one(
            "SELECT * FROM conferences WHERE share_token = :token", {"token": token}
        )
        return None if row is None else ConferenceRecord.from_row(row)

    async def set_share_token(self, conference_id: int, token: str) -> None:
        """Give a conference its deep-link token, once: an existing token is kept."""
        await self._db.execute(
            "UPDATE conferences SET share_token = :token WHERE id = :id AND share_token IS NULL",
            {"token": token, "id": conference_id},
        )

    async def replace_share_token(self, conference_id: int, token: str) -> None:
        """ "New link": a new token; the old one finds nothing from now on."""
        await self._db.execute(
            "UPDATE conferences SET share_token = :token WHERE id = :id",
            {"token": token, "id": conference_id},
        )

    async def next_sequence(self, conference_id: int) -> int:
        """A new iCalendar SEQUENCE for a message to some invitees only (a cancellation
        for one removed invitee), leaving the "not told yet" mark as it is."""
        return int(
            await self._db.fetch_value(
                "UPDATE conferences SET sequence = sequence + 1 WHERE id = :id RETURNING sequence",
                {"id": conference_id},
            )
        )

    async def claim_change(
        self, conference_id: int, owner_id: int, *, now: int
    ) -> ConferenceRecord | None:
        """ "Notify participants" takes the change to tell: the "not told yet" mark is
        cleared and a new iCalendar SEQUENCE taken in one statement, so of two presses
        (or a replayed one) only one gets the conference back; the others get None and
        must send nothing."""
        row = await self._db.fetch_one(
            "UPDATE conferences SET changed_since_notice = 0, sequence = sequence + 1,"
            f" {_TELL_NOW}, updated_at = :now"
            " WHERE id = :id AND owner_id = :owner_id AND changed_since_notice = 1 RETURNING *",
            {"now": now, "id": conference_id, "owner_id": owner_id},
        )
        return None if row is None else ConferenceRecord.from_row(row)

    async def record_told(self, conference_id: int) -> None:
        """Someone new hears of the conference as it is now (an invitation, a deep link
        opened, a card posted to a group).

        The first one makes the snapshot of what participants were told, and as nobody
        knew anything before, nobody is left to tell: the "not told yet" mark goes.
        Later ones refresh it only while everyone is up to date; when others still wait
        for a notice, the snapshot keeps what those others were told."""
        await self._db.execute(
            f"UPDATE conferences SET {_TELL_NOW},"
            " changed_since_notice = CASE WHEN told_topic IS NULL THEN 0"
            " ELSE changed_since_notice END"
            " WHERE id = :id AND (told_topic IS NULL OR changed_since_notice = 0)",
            {"id": conference_id},
        )

    async def fix_organizer(self, conference_id: int, email: str | None, name: str) -> None:
        """The ORGANIZER of the conference's invitations, once: the first invitation
        decides it, and every later update and cancellation keeps it."""
        await self._db.execute(
            "UPDATE conferences SET organizer_email = :email, organizer_name = :name"
            " WHERE id = :id AND organizer_name IS NULL",
            {"email": email, "name": name, "id": conference_id},
        )

    async def code_taken(self, code: str, *, except_id: int | None = None) -> bool:
        row = await self._db.fetch_one(
            "SELECT 1 FROM conferences WHERE conference_code = :code"
            " AND id IS DISTINCT FROM :except_id",
            {"code": code, "except_id": except_id},
        )
        return row is not None

    async def list_scheduled(
        self, owner_id: int, *, now: int, limit: int, offset: int = 0
    ) -> list[ConferenceRecord]:
        """Running or future conferences, soonest first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM conferences WHERE owner_id = :owner_id AND ends_at > :now"
            " ORDER BY starts_at, id LIMIT :limit OFFSET :offset",
            {"owner_id": owner_id, "now": now, "limit": limit, "offset": offset},
        )
        return [ConferenceRecord.from_row(row) for row in rows]

    async def count_scheduled(self, owner_id: int, *, now: int) -> int:
        return int(
            await self._db.fetch_value(
                "SELECT COUNT(*) FROM conferences WHERE owner_id = :owner_id AND ends_at > :now",
                {"owner_id": owner_id, "now": now},
            )
        )

    async def list_archive(
        self, owner_id: int, *, now: int, limit: int, offset: int = 0
    ) -> list[ConferenceRecord]:
        """Past conferences, most recent first."""
        # "+ends_at" keeps SQLite from choosing (owner_id, ends_at), which would fetch and
        # sort the owner's whole archive for each page; (owner_id, starts_at) walks the
        # rows already in page order and stops after the page. (A unary plus is plain SQL.)
        rows = await self._db.fetch_all(
            "SELECT * FROM conferences WHERE owner_id = :owner_id AND +ends_at <= :now"
            " ORDER BY starts_at DESC, id DESC LIMIT :limit OFFSET :offset",
            {"owner_id": owner_id, "now": now, "limit": limit, "offset": offset},
        )
        return [ConferenceRecord.from_row(row) for row in rows]

    async def count_archive(self, owner_id: int, *, now: int) -> int:
        return int(
            await self._db.fetch_value(
                "SELECT COUNT(*) FROM conferences WHERE owner_id = :owner_id AND ends_at <= :now",
                {"owner_id": owner_id, "now": now},
            )
        )

    async def count_log(self, person_id: int, *, now: int, archive: bool) -> int:
        """How many conferences the person owns or takes part in, scheduled or archived."""
        return int(
            await self._db.fetch_value(LOG_COUNT_SQL[archive], {"person": person_id, "now": now})
        )

    async def list_log(
        self,
        person_id: int,
        *,
        now: int,
        archive: bool,
        limit: int,
        offset: int = 0,
        total: int | None = None,
    ) -> list[LogRow]:
        """One page of the person's log: scheduled soonest first, archive newest first.
        Given the list's `total` (count_log), a page nearer the end is read from there."""
        window = LogWindow(False, limit, offset)
        if total is not None:
            window = log_window(total, limit, offset)
        params = {"person": person_id, "now": now, "limit": window.limit, "offset": window.offset}
        if self._db.dialect == "postgresql":
            params["reach"] = window.offset + window.limit
        rows = await self._db.fetch_all(
            log_page_sql(self._db.dialect, archive, window.backwards), params
        )
        if window.backwards:
            rows = rows[::-1]
        return [
            LogRow(
                ConferenceRecord.from_row(row),
                (row["invited_by"] or "") if row["owner_id"] != person_id else None,
            )
            for row in rows
        ]

    async def update(
        self,
        conference_id: int,
        changes: dict[str, object],
        *,
        now: int,
        mark_changed: bool = False,
    ) -> None:
        """Set the given columns; `mark_changed` notes that participants are not told yet."""
        unknown = set(changes) - _EDITABLE_COLUMNS
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        assignments = ", ".join(f"{column} = :new_{column}" for column in changes)
        values = {f"new_{k}": int(v) if isinstance(v, bool) else v for k, v in changes.items()}
        if "ends_at" in changes:
            # A single conference is active until its end (a series keeps its own).
            assignments += (
                ", active_until = CASE WHEN rrule IS NULL THEN :new_ends_at ELSE active_until END"
            )
        await self._db.execute(
            f"UPDATE conferences SET {assignments}, updated_at = :now,"
            " changed_since_notice = CASE WHEN :mark_changed = 1 THEN 1"
            " ELSE changed_since_notice END WHERE id = :id",
            {**values, "now": now, "mark_changed": int(mark_changed), "id": conference_id},
        )

    # -- series ---------------------------------------------------------------------

    async def set_series(
        self,
        conference_id: int,
        *,
        rrule: str | None,
        timezone: str | None,
        series_start: int | None,
        active_until: int,
        starts_at: int,
        ends_at: int,
        now: int,
        mark_changed: bool = False,
        meeting_length: int | None = None,
    ) -> None:
        """Make the row a series (or a single conference again, with `rrule` None): its
        rule, zone, anchor, the end of its last meeting, and its current meeting; the
        length of its meetings when given (else kept)."""
        await self._db.execute(
            "UPDATE conferences SET rrule = :rrule, rrule_timezone = :timezone,"
            " series_start = :series_start, active_until = :active_until,"
            " starts_at = :starts_at, ends_at = :ends_at, updated_at = :now,"
            " meeting_length = COALESCE(:meeting_length, meeting_length),"
            " changed_since_notice = CASE WHEN :mark_changed = 1 THEN 1"
            " ELSE changed_since_notice END WHERE id = :id",
            {
                "rrule": rrule,
                "timezone": timezone,
                "series_start": series_start,
                "active_until": active_until,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "now": now,
                "meeting_length": meeting_length,
                "mark_changed": int(mark_changed),
                "id": conference_id,
            },
        )

    async def series_behind(self, *, now: int, limit: int) -> list[ConferenceRecord]:
        """Series whose current meeting has ended while a later one is still ahead: read
        through the partial index of live series (conferences_series_current), never by
        visiting every series."""
        rows = await self._db.fetch_all(
            "SELECT * FROM conferences WHERE rrule IS NOT NULL AND ends_at < active_until"
            " AND ends_at <= :now ORDER BY ends_at LIMIT :limit",
            {"now": now, "limit": limit},
        )
        return [ConferenceRecord.from_row(row) for row in rows]

    async def next_series_end(self) -> int:
        """The earliest end of a live series' current meeting (the first entry of the
        partial index): no series needs advancing before then."""
        value = await self._db.fetch_value(
            "SELECT MIN(ends_at) FROM conferences"
            " WHERE rrule IS NOT NULL AND ends_at < active_until"
        )
        return int(value) if value is not None else 2**62

    async def move_current(
        self, conference_id: int, *, was_starts_at: int, starts_at: int, ends_at: int
    ) -> bool:
        """Advance a series to its next meeting: nobody has joined that one yet. Only
        from the meeting the caller read (False if another caller moved it first)."""
        return (
            await self._db.execute(
                "UPDATE conferences SET starts_at = :starts_at, ends_at = :ends_at,"
                " owner_joined_at = NULL WHERE id = :id AND starts_at = :was_starts_at",
                {
                    "starts_at": starts_at,
                    "ends_at": ends_at,
                    "id": conference_id,
                    "was_starts_at": was_starts_at,
                },
            )
            > 0
        )

    async def settle(self, conference_id: int, *, active_until: int) -> None:
        """A series' last meeting is known at last (later ones were cancelled)."""
        await self._db.execute(
            "UPDATE conferences SET active_until = :active_until WHERE id = :id",
            {"active_until": active_until, "id": conference_id},
        )

    async def exceptions(self, conference_id: int) -> list[SeriesException]:
        rows = await self._db.fetch_all(
            "SELECT original_start, cancelled, starts_at, ends_at FROM series_exceptions"
            " WHERE conference_id = :id ORDER BY original_start",
            {"id": conference_id},
        )
        return [SeriesException(row[0], bool(row[1]), row[2], row[3]) for row in rows]

    async def put_exception(self, conference_id: int, exception: SeriesException) -> None:
        """Store a meeting changed alone (a later change of the same meeting replaces it)."""
        await self._db.execute(
            "INSERT INTO series_exceptions"
            " (conference_id, original_start, cancelled, starts_at, ends_at)"
            " VALUES (:id, :original_start, :cancelled, :starts_at, :ends_at)"
            " ON CONFLICT (conference_id, original_start) DO UPDATE"
            " SET cancelled = excluded.cancelled, starts_at = excluded.starts_at,"
            " ends_at = excluded.ends_at, notified_at = NULL",
            {
                "id": conference_id,
                "original_start": exception.original_start,
                "cancelled": int(exception.cancelled),
                "starts_at": exception.starts_at,
                "ends_at": exception.ends_at,
            },
        )

    async def claim_exception_notice(
        self, conference_id: int, original_start: int, *, now: int
    ) -> SeriesException | None:
        """ "Notify participants" of one meeting changed alone: only one press (not a
        replay, not a second tap) gets the exception back; the others get None."""
        row = await self._db.fetch_one(
            "UPDATE series_exceptions SET notified_at = :now"
            " WHERE conference_id = :id AND original_start = :original_start"
            " AND notified_at IS NULL"
            " RETURNING original_start, cancelled, starts_at, ends_at",
            {"now": now, "id": conference_id, "original_start": original_start},
        )
        return None if row is None else SeriesException(row[0], bool(row[1]), row[2], row[3])

    async def copy_audience(self, from_id: int, to_id: int) -> None:
        """The participants and e-mail invitees of a series go with its later part when
        it is split (the same people, the same removals, languages and join pages)."""
        await self._db.execute(
            "INSERT INTO participants (conference_id, chat_id, kind, title, is_active,"
            " removed_at, left_at, created_at)"
            " SELECT CAST(:to_id AS BIGINT), chat_id, kind, title, is_active, removed_at,"
            " left_at, created_at FROM participants WHERE conference_id = :from_id",
            {"to_id": to_id, "from_id": from_id},
        )
        # Each invitee's own join page goes with the live part too: their link keeps
        # working. A token is unique, so it leaves the earlier part first.
        tokens = await self._db.fetch_all(
            "SELECT email, join_token FROM invitations"
            " WHERE conference_id = :from_id AND join_token IS NOT NULL",
            {"from_id": from_id},
        )
        await self._db.execute(
            "UPDATE invitations SET join_token = NULL WHERE conference_id = :from_id",
            {"from_id": from_id},
        )
        await self._db.execute(
            "INSERT INTO invitations (conference_id, email, created_at, removed_at, language)"
            " SELECT CAST(:to_id AS BIGINT), email, created_at, removed_at, language"
            " FROM invitations WHERE conference_id = :from_id",
            {"to_id": to_id, "from_id": from_id},
        )
        await self._db.execute_many(
            "UPDATE invitations SET join_token = :token"
            " WHERE conference_id = :to_id AND email = :email",
            [{"token": row["join_token"], "to_id": to_id, "email": row["email"]} for row in tokens],
        )

    async def drop_exceptions_from(self, conference_id: int, original_start: int) -> None:
        """Exceptions of meetings from `original_start` on (they moved to another series)."""
        await self._db.execute(
            "DELETE FROM series_exceptions"
            " WHERE conference_id = :id AND original_start >= :original_start",
            {"id": conference_id, "original_start": original_start},
        )

    async def mark_owner_joined(self, conference_id: int, *, now: int) -> None:
        await self._db.execute(
            "UPDATE conferences SET owner_joined_at = :now"
            " WHERE id = :id AND owner_joined_at IS NULL",
            {"now": now, "id": conference_id},
        )

    async def delete(self, conference_id: int) -> bool:
        deleted = await self._db.execute(
            "DELETE FROM conferences WHERE id = :id", {"id": conference_id}
        )
        return deleted > 0
