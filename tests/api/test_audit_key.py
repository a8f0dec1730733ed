"""The audit chain is keyed: whoever holds only the database (the app role) cannot append a row that verifies."""

from __future__ import annotations

import secrets
import sqlite3
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
import sqlalchemy as sa

from medspa_api.audit_log import (
    AuditBuffer,
    ChainKeys,
    chain_keys,
    flush,
    link_hash,
    use_chain_keys,
    verify_chain,
)
from medspa_api.data.tenants import create_tenant
from medspa_api.db import tables as t
from medspa_api.db.database import Database
from medspa_api.migrate import upgrade_database
from medspa_api.settings import Settings, SettingsError
from medspa_desk.records import AuditAction, AuditEvent, Role, new_id, utc_now
from tests.support.live_api import LiveApi, PostgresScratch, TenantSeed

GUESSED_KEY = b"a key the forger made up, not the server's one"


@pytest.fixture
def practice(live_api: LiveApi) -> TenantSeed:
    """A practice of its own: a forged row breaks its chain for good, so no other test may share it."""
    seed = live_api.add_tenant(f"Forged Practice {secrets.token_hex(4)}")
    live_api.login("manager", tenant=seed)  # a sign-in is audited: the chain has keyed rows
    return seed


def _append_as_the_app_role(api: LiveApi, practice: TenantSeed, *, key: bytes | None, claimed_key_id: str) -> int:
    """Append the next row as the server would, but with the app role's means only: no chain key."""
    event = AuditEvent(actor_user_id=practice.users["manager"].id, action=AuditAction.EXPORT, entity="client",
                       entity_id=new_id(), detail="rows=1")
    with api.database.transaction(practice.id) as conn:  # the app role's own URL on PostgreSQL
        head = conn.execute(sa.select(t.audit_heads).where(t.audit_heads.c.tenant_id == practice.id)).one()
        seq = head.last_seq + 1
        digest = link_hash(prev_hash=head.last_hash, event=event, tenant_id=practice.id, seq=seq, origin="server",
                           address="", user_agent="", key=key)
        conn.execute(t.audit.insert().values(
            tenant_id=practice.id, seq=seq, id=event.id, at=event.at, recorded_at=utc_now(),
            actor_user_id=event.actor_user_id, device_id=None, address="", user_agent="", action=event.action.value,
            entity=event.entity, entity_id=event.entity_id, outcome="ok", detail=event.detail, origin="server",
            prev_hash=head.last_hash, hash=digest, key_id=claimed_key_id))
        conn.execute(t.audit_heads.update().where(t.audit_heads.c.tenant_id == practice.id)
                     .values(last_seq=seq, last_hash=digest))
    return seq


@pytest.mark.parametrize("forgery", ["unkeyed", "claims_the_servers_key"])
def test_a_row_appended_by_the_app_role_without_the_key_fails_verification(
        live_api: LiveApi, practice: TenantSeed, forgery: str) -> None:
    with live_api.database.transaction(practice.id) as conn:
        assert verify_chain(conn, tenant_id=practice.id).ok, "the chain must hold before the forgery"
    if forgery == "unkeyed":
        seq = _append_as_the_app_role(live_api, practice, key=None, claimed_key_id="")
    else:
        seq = _append_as_the_app_role(live_api, practice, key=GUESSED_KEY,
                                      claimed_key_id=chain_keys(live_api.settings).current_id)
    with live_api.database.transaction(practice.id) as conn:
        check = verify_chain(conn, tenant_id=practice.id)
    assert not check.ok
    assert check.first_bad_seq is not None and check.first_bad_seq <= seq


def test_the_app_role_cannot_delete_the_heads_of_the_chains(live_api: LiveApi) -> None:
    for table in ("audit_heads", "change_heads"):
        if live_api.backend == "postgresql":
            assert live_api.scratch is not None
            url = live_api.scratch.app_url.replace("postgresql+psycopg", "postgresql")
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("SELECT set_config('app.tenant_id', %s, false)", (str(live_api.tenant.id),))
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed table names)
        else:
            with sqlite3.connect(live_api.database_url.removeprefix("sqlite:///")) as conn, \
                    pytest.raises(sqlite3.DatabaseError, match="never deleted"):
                conn.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed table names)
    with live_api.database.transaction(live_api.tenant.id) as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.audit_heads)
                            .where(t.audit_heads.c.tenant_id == live_api.tenant.id)).scalar() == 1


def test_after_a_key_rotation_rows_under_the_old_key_verify_only_while_it_is_listed(live_api: LiveApi) -> None:
    live_api.login(live_api.fresh(Role.FRONT_DESK))  # at least one row under the key in use
    old = chain_keys(live_api.settings).current
    rotated = ChainKeys(current=secrets.token_bytes(32), previous=(old,))
    forgotten = ChainKeys(current=rotated.current)
    with live_api.database.transaction(live_api.tenant.id) as conn:
        assert verify_chain(conn, tenant_id=live_api.tenant.id, keys=rotated).ok
        assert not verify_chain(conn, tenant_id=live_api.tenant.id, keys=forgotten).ok


