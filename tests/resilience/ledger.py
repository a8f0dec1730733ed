"""What the server holds, read straight from its database, to hold the desks' caches against."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_desk.records import SYNCED_RECORDS
from medspa_desk.store.store import Store
from tests.support.live_api import LiveApi

SCHEDULE_ENTITIES = ("client", "appointment")


def server_records(live: LiveApi) -> dict[UUID, Any]:
    with live.database.transaction(live.tenant.id, write=False) as conn:
        rows = conn.execute(sa.select(t.records.c.entity, t.records.c.data).where(
            t.records.c.tenant_id == live.tenant.id, t.records.c.entity.in_(SCHEDULE_ENTITIES),
            t.records.c.deleted.is_(False))).all()
    return {record.id: record for record in
            (SYNCED_RECORDS[entity].model_validate(json.loads(data)) for entity, data in rows)}


def cached_records(store: Store) -> dict[UUID, Any]:
    found: dict[UUID, Any] = {}
    for table, entity in (("clients", "client"), ("appointments", "appointment")):
        for (data,) in store.connection.execute(f"SELECT data FROM {table}").fetchall():  # noqa: S608
            record = SYNCED_RECORDS[entity].model_validate_json(data)
            found[record.id] = record
    return found


def latest_seq(live: LiveApi) -> int:
    with live.database.transaction(live.tenant.id, write=False) as conn:
        return int(conn.execute(sa.select(t.change_heads.c.last_seq).where(
            t.change_heads.c.tenant_id == live.tenant.id)).scalar() or 0)


def changes_per_mutation(live: LiveApi, device_ids: list[UUID]) -> dict[UUID, int]:
    """How many changes each of these devices' mutations made on the server (exactly once: 1 each)."""
    with live.database.transaction(live.tenant.id, write=False) as conn:
        stored = conn.execute(sa.select(t.mutations.c.id).where(
            t.mutations.c.tenant_id == live.tenant.id, t.mutations.c.device_id.in_(device_ids))).scalars().all()
        counts = dict(conn.execute(sa.select(t.changes.c.mutation_id, sa.func.count()).where(
            t.changes.c.tenant_id == live.tenant.id, t.changes.c.mutation_id.in_(stored))
            .group_by(t.changes.c.mutation_id)).all())
    return {mutation_id: counts.get(mutation_id, 0) for mutation_id in stored}


def audit_rows_for(live: LiveApi, event_ids: list[UUID]) -> dict[UUID, int]:
    with live.database.transaction(live.tenant.id, write=False) as conn:
        rows = conn.execute(sa.select(t.audit.c.id, sa.func.count()).where(
            t.audit.c.tenant_id == live.tenant.id, t.audit.c.id.in_(event_ids)).group_by(t.audit.c.id)).all()
    return dict(rows)


def server_conflicts(live: LiveApi) -> int:
    with live.database.transaction(live.tenant.id, write=False) as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(t.conflicts).where(
            t.conflicts.c.tenant_id == live.tenant.id)).scalar() or 0)
