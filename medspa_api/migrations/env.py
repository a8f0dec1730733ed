"""Alembic environment: runs against the connection ``medspa_api.migrate`` hands in."""

from __future__ import annotations

from alembic import context

from medspa_api.db.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