def test_the_audit_key_comes_from_the_environment_or_a_key_file(tmp_path: Path) -> None:
    secret, current, earlier = (secrets.token_urlsafe(48) for _ in range(3))
    key_file = tmp_path / "audit.key"
    key_file.write_text(f"{current}\n{earlier}\n", encoding="utf-8")
    from_file = Settings.from_environment({"MEDSPA_API_SECRET_KEY": secret, "MEDSPA_API_AUDIT_KEY_FILE": str(key_file)})
    assert (from_file.audit_key, from_file.audit_previous_keys) == (current, (earlier,))
    derived = chain_keys(Settings.from_environment({"MEDSPA_API_SECRET_KEY": secret}))
    assert derived.current not in (secret.encode(), b"")
    with pytest.raises(SettingsError, match="MEDSPA_API_AUDIT_KEY"):
        Settings.from_environment({"MEDSPA_API_SECRET_KEY": secret, "MEDSPA_API_AUDIT_KEY": "short"})
    with pytest.raises(SettingsError, match="MEDSPA_API_AUDIT_KEY_FILE"):
        Settings.from_environment({"MEDSPA_API_SECRET_KEY": secret,
                                   "MEDSPA_API_AUDIT_KEY_FILE": str(tmp_path / "missing")})


def _chain_unkeyed_rows(db: Database, tenant_id: UUID, count: int) -> None:
    """Rows as a server from before the keyed chain wrote them (no key, no key_id column)."""
    with db.transaction(tenant_id) as conn:
        head = conn.execute(sa.select(t.audit_heads).where(t.audit_heads.c.tenant_id == tenant_id)).one()
        seq, prev = head.last_seq, head.last_hash
        for _ in range(count):
            seq += 1
            event = AuditEvent(actor_user_id=None, action=AuditAction.SIGN_IN_FAILED, detail="before the key")
            digest = link_hash(prev_hash=prev, event=event, tenant_id=tenant_id, seq=seq, origin="server",
                               address="", user_agent="")
            conn.execute(sa.insert(sa.table("audit", *(sa.column(c, t.audit.c[c].type) for c in LEGACY_COLUMNS))).values(
                tenant_id=tenant_id, seq=seq, id=event.id, at=event.at, recorded_at=utc_now(), actor_user_id=None,
                device_id=None, address="", user_agent="", action=event.action.value, entity="", entity_id=None,
                outcome="ok", detail=event.detail, origin="server", prev_hash=prev, hash=digest))
            prev = digest
        conn.execute(t.audit_heads.update().where(t.audit_heads.c.tenant_id == tenant_id)
                     .values(last_seq=seq, last_hash=prev))


LEGACY_COLUMNS = ("tenant_id", "seq", "id", "at", "recorded_at", "actor_user_id", "device_id", "address",
                  "user_agent", "action", "entity", "entity_id", "outcome", "detail", "origin", "prev_hash", "hash")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_rows_chained_before_the_key_verify_after_the_upgrade_and_none_can_be_added_unkeyed(
        tmp_path: Path, backend: str) -> None:
    scratch = PostgresScratch.create() if backend == "postgresql" else None
    owner_url = scratch.owner_url if scratch else f"sqlite:///{tmp_path / 'old.db'}"
    app_url = scratch.app_url if scratch else owner_url
    try:
        upgrade_database(owner_url, app_role=scratch.app if scratch else "", revision="0004")
        db = Database(app_url, pool_size=1)
        try:
            with db.transaction() as conn:
                tenant_id = create_tenant(conn, name="Practice From Before")
            _chain_unkeyed_rows(db, tenant_id, 3)
        finally:
            db.dispose()
        upgrade_database(owner_url, app_role=scratch.app if scratch else "")
        keys = ChainKeys(current=secrets.token_bytes(32))
        db = Database(app_url, pool_size=1)
        use_chain_keys(db.engine, keys)
        try:
            buffer = AuditBuffer()
            buffer.record(actor_user_id=None, device_id=None, action=AuditAction.SIGN_IN_FAILED, detail="after")
            with db.transaction(tenant_id) as conn:
                flush(conn, tenant_id=tenant_id, buffer=buffer)
            with db.transaction(tenant_id) as conn:
                check = verify_chain(conn, tenant_id=tenant_id)
                assert (check.ok, check.rows) == (True, 4)
                assert conn.execute(sa.select(t.audit.c.key_id).order_by(t.audit.c.seq)).scalars().all() == [
                    "", "", "", keys.current_id]
            _chain_unkeyed_rows(db, tenant_id, 1)  # what the app role alone can still write
            with db.transaction(tenant_id) as conn:
                assert verify_chain(conn, tenant_id=tenant_id).first_bad_seq == 5
        finally:
            db.dispose()
    finally:
        if scratch is not None:
            scratch.drop()
