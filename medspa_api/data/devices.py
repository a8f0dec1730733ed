"""Workstations: escrow of their data key, and revocation."""

from __future__ import annotations

import base64
import json
import secrets
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from medspa_api.data.users import end_sessions
from medspa_api.db import tables as t
from medspa_api.db.dialect import as_utc
from medspa_desk.records import utc_now

SERVER_HALF_BYTES = 32


def server_half(conn: Connection, *, tenant_id: UUID, device_id: UUID) -> str:
    """The device's server half (base64), made on first use and then kept."""
    d = t.devices.c
    half = conn.execute(sa.select(d.server_half).where(d.tenant_id == tenant_id, d.id == device_id)).scalar()
    if half is None:
        half = base64.b64encode(secrets.token_bytes(SERVER_HALF_BYTES)).decode("ascii")
        conn.execute(t.devices.update().where(d.tenant_id == tenant_id, d.id == device_id).values(server_half=half))
    return half


def deposit(conn: Connection, *, tenant_id: UUID, device_id: UUID, wrapped_key: str, vault_id: UUID) -> str:
    half = server_half(conn, tenant_id=tenant_id, device_id=device_id)
    conn.execute(t.devices.update().where(t.devices.c.tenant_id == tenant_id, t.devices.c.id == device_id)
                 .values(wrapped_key=wrapped_key, vault_id=vault_id))
    return half


def escrow_of(conn: Connection, *, tenant_id: UUID, device_id: UUID) -> sa.Row | None:
    d = t.devices.c
    return conn.execute(sa.select(d.wrapped_key, d.vault_id, d.server_half)
                        .where(d.tenant_id == tenant_id, d.id == device_id, d.wrapped_key.is_not(None))).first()


def revoke(conn: Connection, *, tenant_id: UUID, device_id: UUID, by_user_id: UUID) -> int | None:
    """Revoke a device and end its sessions at once; None when the device is not this tenant's."""
    d = t.devices.c
    found = conn.execute(t.devices.update().where(d.tenant_id == tenant_id, d.id == device_id)
                         .values(revoked_at=utc_now(), revoked_by=by_user_id)).rowcount
    if not found:
        return None
    return end_sessions(conn, tenant_id=tenant_id, reason="device_revoked", device_id=device_id)


MAX_LISTED = 1_000  # workstations listed at most (a practice has a handful; a chain, dozens)


def record_report(conn: Connection, *, tenant_id: UUID, device_id: UUID, app_version: str,
                  queued: dict[UUID, int]) -> None:
    """Keep what the workstation said of itself (its version, whose changes wait on it)."""
    d = t.devices.c
    conn.execute(t.devices.update().where(d.tenant_id == tenant_id, d.id == device_id).values(
        app_version=app_version, queued_json=json.dumps({str(k): v for k, v in sorted(queued.items())}),
        reported_at=utc_now()))


def rename(conn: Connection, *, tenant_id: UUID, device_id: UUID, name: str) -> bool:
    d = t.devices.c
    return bool(conn.execute(t.devices.update().where(d.tenant_id == tenant_id, d.id == device_id)
                             .values(name=name)).rowcount)


def queued_for(conn: Connection, *, tenant_id: UUID, user_id: UUID) -> list[tuple[UUID, str, int]]:
    """The workstations (id, name, changes) on which this person's changes wait, as they last reported."""
    d = t.devices.c
    found = []
    for device_id, name, queued in conn.execute(sa.select(d.id, d.name, d.queued_json).where(
            d.tenant_id == tenant_id, d.revoked_at.is_(None), d.queued_json != "{}").order_by(d.name)):
        count = _queued(queued).get(str(user_id), 0)
        if count:
            found.append((device_id, name, count))
    return found


def _queued(text: str) -> dict[str, int]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return {str(k): int(v) for k, v in value.items()} if isinstance(value, dict) else {}


def list_devices(conn: Connection, *, tenant_id: UUID) -> list[dict]:
    """Each workstation with who signed in on it last and when it last called (its latest session),
    its app version and the changes waiting on it, as it last reported."""
    d, s, u = t.devices.c, t.sessions.c, t.users.c
    rows = list(conn.execute(sa.select(d.id, d.name, d.registered_at, d.revoked_at, d.app_version, d.queued_json,
                                       d.reported_at).where(d.tenant_id == tenant_id)
                             .order_by(d.registered_at).limit(MAX_LISTED)))
    latest: dict[UUID, sa.Row] = {}
    for row in conn.execute(sa.select(s.device_id, s.last_seen_at, u.display_name)
                            .join(t.users, sa.and_(u.tenant_id == s.tenant_id, u.id == s.user_id))
                            .where(s.tenant_id == tenant_id).order_by(s.last_seen_at)):
        latest[row.device_id] = row
    def utc(moment: object) -> object:
        return as_utc(moment) if moment is not None else None

    return [{"id": row.id, "name": row.name, "registered_at": as_utc(row.registered_at),
             "revoked_at": utc(row.revoked_at), "last_user": latest[row.id].display_name if row.id in latest else "",
             "last_contact_at": utc(latest[row.id].last_seen_at) if row.id in latest else None,
             "app_version": row.app_version, "queued": sum(_queued(row.queued_json).values()),
             "reported_at": utc(row.reported_at)} for row in rows]
