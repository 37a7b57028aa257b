"""Alembic environment: migrations run on the connection the store hands over."""

from __future__ import annotations

from alembic import context

from dashboard.events.store import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through dashboard.events.migrate.upgrade(engine)")

# render_as_batch lets SQLite (which cannot ALTER most things) take the same migrations.
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
