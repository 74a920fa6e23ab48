"""PostgreSQL: indexes the conference log's page reads alone, ids first (B2PG).

The log's page statement on PostgreSQL (storage/conferences.py, `_pg_page_sql`) picks a
page's ids from indexes only, in page order, and reads the page's conferences after:
- conferences_owner_start becomes (owner_id, starts_at, id) INCLUDE (ends_at): a walk in
  (starts_at, id) order (PostgreSQL's index does not end with the row id as SQLite's
  does) that filters on ends_at without visiting the table;
- conferences_owner_end becomes (owner_id, ends_at) INCLUDE (starts_at, id): the
  scheduled rows alone, with what sorting them needs;
- participants_person_start and _end become partial indexes of the rows the log counts
  (kind 'user', active, not removed), (chat_id, starts_at, conference_id) and
  (chat_id, ends_at), each carrying the other columns: PostgreSQL does not take
  "removed_at IS NULL" as an equality that fixes the order, so with those columns in
  the key it sorted the person's whole list; here chat_id = :person alone does.
The counts read the same indexes. The names stay, so both backends have the same index
names (tests/storage/test_schema.py). SQLite keeps its definitions (its plans are
already what these give, and its index entries end with the rowid): this revision
changes nothing there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_LOGGED = "WHERE kind = 'user' AND is_active = 1 AND removed_at IS NULL"

_UPGRADE = (
    "DROP INDEX conferences_owner_start",
    "CREATE INDEX conferences_owner_start ON conferences (owner_id, starts_at, id)"
    " INCLUDE (ends_at)",
    "DROP INDEX conferences_owner_end",
    "CREATE INDEX conferences_owner_end ON conferences (owner_id, ends_at) INCLUDE (starts_at, id)",
    "DROP INDEX participants_person_start",
    "CREATE INDEX participants_person_start ON participants"
    f" (chat_id, starts_at, conference_id) INCLUDE (ends_at) {_LOGGED}",
    "DROP INDEX participants_person_end",
    "CREATE INDEX participants_person_end ON participants (chat_id, ends_at)"
    f" INCLUDE (starts_at, conference_id) {_LOGGED}",
)

# Revision 0003's indexes (0001's definitions).
_DOWNGRADE = (
    "DROP INDEX participants_person_end",
    "CREATE INDEX participants_person_end"
    " ON participants (chat_id, kind, is_active, removed_at, ends_at)",
    "DROP INDEX participants_person_start",
    "CREATE INDEX participants_person_start ON participants"
    " (chat_id, kind, is_active, removed_at, starts_at, conference_id, ends_at)",
    "DROP INDEX conferences_owner_end",
    "CREATE INDEX conferences_owner_end ON conferences (owner_id, ends_at)",
    "DROP INDEX conferences_owner_start",
    "CREATE INDEX conferences_owner_start ON conferences (owner_id, starts_at)",
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for statement in _UPGRADE:
        bind.exec_driver_sql(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for statement in _DOWNGRADE:
        bind.exec_driver_sql(statement)
