"""Pulled changes into the store: each page applied in one transaction, with the pull cursor.

The engine pulls pages of changes and hands each to :meth:`PullMixin.apply_pulled`
(or :meth:`PullMixin.apply_changes`) with the page's cursor; each commits in one
transaction, so an interrupted pull resumes where it was. A record with a change
of this desk still queued keeps showing it on top of the server's copy.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from medspa_desk.protocol import (
    Change,
    Mutation,
    MutationKind,
)
from medspa_desk.records import (
    SYNCED_RECORDS,
    Appointment,
    Client,
    Record,
)
from medspa_desk.scheduling import local_day
from medspa_desk.store.base import StoreBase
from medspa_desk.store.bulk import CHUNK, loading_rows
from medspa_desk.store.changes import Changes
from medspa_desk.store.clients import apply_client_changes
from medspa_desk.store.errors import InvalidChange, NotFound
from medspa_desk.store.pulled import PulledPage, PulledRecord, pulled_from_changes, server_record
from medspa_desk.store.rows import (
    APPOINTMENTS,
    CLIENTS,
    REFERENCE,
    REFERENCE_TYPES,
    TABLE_FOR_ENTITY,
    Table,
)

PULL_CURSOR = "pull_cursor"
# Where a row (rows.py) holds what a pulled page's redraw needs.
_APPOINTMENT_LOCATION = APPOINTMENTS.columns.index("location_id")
_APPOINTMENT_START = APPOINTMENTS.columns.index("starts_at")
_CLIENT_COLUMN = {table: table.columns.index("client_id")
                  for table in set(TABLE_FOR_ENTITY.values()) if "client_id" in table.columns}


class PullMixin(StoreBase):

    def apply_changes(self, changes: list[Change], *, cursor: int) -> Changes:
        """Apply one page of server changes and move the pull cursor, in one transaction."""
        return self.apply_pulled(pulled_from_changes(changes, cursor=cursor))

    def apply_pulled(self, page: PulledPage) -> Changes:
        """Apply one pulled page (its records already rows) and move the pull cursor, in one transaction.

        A record with local edits still in the outbox keeps showing them: pending
        client field changes are re-applied on top of the server's copy, and
        other records with a pending command keep the local copy until settled.
        Every other record (all of them on a first sync) goes in as the bulk
        import loads: one ``executemany`` per table and the new clients indexed
        for search a page at a time.
        """
        # No pause of the cyclic collector here (unlike the bulk import): pages
        # arrive while a person is using the desk, and the collection that
        # catches up after each pause held the interpreter lock long enough to
        # freeze the window (ui.max_event_loop_stall_ms 1,802 ms with the pause,
        # 277 ms without, on the same benchmark).
        with self._write() as conn:
            pending = _ids_with_pending(conn, page.records)
            done = Changes()
            plain: list[tuple[str, tuple[Any, ...]]] = []
            for entity, record_id, row in page.records:
                if row is None:
                    done |= self._tombstone(conn, entity, UUID(record_id))
                elif record_id in pending:
                    done |= self._apply_one(conn, entity, UUID(record_id), json.loads(row[-1]))
                else:
                    plain.append((entity, row))
            done |= self._load_rows(conn, plain)
            conn.execute("INSERT INTO sync_state (name, value) VALUES (?, ?) ON CONFLICT(name) "
                         "DO UPDATE SET value = excluded.value", (PULL_CURSOR, str(int(page.cursor))))
        return done

    def _load_rows(self, conn: Any, records: list[tuple[str, tuple[Any, ...]]]) -> Changes:
        """Upsert the rows of records that have no pending local edits, table by table.

        What the views must redraw is read from the rows' own columns (see
        ``rows.py``): the appointment's location and start, the client a record
        belongs to.
        """
        if not records:
            return Changes()
        by_table: dict[Table, list[tuple[Any, ...]]] = defaultdict(list)
        clients: set[str] = set()
        starts: list[tuple[str, int]] = []  # (location id, start in epoch seconds) of the page's appointments
        reference = False
        for entity, row in records:
            table = TABLE_FOR_ENTITY[entity]
            by_table[table].append(row)
            if table is APPOINTMENTS:
                starts.append((row[_APPOINTMENT_LOCATION], row[_APPOINTMENT_START]))
            if table is CLIENTS:
                clients.add(row[0])
            elif table is REFERENCE:
                reference = True
                self._zones.pop(UUID(row[0]), None)
            elif client_id := row[_CLIENT_COLUMN[table]]:  # a call from a new caller names no client
                clients.add(client_id)
            else:
                reference = True  # practice-wide compliance evidence
        appointment_ids = [row[0] for row in by_table.get(APPOINTMENTS, ())]
        # Where the appointments were before this page moved them (columns, not JSON).
        moved_from = conn.execute(
            "SELECT location_id, starts_at FROM appointments WHERE id IN "
            "(SELECT value FROM json_each(?))",
            (json.dumps(appointment_ids),)).fetchall() if appointment_ids else []
        with loading_rows(conn) as loader:
            for table, rows in by_table.items():
                for start in range(0, len(rows), CHUNK):
                    loader.load(table, rows[start:start + CHUNK])
        days = _Days(self)
        locations: dict[str, UUID] = {}  # a few locations, thousands of appointments
        for location_id, starts_at in {*moved_from, *starts}:
            location = locations.get(location_id) or locations.setdefault(location_id, UUID(location_id))
            days.add(location, datetime.fromtimestamp(starts_at, UTC))
        return Changes(days=frozenset(days.found), clients=frozenset(map(UUID, clients)), reference=reference)

    def pull_cursor(self) -> int:
        row = self._one("SELECT value FROM sync_state WHERE name = ?", (PULL_CURSOR,))
        return int(row[0]) if row else 0

    def _apply_one(self, conn: Any, entity: str, entity_id: UUID, data: dict[str, Any]) -> Changes:
        record = server_record(entity, entity_id, data)
        pending = self._pending(conn, entity_id)
        if pending:
            if not isinstance(record, Client) or any(
                    m.kind is not MutationKind.CLIENT_UPDATE for m in pending):
                return Changes()
            record = self._rebase(record, pending)
        done = self._changed(conn, record)
        self._upsert(conn, TABLE_FOR_ENTITY[entity], record)
        if isinstance(record, REFERENCE_TYPES):
            self._zones.pop(record.id, None)
        return done | self._changed(conn, record, after=True)

    @staticmethod
    def _rebase(server: Client, pending: list[Mutation]) -> Client:
        rebased = server
        for mutation in pending:
            try:
                rebased = apply_client_changes(rebased, mutation.payload.get("changes", {}))
            except InvalidChange:
                continue  # the server will refuse it too; its answer goes to the inbox
        # The server's version stays the base; the pending pushes carry their own.
        return rebased.model_copy(update={"version": server.version, "seq": server.seq})

    def _tombstone(self, conn: Any, entity: str, entity_id: UUID) -> Changes:
        table = TABLE_FOR_ENTITY[entity]
        cls = SYNCED_RECORDS[entity]
        local = self._local(conn, cls, entity_id)
        if local is None:
            return Changes()
        done = self._changed(conn, local)
        conn.execute(f"DELETE FROM {table.name} WHERE id = ?", (str(entity_id),))  # noqa: S608
        return done

    def _changed(self, conn: Any, record: Record, *, after: bool = False) -> Changes:
        """What views redraw when ``record`` (the stored copy, or the new one) changes."""
        if isinstance(record, REFERENCE_TYPES):
            return Changes(reference=True)
        if isinstance(record, Client):
            return Changes(clients=frozenset({record.id}))
        if isinstance(record, Appointment):
            if after:
                return self._appointment_day(record) | Changes(clients=frozenset({record.client_id}))
            stored = self._local(conn, Appointment, record.id)
            return self._appointment_day(stored) if stored else Changes()
        client_id = getattr(record, "client_id", None)
        return Changes(clients=frozenset({client_id})) if client_id else Changes()

    def _appointment_day(self, appt: Appointment) -> Changes:
        try:
            return Changes(days=frozenset({self._day_of(appt.location_id, appt.starts_at)}))
        except NotFound:
            return Changes()  # the location arrives later in the pull; its arrival redraws all

    @classmethod
    def _readable_local(cls, conn: Any, record_type: type[Record], entity_id: UUID) -> Any:
        """The stored copy, or None when there is none or it no longer validates.

        An older desk could save text the records now refuse (a NUL from a scanner); the
        server's copy then replaces it rather than the unreadable copy stopping sync.
        """
        try:
            return cls._local(conn, record_type, entity_id)
        except ValidationError:
            return None

    @staticmethod
    def _local(conn: Any, cls: type[Record], entity_id: UUID) -> Any:
        table = TABLE_FOR_ENTITY[cls.entity]
        row = conn.execute(f"SELECT data FROM {table.name} WHERE id = ?",  # noqa: S608
                           (str(entity_id),)).fetchone()
        return cls.model_validate_json(row[0]) if row else None

    @staticmethod
    def _pending(conn: Any, entity_id: UUID) -> list[Mutation]:
        rows = conn.execute("SELECT data FROM outbox WHERE entity_id = ? ORDER BY position",
                            (str(entity_id),)).fetchall()
        return [Mutation.model_validate_json(data) for (data,) in rows]



def _ids_with_pending(conn: Any, page: list[PulledRecord]) -> set[str]:
    """Which records of the page (ids as text) still have a mutation in the outbox (none, on a first sync)."""
    if not page or conn.execute("SELECT NOT EXISTS (SELECT 1 FROM outbox)").fetchone()[0]:
        return set()
    ids = json.dumps([record_id for _entity, record_id, row in page if row is not None])
    rows = conn.execute("SELECT DISTINCT entity_id FROM outbox WHERE entity_id IN "
                        "(SELECT value FROM json_each(?))", (ids,)).fetchall()
    return {entity_id for (entity_id,) in rows}


class _Days:
    """The (location, local day) pairs a page touched; a location not stored yet is skipped.

    A location still to come later in the pull redraws everything when it arrives.
    """

    def __init__(self, store: StoreBase) -> None:
        self._store = store
        self._zones: dict[UUID, ZoneInfo | None] = {}
        self.found: set[tuple[UUID, date]] = set()

    def add(self, location_id: UUID, instant: datetime) -> None:
        if location_id not in self._zones:
            try:
                self._zones[location_id] = self._store._zone(location_id)
            except NotFound:
                self._zones[location_id] = None
        zone = self._zones[location_id]
        if zone is not None:
            self.found.add((location_id, local_day(instant, zone)))

