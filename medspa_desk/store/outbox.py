"""The outbox the sync engine pushes, and the server's answers settled.

The store never talks to the network. The engine takes :meth:`OutboxMixin.outbox_batch`,
pushes it and hands the answers to :meth:`OutboxMixin.settle`: an applied change takes
the server's version, a conflict or a rejection goes to the inbox with the server's copy
shown again (the pulling part's record writes), and nothing blocks the queue.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from medspa_desk.protocol import (
    MAX_PUSH_BYTES,
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
    Client,
    Conflict,
    ConflictKind,
)
from medspa_desk.store.changes import Changes
from medspa_desk.store.inbox import InboxMixin
from medspa_desk.store.pulling import PullMixin
from medspa_desk.store.rows import (
    TABLE_FOR_ENTITY,
)

_CREATES = frozenset({MutationKind.APPOINTMENT_BOOK, MutationKind.CLIENT_CREATE})


class OutboxMixin(PullMixin, InboxMixin):

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

    def outbox_by_author(self, *, limit: int = 100) -> dict[UUID, int]:
        """Entries queued on this desk, per author (the workstation's report to the server after a sync)."""
        return {UUID(author): int(count) for author, count in self._rows(
            "SELECT author_user_id, count(*) FROM outbox WHERE author_user_id IS NOT NULL "
            "GROUP BY author_user_id ORDER BY count(*) DESC LIMIT ?", (limit,))}

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
        if table is not None and row is not None and result.version is not None:
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



def _double_booking_reason(mutation: Mutation, server_reason: str) -> str:
    """What the inbox says about a booking or a move that lost its slot to another desk's."""
    if mutation.kind is MutationKind.APPOINTMENT_BOOK:
        return server_reason or ("Another desk booked this provider or room for the same time while "
                                 "this one was offline; this booking was not kept. Rebook the client "
                                 "at another time.")
    said = server_reason or "Another booking already holds this provider or room at that time."
    return (f"{said} The change made on this desk was not kept: the appointment is back at its "
            "time on the server. Pick another time for it, or leave it where it is.")


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
