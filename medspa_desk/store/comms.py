"""A client's communication preferences (append-only) and the calls taken at the desk.

Storage only; who may write them and what they must hold is the use cases'
(``medspa_desk.desk.comms``). What the store insists on: a preference entry is
never changed or removed (an opt-out is kept forever), and a call note, once
followed up, stays followed up.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from medspa_desk.protocol import CallFollowUp, MutationKind
from medspa_desk.records import AuditAction, CallNote, Client, ContactConsent, utc_now
from medspa_desk.store.actor import Actor
from medspa_desk.store.base import StoreBase
from medspa_desk.store.changes import Changes
from medspa_desk.store.errors import Immutable, NotFound
from medspa_desk.store.rows import CALL_NOTES, CONTACT_CONSENTS


class CommsMixin(StoreBase):
    # --- communication preferences ------------------------------------------------

    def record_contact_consent(self, entry: ContactConsent, *, actor: Actor) -> Changes:
        with self._write() as conn:
            if not self._one("SELECT 1 FROM clients WHERE id = ? AND deleted = 0", (str(entry.client_id),)):
                raise NotFound("The client is not in the local store; save the client first.")
            if conn.execute("SELECT 1 FROM contact_consents WHERE id = ?", (str(entry.id),)).fetchone():
                raise Immutable("A communication preference, once recorded, is never changed; record a new one.")
            self._upsert(conn, CONTACT_CONSENTS, entry)
            self._queue(conn, actor=actor, kind=MutationKind.CONTACT_CONSENT_RECORD, record=entry, payload=entry)
            self._note(actor, AuditAction.CREATE, entity=ContactConsent.entity, entity_id=entry.id,
                       detail=f"{entry.channel.value};{entry.purpose.value};{'yes' if entry.agreed else 'no'}")
        return Changes(clients=frozenset({entry.client_id}))

    def contact_consents_for(self, client_ids: Iterable[UUID], *, actor: Actor,
                             detail: str = "contact_preferences") -> list[ContactConsent]:
        """The clients' preference entries, oldest first (one audited view per client, written together)."""
        if not isinstance(actor, Actor):
            raise TypeError("reading a client's record needs the acting user (an Actor)")
        ids = [str(c) for c in dict.fromkeys(client_ids)]
        with self._write():  # one commit for a day's list of clients, one event each
            for client_id in ids:
                self._note(actor, AuditAction.VIEW, entity=Client.entity, entity_id=UUID(client_id), detail=detail)
        found: list[ContactConsent] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            found += self._load_many(ContactConsent, f"SELECT data FROM contact_consents WHERE client_id IN ({marks}) "  # noqa: S608
                                     "ORDER BY at, id", tuple(chunk))
        return found

    # --- call notes ---------------------------------------------------------------

    def log_call(self, note: CallNote, *, actor: Actor) -> Changes:
        with self._write() as conn:
            if note.client_id is not None and not self._one(
                    "SELECT 1 FROM clients WHERE id = ? AND deleted = 0", (str(note.client_id),)):
                raise NotFound("The client is not in the local store; choose the client again or log the "
                               "call as a new caller.")
            if conn.execute("SELECT 1 FROM call_notes WHERE id = ?", (str(note.id),)).fetchone():
                raise Immutable("This call is already logged.")
            self._upsert(conn, CALL_NOTES, note)
            self._queue(conn, actor=actor, kind=MutationKind.CALL_NOTE_LOG, record=note, payload=note)
            self._note(actor, AuditAction.CREATE, entity=CallNote.entity, entity_id=note.id,
                       detail="client" if note.client_id else "new_caller")
        return Changes(clients=frozenset({note.client_id}) if note.client_id else frozenset())

    def follow_up_call(self, note_id: UUID, follow_up: CallFollowUp, *, actor: Actor) -> Changes:
        with self._write() as conn:
            note = self._load(CallNote, "call_notes", note_id, what="call note")
            if not note.open:
                raise Immutable(f"This call was already followed up by {note.followed_up_by_name}.")
            done = CallNote.model_validate({**note.model_dump(), "followed_up_at": follow_up.at,
                                            "followed_up_by": actor.user_id, "followed_up_by_name": follow_up.by_name,
                                            "follow_up_note": follow_up.note, "version": note.version + 1,
                                            "updated_at": utc_now()})
            self._upsert(conn, CALL_NOTES, done)
            self._queue(conn, actor=actor, kind=MutationKind.CALL_NOTE_FOLLOW_UP, record=done,
                        base_version=note.version, payload=follow_up)
            self._note(actor, AuditAction.UPDATE, entity=CallNote.entity, entity_id=note_id, detail="followed_up")
        return Changes(clients=frozenset({note.client_id}) if note.client_id else frozenset())

    def open_calls(self, *, actor: Actor) -> list[CallNote]:
        """Calls not yet followed up, the first due first (those without a due time after, oldest first)."""
        self._audited_view(actor, entity=CallNote.entity, entity_id=None, detail="calls_to_return")
        return self._load_many(CallNote, "SELECT data FROM call_notes WHERE open = 1 "
                               "ORDER BY due IS NULL, due, at, id")

    def calls_for(self, client_id: UUID, *, actor: Actor) -> list[CallNote]:
        self._audited_view(actor, entity=Client.entity, entity_id=client_id, detail="call_notes")
        return self._load_many(CallNote, "SELECT data FROM call_notes WHERE client_id = ? ORDER BY at DESC",
                               (str(client_id),))
