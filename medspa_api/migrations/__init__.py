"""Alembic migrations that build the schema on SQLite and PostgreSQL alike."""
