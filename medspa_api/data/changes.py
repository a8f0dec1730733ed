"""Record storage and the per-tenant change sequence.

``seq`` is assigned while holding the tenant's head row (``FOR UPDATE`` on
PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises writers), and the
head is only released at commit, so seq order is commit order: a reader that
has seen seq N has seen every change below N, and no slow transaction can
commit a smaller seq later.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from medspa_api.db import tables as t
from medspa_api.db.dialect import for_update
from medspa_desk.records import Record, utc_now

LOCATION_SCOPED = frozenset({"appointment", "room", "shift"})


class ChangeLog:
    """Writes records of one tenant and gives each change the next seq."""

    def __init__(self, conn: Connection, tenant_id: UUID) -> None:
        self.conn = conn
        self.tenant_id = tenant_id
        self.last_seq: int | None = None

    def lock(self) -> int:
        if self.last_seq is None:
            head = self.conn.execute(for_update(sa.select(t.change_heads.c.last_seq)
                                                .where(t.change_heads.c.tenant_id == self.tenant_id))).scalar()
            if head is None:
                raise LookupError("unknown tenant")
            self.last_seq = int(head)
        return self.last_seq

    def get(self, entity_id: UUID, *, entity: str | None = None) -> dict[str, Any] | None:
        query = sa.select(t.records.c.data, t.records.c.entity).where(
            t.records.c.tenant_id == self.tenant_id, t.records.c.id == entity_id)
        row = self.conn.execute(query).first()
        if row is None or (entity is not None and row.entity != entity):
            return None
        return json.loads(row.data)

    def save(self, record: Record, *, mutation_id: UUID | None = None, deleted: bool = False,
             is_new: bool | None = None) -> Record:
        """Store ``record`` with the next seq; returns it as stored (seq set)."""
        seq = self.lock() + 1
        self.last_seq = seq
        stored = record.model_copy(update={"seq": seq})
        data = stored.to_json()
        location = data.get("location_id") if record.entity in LOCATION_SCOPED else None
        if record.entity == "location":
            location = str(record.id)
        values = {"entity": record.entity, "version": record.version, "seq": seq,
                  "location_id": UUID(location) if location else None, "deleted": deleted,
                  "data": json.dumps(data, separators=(",", ":")), "updated_at": stored.updated_at}
        if is_new is None:
            is_new = self.conn.execute(sa.select(t.records.c.id).where(
                t.records.c.tenant_id == self.tenant_id, t.records.c.id == record.id)).first() is None
        if is_new:
            self.conn.execute(t.records.insert().values(tenant_id=self.tenant_id, id=record.id, **values))
        else:
            self.conn.execute(t.records.update().where(t.records.c.tenant_id == self.tenant_id,
                                                       t.records.c.id == record.id).values(**values))
        self.conn.execute(t.changes.insert().values(
            tenant_id=self.tenant_id, seq=seq, entity=record.entity, entity_id=record.id,
            version=record.version, deleted=deleted, mutation_id=mutation_id, at=utc_now()))
        return stored

    def finish(self) -> int | None:
        """Write the head back; call before commit. Returns the newest seq if anything changed."""
        if self.last_seq is None:
            return None
        self.conn.execute(t.change_heads.update().where(t.change_heads.c.tenant_id == self.tenant_id)
                          .values(last_seq=self.last_seq))
        return self.last_seq


def latest_seq(conn: Connection, *, tenant_id: UUID) -> int:
    value = conn.execute(sa.select(t.change_heads.c.last_seq).where(t.change_heads.c.tenant_id == tenant_id)).scalar()
    return int(value or 0)
