"""Run the Alembic migrations (as the owner role on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from medspa_api.db.dialect import create_engine_for

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def upgrade_database(owner_url: str, *, app_role: str = "", revision: str = "head") -> None:
    """Bring the schema to ``revision`` (the newest by default); ``app_role`` gets the grants the app needs."""
    _migrate(owner_url, app_role=app_role, step=lambda config: command.upgrade(config, revision))


def downgrade_database(owner_url: str, *, revision: str, app_role: str = "") -> None:
    """Take the schema back to ``revision`` (the migrations' tests: each one goes down as well as up)."""
    _migrate(owner_url, app_role=app_role, step=lambda config: command.downgrade(config, revision))


def _migrate(owner_url: str, *, app_role: str, step: Callable[[Config], None]) -> None:
    engine = create_engine_for(owner_url, pool_size=1)
    try:
        with engine.connect() as conn:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = conn
            config.attributes["app_role"] = app_role
            step(config)
            conn.commit()
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    engine = create_engine_for(url, pool_size=1)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()
