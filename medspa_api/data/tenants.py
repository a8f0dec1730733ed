"""Tenants (practices) and their locations."""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from medspa_api.data.changes import ChangeLog
from medspa_api.db import tables as t
from medspa_api.db.dialect import set_tenant
from medspa_desk.audit import GENESIS_HASH
from medspa_desk.protocol import SWITCH_WINDOW_HOURS_DEFAULT
from medspa_desk.records import Location, new_id, utc_now


class TenantExists(ValueError):
    pass


def create_tenant(conn: Connection, *, name: str) -> UUID:
    if tenant_id_by_name(conn, name=name) is not None:
        raise TenantExists(f"a practice named {name!r} already exists; pick another name")
    tenant_id = new_id()
    conn.execute(t.tenants.insert().values(id=tenant_id, name=name, created_at=utc_now()))
    set_tenant(conn, tenant_id)
    conn.execute(t.change_heads.insert().values(tenant_id=tenant_id, last_seq=0))
    conn.execute(t.audit_heads.insert().values(tenant_id=tenant_id, last_seq=0, last_hash=GENESIS_HASH))
    return tenant_id


def tenant_id_by_name(conn: Connection, *, name: str) -> UUID | None:
    return conn.execute(sa.select(t.tenants.c.id).where(t.tenants.c.name == name)).scalar()


def create_location(conn: Connection, *, tenant_id: UUID, location: Location) -> Location:
    log = ChangeLog(conn, tenant_id)
    stored = log.save(location, is_new=True)
    log.finish()
    return stored


def switch_window_s(conn: Connection, *, tenant_id: UUID) -> int:
    """How long a session of this practice lasts after a sign-in with the code (12 hours unless set)."""
    kept = conn.execute(sa.select(t.tenant_policies.c.switch_window_s)
                        .where(t.tenant_policies.c.tenant_id == tenant_id)).scalar()
    return int(kept) if kept is not None else SWITCH_WINDOW_HOURS_DEFAULT * 3600


def set_switch_window(conn: Connection, *, tenant_id: UUID, seconds: int) -> None:
    updated = conn.execute(t.tenant_policies.update().where(t.tenant_policies.c.tenant_id == tenant_id)
                           .values(switch_window_s=seconds)).rowcount
    if not updated:
        conn.execute(t.tenant_policies.insert().values(tenant_id=tenant_id, switch_window_s=seconds))
