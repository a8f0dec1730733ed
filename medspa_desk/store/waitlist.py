"""The waitlist: clients waiting for a service in a window of days and times (``desk.waitlist``)."""

from __future__ import annotations

from uuid import UUID

from medspa_desk.protocol import MutationKind, WaitlistClose
from medspa_desk.records import AuditAction, WaitlistEntry, WaitlistStatus, utc_now
from medspa_desk.store.actor import Actor
from medspa_desk.store.base import StoreBase
from medspa_desk.store.changes import Changes
from medspa_desk.store.errors import InvalidChange, NotAllowed
from medspa_desk.store.rows import WAITLIST

ENTITY = WaitlistEntry.entity


class WaitlistMixin(StoreBase):
    def add_to_waitlist(self, entry: WaitlistEntry, *, actor: Actor) -> Changes:
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM waitlist WHERE id = ?", (str(entry.id),)).fetchone():
                raise InvalidChange("This waitlist entry is already saved.")
            if not conn.execute("SELECT 1 FROM clients WHERE id = ? AND deleted = 0",
                                (str(entry.client_id),)).fetchone():
                raise InvalidChange("The client is not in the local store; save the client first.")
            self._upsert(conn, WAITLIST, entry)
            self._queue(conn, actor=actor, kind=MutationKind.WAITLIST_ADD, record=entry, payload=entry)
            self._note(actor, AuditAction.CREATE, entity=ENTITY, entity_id=entry.id)
        return Changes(clients=frozenset({entry.client_id}))

    def close_waitlist_entry(self, entry_id: UUID, *, status: WaitlistStatus, actor: Actor,
                             visit_id: UUID | None = None, reason: str = "") -> Changes:
        """Mark the entry booked (``visit_id``) or removed; an entry no longer waiting is refused."""
        with self._write() as conn:
            before = self._load(WaitlistEntry, "waitlist", entry_id, what="waitlist entry")
            if not before.waiting:
                raise NotAllowed(f"This client is no longer waiting (the entry is {before.status.value}); "
                                 "nothing was changed.")
            payload = WaitlistClose(status=status, visit_id=visit_id, reason=reason)  # type: ignore[arg-type]
            after = WaitlistEntry.model_validate({**before.to_json(), "status": status, "visit_id": visit_id,
                                                  "closed_reason": reason, "version": before.version + 1,
                                                  "updated_at": utc_now()})
            self._upsert(conn, WAITLIST, after)
            self._queue(conn, actor=actor, kind=MutationKind.WAITLIST_CLOSE, record=after, payload=payload,
                        base_version=before.version)
            self._note(actor, AuditAction.UPDATE, entity=ENTITY, entity_id=entry_id, detail=f"waitlist: {status.value}")
        return Changes(clients=frozenset({before.client_id}))

    def waitlist_entry(self, entry_id: UUID) -> WaitlistEntry:
        return self._load(WaitlistEntry, "waitlist", entry_id, what="waitlist entry")

    def waiting(self, location_id: UUID) -> list[WaitlistEntry]:
        """Entries still waiting at the location, oldest first (first come, first offered)."""
        entries = self._load_many(WaitlistEntry, "SELECT data FROM waitlist WHERE location_id = ? AND status = ?",
                                  (str(location_id), WaitlistStatus.WAITING.value))
        return sorted(entries, key=lambda e: (e.updated_at, str(e.id)))
