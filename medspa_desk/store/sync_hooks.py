"""What the sync engine calls: the outbox to push, results to settle, pulled changes to apply.

The store never talks to the network. The engine takes :meth:`outbox_batch`,
pushes it, hands the answers to :meth:`settle`, pulls pages of changes and
hands each to :meth:`apply_changes` with the page's cursor. Each of those
commits in one transaction, so an interrupted sync resumes where it was.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from medspa_desk.protocol import (
    MAX_PUSH_BYTES,
    Change,
    DoubleBooking,
    FieldConflict,
    Mutation,
    MutationKind,
    MutationResult,
    Outcome,
    RejectedChange,
)
from medspa_desk.records import (
    SYNCED_RECORDS,
    Appointment,
    AuditEvent,
    Client,
    Conflict,
    ConflictKind,
    Record,
    utc_now,
)
from medspa_desk.scheduling import local_day
from medspa_desk.store.base import StoreBase
from medspa_desk.store.bulk import CHUNK, loading_rows
from medspa_desk.store.changes import Changes
from medspa_desk.store.clients import apply_client_changes
from medspa_desk.store.errors import InvalidChange, NotFound
from medspa_desk.store.inbox import InboxMixin
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
AUDIT_SENT_THROUGH = "audit_sent_through"
_CREATES = frozenset({MutationKind.APPOINTMENT_BOOK, MutationKind.CLIENT_CREATE})


class SyncMixin(InboxMixin):
    # --- outbox -----------------------------------------------------------------

    def outbox_batch(self, limit: int, *, author: UUID | None = None,
                     max_bytes: int = MAX_PUSH_BYTES) -> list[Mutation]:
        """The oldest ``limit`` unsent mutations ``author`` may push, in the order they were made, no more
        than ``max_bytes`` of them (always at least one), so a push stays under the server's body limit.

        The server records whoever pushes as the person who made a change, so
        the engine passes the signed-in user: their own entries go, and those
        of unknown author (queued before the desk recorded authors). Another
        person's entries wait for them to sign in here, and so does any later
        entry of this user on a record (or a client) such a waiting entry
        touches, which could not apply before it. ``author=None``: every entry.
        """
        limit = max(0, limit)
        if author is None:
            rows = self._rows("SELECT data FROM outbox ORDER BY position LIMIT ?", (limit,))
            return [Mutation.model_validate_json(data) for data in _within(max_bytes, (d for (d,) in rows))]
        me = str(author)
        waiting: dict[str, int] = {}  # record id -> position of the first entry of someone else
        # "< or >" rather than "!=": two ranges of the author index, empty on a desk used by one person.
        for position, entity_id, client_id in self._rows(
                "SELECT position, entity_id, json_extract(data, '$.payload.client_id') FROM outbox "
                "WHERE author_user_id < ? OR author_user_id > ? ORDER BY position", (me, me)):
            for record_id in (entity_id, client_id):
                if record_id is not None:
                    waiting.setdefault(record_id, position)
        # "+author_user_id": walk the queue in order and stop at the limit, instead of reading
        # every matching entry through the author index and sorting them.
        mine = "SELECT position, data FROM outbox WHERE +author_user_id IS NULL OR +author_user_id = ? " \
               "ORDER BY position"
        if not waiting:
            rows = self._rows(mine + " LIMIT ?", (me, limit))
            return [Mutation.model_validate_json(data) for data in _within(max_bytes, (d for (_, d) in rows))]
        batch: list[Mutation] = []
        size = 0
        for position, data in self._rows(mine, (me,)):
            if batch and size + len(data) > max_bytes:
                break
            mutation = Mutation.model_validate_json(data)
            touched = (str(mutation.entity_id), mutation.payload.get("client_id"))
            if any(waiting.get(record_id, position) < position for record_id in touched if record_id):
                continue
            batch.append(mutation)
            size += len(data)
            if len(batch) == limit:
                break
        return batch

    def outbox_count(self) -> int:
        return int(self._one("SELECT count(*) FROM outbox")[0])

    def outbox_waiting_for_others(self, author: UUID) -> int:
        """Entries queued on this desk by someone other than ``author`` (pushed when they sign in here)."""
        return int(self._one("SELECT count(*) FROM outbox WHERE author_user_id < ? OR author_user_id > ?",
                             (str(author), str(author)))[0])

    def settle(self, results: list[MutationResult]) -> Changes:
        """Record the server's answers; every answered mutation leaves the outbox.

        Applied: the record takes the server's version and seq. Conflict: a
        conflict-inbox entry, and the local record shows the server's copy (a
        refused booking is taken off the schedule; it stays in the inbox).
        Rejected: a conflict-inbox entry saying why, and the local record shows
        the server's copy too (a refused new booking or client leaves the desk's
        views). Nothing blocks the queue.
        """
        changes = Changes()
        with self._write() as conn:
            for result in results:
                row = conn.execute("SELECT data FROM outbox WHERE id = ?",
                                   (str(result.mutation_id),)).fetchone()
                if row is None:
                    continue  # already settled by an earlier, retried answer
                mutation = Mutation.model_validate_json(row[0])
                conn.execute("DELETE FROM outbox WHERE id = ?", (str(mutation.id),))
                if result.outcome is Outcome.APPLIED:
                    changes |= self._settle_applied(conn, mutation, result)
                elif result.outcome is Outcome.CONFLICT:
                    changes |= self._settle_conflict(conn, mutation, result)
                else:
                    changes |= self._settle_rejection(conn, mutation, result)
        return changes

    def _settle_applied(self, conn: Any, mutation: Mutation, result: MutationResult) -> Changes:
        changes = Changes()
        table = TABLE_FOR_ENTITY.get(mutation.entity)
        row = conn.execute(f"SELECT data FROM {table.name} WHERE id = ?",  # noqa: S608 (our table)
                           (str(mutation.entity_id),)).fetchone() if table else None
        if row is not None and result.version is not None:
            record = SYNCED_RECORDS[mutation.entity].model_validate_json(row[0])
            update: dict[str, Any] = {"seq": result.seq or record.seq}
            if not self._pending(conn, mutation.entity_id):
                update["version"] = result.version
            self._upsert(conn, table, record.model_copy(update=update))
        return changes

    def _settle_conflict(self, conn: Any, mutation: Mutation, result: MutationResult) -> Changes:
        """File the conflict with the server's detail; the desk then shows the server's copy."""
        theirs = dict(result.current or {})
        detail = result.detail
        changes = Changes()
        if isinstance(detail, DoubleBooking) or mutation.entity == Appointment.entity:
            local = self._local(conn, Appointment, mutation.entity_id)
            if local is not None:
                changes |= self._appointment_day(local)
            detail = detail if isinstance(detail, DoubleBooking) else DoubleBooking()
            if detail.refused is None and local is not None:
                detail = detail.model_copy(update={"refused": local})
            kind, reason = ConflictKind.DOUBLE_BOOKING, _double_booking_reason(mutation, result.reason)
        elif isinstance(detail, FieldConflict):
            kind, reason = ConflictKind.FIELD_CONFLICT, (
                "Both this desk and another changed the same details while apart; nothing was "
                "overwritten. Pick which value to keep.")
        else:
            kind, reason = ConflictKind.REJECTED, result.reason or (
                "This record is already on the server in another form; this desk's change was not kept.")
        changes |= self._add_conflict(conn, Conflict(
            kind=kind, entity=mutation.entity, entity_id=mutation.entity_id, mutation_id=mutation.id,
            reason=reason, detail=(detail or RejectedChange(code=result.code)).model_dump(mode="json")))
        return changes | self._show_server_copy(conn, mutation, theirs)

    def _settle_rejection(self, conn: Any, mutation: Mutation, result: MutationResult) -> Changes:
        """File the refused change alone (naming the record and the field), then show the server's copy."""
        answer = result.detail if isinstance(result.detail, RejectedChange) else RejectedChange(code=result.code)
        label = self._record_label(conn, mutation)
        said = result.reason or "The server refused this change."
        changes = self._add_conflict(conn, Conflict(
            kind=ConflictKind.REJECTED, entity=mutation.entity, entity_id=mutation.entity_id,
            mutation_id=mutation.id, reason=f"{label}: {said}"[:1000],
            detail=answer.model_copy(update={"change": mutation, "record": label[:300]}).model_dump(mode="json")))
        return changes | self._show_server_copy(conn, mutation, result.current or {})

    def _record_label(self, conn: Any, mutation: Mutation) -> str:
        """The record a refused change was about, as a person names it ("Client Ada Lovelace")."""
        if mutation.entity == Client.entity:
            # The name columns, not the record: the stored record may be the one that cannot be sent.
            row = conn.execute("SELECT first_name, last_name FROM clients WHERE id = ?",
                               (str(mutation.entity_id),)).fetchone()
            first, last = row if row else (mutation.payload.get("first_name"), mutation.payload.get("last_name"))
            if isinstance(first, str) and isinstance(last, str):
                return f"Client {first} {last}"
        return f"This {mutation.entity.replace('_', ' ')}"

    def _show_server_copy(self, conn: Any, mutation: Mutation, theirs: dict[str, Any]) -> Changes:
        """Put back the server's copy of a record whose change the server did not take.

        A record the server does not hold (a refused new booking or client) comes off the
        desk's views; its inbox entry keeps what was refused. An answer older than the copy
        this desk already holds (a push answered again from the server's record) changes nothing.
        """
        if theirs.get("id") == str(mutation.entity_id):
            local = self._readable_local(conn, SYNCED_RECORDS[mutation.entity], mutation.entity_id)
            if local is not None and local.seq > int(theirs.get("seq") or 0):
                return Changes()
            return self._apply_one(conn, mutation.entity, mutation.entity_id, theirs)
        if mutation.kind in _CREATES and not self._pending(conn, mutation.entity_id):
            return self._tombstone(conn, mutation.entity, mutation.entity_id)
        return Changes()

    # --- pulled changes -----------------------------------------------------------

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
            else:
                clients.add(row[_CLIENT_COLUMN[table]])
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

    # --- audit shipping ---------------------------------------------------------------

    # The audit log only grows, and events are shipped oldest first, so every
    # event up to some position is known to be on the server: that position
    # (AUDIT_SENT_THROUGH in sync_state) is where the next look for unsent
    # events starts, instead of rescanning the whole log on every push.
    # audit_sent keeps only the ids acknowledged beyond it (out of order).

    def unsent_audit(self, limit: int) -> list[AuditEvent]:
        """The oldest ``limit`` events the server has not stored, in the order they happened."""
        rows = self._rows("SELECT a.event FROM audit AS a WHERE a.position > ? AND NOT EXISTS "
                          "(SELECT 1 FROM audit_sent AS s WHERE s.id = a.id) "
                          "ORDER BY a.position LIMIT ?", (self._audit_sent_through(), max(0, limit)))
        return [AuditEvent.model_validate_json(event) for (event,) in rows]

    def mark_audit_sent(self, ids: Iterable[UUID]) -> None:
        """Note events the server has stored, and move the high-water mark past every such run."""
        with self._write() as conn:
            conn.executemany("INSERT OR IGNORE INTO audit_sent (id) VALUES (?)",
                             [(str(i),) for i in ids])
            through = self._audit_sent_through()
            row = conn.execute(
                "SELECT a.position FROM audit AS a WHERE a.position > ? AND NOT EXISTS "
                "(SELECT 1 FROM audit_sent AS s WHERE s.id = a.id) ORDER BY a.position LIMIT 1",
                (through,)).fetchone()
            first_unsent = row[0] if row else (
                conn.execute("SELECT max(position) FROM audit").fetchone()[0] or 0) + 1
            if first_unsent - 1 > through:
                conn.execute("DELETE FROM audit_sent WHERE id IN (SELECT id FROM audit "
                             "WHERE position > ? AND position < ?)", (through, first_unsent))
                conn.execute("INSERT INTO sync_state (name, value) VALUES (?, ?) ON CONFLICT(name) "
                             "DO UPDATE SET value = excluded.value",
                             (AUDIT_SENT_THROUGH, str(first_unsent - 1)))

    def mark_audit_refused(self, ids: Iterable[UUID]) -> None:
        """Note events the server refused: kept for the manager (:meth:`refused_audit`), never sent again.

        They also count as settled for the high-water mark, so they no longer
        stand at the head of :meth:`unsent_audit` in front of newer events.
        """
        refused = [str(i) for i in ids]
        if not refused:
            return
        with self._write() as conn:
            conn.executemany("INSERT OR IGNORE INTO audit_refused (id, refused_at) VALUES (?, ?)",
                             [(i, utc_now().isoformat()) for i in refused])
        self.mark_audit_sent(UUID(i) for i in refused)

    def refused_audit(self, limit: int = 500) -> list[AuditEvent]:
        """Events of this desk the server refused, oldest first (for the manager to review)."""
        rows = self._rows("SELECT a.event FROM audit AS a JOIN audit_refused AS r ON r.id = a.id "
                          "ORDER BY a.position LIMIT ?", (max(0, limit),))
        return [AuditEvent.model_validate_json(event) for (event,) in rows]

    def refused_audit_count(self) -> int:
        return int(self._one("SELECT count(*) FROM audit_refused")[0])

    def _audit_sent_through(self) -> int:
        row = self._one("SELECT value FROM sync_state WHERE name = ?", (AUDIT_SENT_THROUGH,))
        return int(row[0]) if row else 0


def _double_booking_reason(mutation: Mutation, server_reason: str) -> str:
    """What the inbox says about a booking or a move that lost its slot to another desk's."""
    if mutation.kind is MutationKind.APPOINTMENT_BOOK:
        return server_reason or ("Another desk booked this provider or room for the same time while "
                                 "this one was offline; this booking was not kept. Rebook the client "
                                 "at another time.")
    said = server_reason or "Another booking already holds this provider or room at that time."
    return (f"{said} The change made on this desk was not kept: the appointment is back at its "
            "time on the server. Pick another time for it, or leave it where it is.")


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


def _within(max_bytes: int, texts: Iterable[str]) -> list[str]:
    """The leading ``texts`` whose lengths add up to at most ``max_bytes`` (always the first)."""
    kept: list[str] = []
    size = 0
    for text in texts:
        if kept and size + len(text) > max_bytes:
            break
        kept.append(text)
        size += len(text)
    return kept
