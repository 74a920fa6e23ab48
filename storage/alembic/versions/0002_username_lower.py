"""Admins find a person by @username whatever its case: an index on lower(username).

storage/admin.py `find_user_by_username` compares lower(username) (portable, unlike
SQLite's COLLATE NOCASE); without this index that lookup read the whole users table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.get_bind().exec_driver_sql("CREATE INDEX users_username_lower ON users (lower(username))")


def downgrade() -> None:
    raise NotImplementedError("the bot's migrations go forward only")
