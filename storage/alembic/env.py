"""Alembic's environment: run by storage/schema.py on the bot's own connection (no
alembic.ini, no URL of its own). See docs/ARCHITECTURE.md, "Schema changes"."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
