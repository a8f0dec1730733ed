"""Record storage and the per-tenant change sequence.

``seq`` is assigned while holding the tenant's head row (``FOR UPDATE`` on
PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises writers), and the
head is only released at commit, so seq order is commit order: a reader that
has seen seq N has seen every change below N, and no slow transaction can
commit a smaller seq later.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from medspa_api.db import tables as t
from medspa_api.db.dialect import for_update
from medspa_desk.records import Record, utc_now

R = TypeVar("R", bound=Record)

LOCATION_SCOPED = frozenset({"appointment", "room", "shift", "blocked_time", "waitlist_entry"})


_INSERT_RECORD = t.records.insert()
_UPDATE_RECORD = (t.records.update()
                  .where(t.records.c.tenant_id == sa.bindparam("k_tenant"), t.records.c.id == sa.bindparam("k_id")))
_INSERT_CHANGE = t.changes.insert()
LOOKUP_CHUNK = 500


class ChangeLog:
    """Writes records of one tenant and gives each change the next seq.

    Records the log has read or saved are held in memory for the rest of the
    transaction, and the rows it saves are written in bulk by :meth:`finish`
    (one executemany per table), so a push of 100 mutations costs a handful of
    statements instead of several hundred. :meth:`mark` and
    :meth:`rollback_to` undo what one mutation did when its savepoint rolls
    back. Everything that reads records during a push reads through
    :meth:`get`, so it sees the unwritten rows.
    """

    def __init__(self, conn: Connection, tenant_id: UUID) -> None:
        self.conn = conn
        self.tenant_id = tenant_id
        self.last_seq: int | None = None
        # id -> (entity, stored JSON text), or None when the record is known not to exist.
        self._held: dict[UUID, tuple[str, str] | None] = {}
        # id -> the row to write at finish(), with "is_new" saying insert or update.
        self._unwritten: dict[UUID, dict[str, Any]] = {}
        self._changes: list[dict[str, Any]] = []
        self._journal: list[tuple[UUID, tuple[str, str] | None, dict[str, Any] | None, bool, bool]] = []

    def lock(self) -> int:
        if self.last_seq is None:
            head = self.conn.execute(for_update(sa.select(t.change_heads.c.last_seq)
                                                .where(t.change_heads.c.tenant_id == self.tenant_id))).scalar()
            if head is None:
                raise LookupError("unknown tenant")
            self.last_seq = int(head)
        return self.last_seq

    def prefetch(self, ids: list[UUID]) -> None:
        """Read the records with these ids in a few queries (a push's existence checks, batched)."""
        wanted = [i for i in dict.fromkeys(ids) if i not in self._held]
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            chunk = wanted[start:start + LOOKUP_CHUNK]
            for i in chunk:
                self._held[i] = None
            rows = self.conn.execute(sa.select(t.records.c.id, t.records.c.entity, t.records.c.data).where(
                t.records.c.tenant_id == self.tenant_id, t.records.c.id.in_(chunk)))
            for row in rows:
                self._held[row.id] = (row.entity, row.data)

    def _lookup(self, entity_id: UUID) -> tuple[str, str] | None:
        if entity_id not in self._held:
            self.prefetch([entity_id])
        return self._held[entity_id]

    def get(self, entity_id: UUID, *, entity: str | None = None) -> dict[str, Any] | None:
        held = self._lookup(entity_id)
        if held is None or (entity is not None and held[0] != entity):
            return None
        return json.loads(held[1])

    def location_records(self, entity: str, location_id: UUID) -> list[dict[str, Any]]:
        """Every ``entity`` record of a location as this push sees it: the stored rows, with what
        earlier mutations of the same push saved (not yet written) in their place."""
        r = t.records.c
        rows = dict(self.conn.execute(sa.select(r.id, r.data).where(
            r.tenant_id == self.tenant_id, r.entity == entity, r.location_id == location_id)).tuples().all())
        for record_id, row in self._unwritten.items():
            if row["entity"] == entity and row["location_id"] == location_id:
                rows[record_id] = row["data"]
        return [json.loads(data) for data in rows.values()]

    def save(self, record: R, *, mutation_id: UUID | None = None, deleted: bool = False,
             is_new: bool | None = None) -> R:
        """Store ``record`` with the next seq; returns it as stored (seq set)."""
        seq = self.lock() + 1
        self.last_seq = seq
        stored = record.model_copy(update={"seq": seq})
        data = stored.to_json()
        location = data.get("location_id") if record.entity in LOCATION_SCOPED else None
        if record.entity == "location":
            location = str(record.id)
        text = json.dumps(data, separators=(",", ":"), allow_nan=False)  # strict JSON: never served invalid
        previous = self._unwritten.get(record.id)
        if previous is not None:
            is_new = previous["is_new"]  # created earlier in this transaction: still one insert
        elif is_new is None:
            is_new = self._lookup(record.id) is None
        self._journal.append((record.id, self._held.get(record.id), previous,
                              record.id in self._held, record.id in self._unwritten))
        self._held[record.id] = (record.entity, text)
        self._unwritten[record.id] = {
            "is_new": is_new, "tenant_id": self.tenant_id, "id": record.id, "entity": record.entity,
            "version": record.version, "seq": seq, "location_id": UUID(location) if location else None,
            "deleted": deleted, "data": text, "updated_at": stored.updated_at}
        self._changes.append({"tenant_id": self.tenant_id, "seq": seq, "entity": record.entity,
                              "entity_id": record.id, "version": record.version, "deleted": deleted,
                              "mutation_id": mutation_id, "at": utc_now()})
        return stored

    def mark(self) -> tuple[int | None, int, int]:
        """Where the log stands, to :meth:`rollback_to` if the next mutation is undone."""
        return self.last_seq, len(self._changes), len(self._journal)

    def rollback_to(self, mark: tuple[int | None, int, int]) -> None:
        last_seq, changes, journal = mark
        self.last_seq = last_seq
        del self._changes[changes:]
        while len(self._journal) > journal:
            record_id, held, unwritten, was_held, was_unwritten = self._journal.pop()
            if was_held:
                self._held[record_id] = held
            else:
                self._held.pop(record_id, None)
            if was_unwritten and unwritten is not None:
                self._unwritten[record_id] = unwritten
            else:
                self._unwritten.pop(record_id, None)

    def finish(self) -> int | None:
        """Write the saved rows and the head back; call before commit. Returns the newest seq if anything changed."""
        if self.last_seq is None:
            return None
        inserts = [{k: v for k, v in row.items() if k != "is_new"} for row in self._unwritten.values()
                   if row["is_new"]]
        updates = [{"k_tenant": row["tenant_id"], "k_id": row["id"],
                    **{k: v for k, v in row.items() if k not in ("is_new", "tenant_id", "id")}}
                   for row in self._unwritten.values() if not row["is_new"]]
        if inserts:
            self.conn.execute(_INSERT_RECORD, inserts)
        if updates:
            self.conn.execute(_UPDATE_RECORD, updates)
        if self._changes:
            self.conn.execute(_INSERT_CHANGE, self._changes)
        self._unwritten.clear()
        self._changes.clear()
        self._journal.clear()
        self.conn.execute(t.change_heads.update().where(t.change_heads.c.tenant_id == self.tenant_id)
                          .values(last_seq=self.last_seq))
        return self.last_seq


def latest_seq(conn: Connection, *, tenant_id: UUID) -> int:
    value = conn.execute(sa.select(t.change_heads.c.last_seq).where(t.change_heads.c.tenant_id == tenant_id)).scalar()
    return int(value or 0)
