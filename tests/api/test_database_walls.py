"""The database's own walls: row-level security, the append-only audit, audit-or-nothing writes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
import sqlalchemy as sa

from medspa_api.audit_log import verify_chain
from medspa_api.db import tables as t
from medspa_api.db.database import Database
from medspa_desk.records import Role
from tests.api.desk import Desk, create_client, new_client
from tests.support.live_api import LiveApi

# Row-level security and roles exist only on PostgreSQL: these tests are not collected for SQLite
# (see conftest), so nothing is skipped.
postgresql_only = pytest.mark.postgresql_only


def _as_app_role(api: LiveApi) -> psycopg.Connection:
    assert api.scratch is not None
    return psycopg.connect(api.scratch.app_url.replace("postgresql+psycopg", "postgresql"), autocommit=True)


@postgresql_only
def test_every_tenant_table_forces_row_level_security(live_api: LiveApi) -> None:
    with _as_app_role(live_api) as conn:
        flags = dict(conn.execute(
            "SELECT relname, relrowsecurity AND relforcerowsecurity FROM pg_class "
            "WHERE relname = ANY(%s) AND relkind = 'r'", (list(t.TENANT_TABLES),)).fetchall())
    assert set(flags) == set(t.TENANT_TABLES)
    assert all(flags.values()), flags


@postgresql_only
def test_the_app_role_is_neither_owner_superuser_nor_bypassrls(live_api: LiveApi) -> None:
    with _as_app_role(live_api) as conn:
        role = conn.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user").fetchone()
        owned = conn.execute("SELECT count(*) FROM pg_tables WHERE tableowner = current_user").fetchone()[0]
    assert role == (False, False)
    assert owned == 0


@postgresql_only
def test_raw_sql_as_the_app_role_without_a_tenant_sees_nothing(live_api: LiveApi) -> None:
    with _as_app_role(live_api) as conn:
        counts = [conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 (fixed table names)
                  for table in ("records", "users", "audit", "sessions")]
        with conn.transaction():
            conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(live_api.tenant.id),))
            mine = conn.execute("SELECT count(*) FROM records").fetchone()[0]
    assert counts == [0, 0, 0, 0]
    assert mine > 0


def test_the_app_role_cannot_change_or_delete_audit_rows(live_api: LiveApi) -> None:
    live_api.login(live_api.fresh(Role.FRONT_DESK))
    if live_api.backend == "postgresql":
        with _as_app_role(live_api) as conn:
            conn.execute("SELECT set_config('app.tenant_id', %s, false)", (str(live_api.tenant.id),))
            for statement in ("UPDATE audit SET outcome = 'edited'", "DELETE FROM audit", "TRUNCATE audit",
                              "ALTER TABLE audit DISABLE TRIGGER audit_no_change",
                              "SET session_replication_role = replica"):
                with pytest.raises(psycopg.Error):
                    conn.execute(statement)
    else:
        path = live_api.database_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            for statement in ("UPDATE audit SET outcome = 'edited'", "DELETE FROM audit"):
                with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                    conn.execute(statement)
    with live_api.database.transaction(live_api.tenant.id) as conn:
        assert verify_chain(conn, tenant_id=live_api.tenant.id).ok


@contextmanager
def _audit_refused(api: LiveApi) -> Iterator[None]:
    """Make every audit insert fail, the way a full disk or a broken grant would."""
    if api.backend == "postgresql":
        assert api.scratch is not None
        with psycopg.connect(api.scratch.superuser_url, autocommit=True) as conn:
            conn.execute(f"REVOKE INSERT ON audit FROM {api.scratch.app}")
            try:
                yield
            finally:
                conn.execute(f"GRANT INSERT ON audit TO {api.scratch.app}")
    else:
        path = api.database_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit "
                         "BEGIN SELECT RAISE(ABORT, 'audit refused for the test'); END")
        try:
            yield
        finally:
            with sqlite3.connect(path) as conn:
                conn.execute("DROP TRIGGER test_refuse_audit")


def test_when_the_audit_row_cannot_be_written_the_change_rolls_back_and_503(live_api: LiveApi) -> None:
    client = new_client()
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as desk:
        with _audit_refused(live_api):
            answer = desk.push(create_client(client))
        assert answer.status_code == 503
        assert answer.json()["code"] == "audit_unavailable"
    with live_api.database.transaction(live_api.tenant.id) as conn:
        stored = conn.execute(sa.select(t.records.c.id).where(t.records.c.tenant_id == live_api.tenant.id,
                                                              t.records.c.id == client.id)).first()
    assert stored is None


def test_the_audit_chain_holds_and_the_checkpoint_is_signed(live_api: LiveApi) -> None:
    with Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        checkpoint = manager.get("/audit/checkpoint").json()
        csv = manager.get("/audit/export.csv")
    assert checkpoint["seq"] > 0 and len(checkpoint["signature"]) == 64
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("seq,id,at")
    with live_api.database.transaction(live_api.tenant.id) as conn:
        check = verify_chain(conn, tenant_id=live_api.tenant.id)
    assert check.ok and check.rows >= checkpoint["seq"]


def test_commits_are_durable_before_the_desk_is_answered(live_api: LiveApi) -> None:
    """An answered push is deleted from the desk's outbox, so the commit must survive a power loss."""
    if live_api.backend == "sqlite":
        with live_api.database.transaction(write=False) as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        return
    assert live_api.scratch is not None
    with psycopg.connect(live_api.scratch.superuser_url, autocommit=True) as admin:
        admin.execute(f"ALTER DATABASE {live_api.scratch.name} SET synchronous_commit = off")
        try:
            fresh = Database(live_api.database_url, pool_size=1)
            try:
                with fresh.transaction(write=False) as conn:
                    assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
            finally:
                fresh.dispose()
        finally:
            admin.execute(f"ALTER DATABASE {live_api.scratch.name} RESET synchronous_commit")
