"""Migration 0012 on both databases: from 0011 up, down and up again; the audit stays append-only for a
practice whose destruction was not confirmed by two managers, whichever way the schema went."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import pytest
import sqlalchemy as sa

from medspa_api.audit_log import AuditBuffer, ChainKeys, flush, use_chain_keys
from medspa_api.data.tenants import create_tenant
from medspa_api.db import tables as t
from medspa_api.db.database import Database
from medspa_api.migrate import current_revision, downgrade_database, upgrade_database
from medspa_desk.records import AuditAction, new_id, utc_now
from tests.support.live_api import PostgresScratch


def _database(url: str) -> Database:
    db = Database(url, pool_size=1)
    use_chain_keys(db.engine, ChainKeys(current=secrets.token_bytes(32)))
    return db


def _practice_with_audit(db: Database, name: str) -> UUID:
    with db.transaction() as conn:
        tenant_id = create_tenant(conn, name=name)
    with db.transaction(tenant_id) as conn:
        buffer = AuditBuffer()
        buffer.record(actor_user_id=None, device_id=None, action=AuditAction.CREATE, entity="tenant")
        flush(conn, tenant_id=tenant_id, buffer=buffer)
    return tenant_id


def _audit_delete_refused(db: Database, tenant_id: UUID) -> bool:
    try:
        with db.transaction(tenant_id) as conn:
            conn.execute(t.audit.delete().where(t.audit.c.tenant_id == tenant_id))
    except sa.exc.DBAPIError:
        return True
    return False


@dataclass(frozen=True)
class Schema:
    owner_url: str
    app_url: str
    app_role: str


@pytest.fixture(params=["sqlite", "postgresql"])
def schema(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Schema]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'api.db'}"
        yield Schema(owner_url=url, app_url=url, app_role="")
        return
    scratch = PostgresScratch.create()
    try:
        yield Schema(owner_url=scratch.owner_url, app_url=scratch.app_url, app_role=scratch.app)
    finally:
        scratch.drop()


def test_0012_goes_up_down_and_up_and_the_audit_opens_only_for_a_confirmed_destruction(schema: Schema) -> None:
    owner_url, app_url, app_role = schema.owner_url, schema.app_url, schema.app_role
    postgresql = bool(app_role)
    upgrade_database(owner_url, app_role=app_role, revision="0011")
    upgrade_database(owner_url, app_role=app_role)
    assert current_revision(owner_url) == "0012"
    downgrade_database(owner_url, app_role=app_role, revision="0011")
    assert current_revision(owner_url) == "0011"
    db = _database(app_url)
    try:
        kept = _practice_with_audit(db, "Kept Practice")
        assert _audit_delete_refused(db, kept)
    finally:
        db.dispose()
    upgrade_database(owner_url, app_role=app_role)
    db = _database(app_url)
    try:
        asked = _practice_with_audit(db, "Asked Once")
        with db.transaction() as conn:  # asked and "confirmed" by the same manager: not a destruction
            someone = new_id()
            conn.execute(t.practice_destructions.insert().values(
                practice_id=asked, id=new_id(), practice_name="Asked Once", requested_by=someone,
                requested_by_name="A", requested_at=utc_now(), reason="", export_sha256="0" * 64,
                export_counts="{}", confirmed_by=someone, confirmed_at=utc_now()))
        assert _audit_delete_refused(db, kept) and _audit_delete_refused(db, asked)
        if postgresql:  # the app role's one way in refuses too, and nothing of the practice goes
            with pytest.raises(sa.exc.DBAPIError, match="no confirmed destruction"), db.transaction(asked) as conn:
                conn.execute(sa.text("SELECT * FROM medspa_destroy_practice(:p)"), {"p": asked})
            with db.transaction(asked, write=False) as conn:
                assert conn.execute(sa.select(sa.func.count()).select_from(t.audit)
                                    .where(t.audit.c.tenant_id == asked)).scalar() == 1
    finally:
        db.dispose()
