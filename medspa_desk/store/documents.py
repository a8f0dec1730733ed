"""Intake forms, signed consents, treatment records, and a client's timeline.

Storage only; what a form must contain is decided in ``medspa_desk.documents``.
What the store does insist on: a submitted intake and a signed consent are
never changed, a treatment record can be saved again only while it is an
unsigned draft, and after signing it only gains addenda.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from medspa_desk.protocol import ChartSignature, MutationKind
from medspa_desk.records import (
    Addendum,
    Appointment,
    AuditAction,
    Client,
    IntakeForm,
    SignedConsent,
    TreatmentRecord,
    content_hash,
    utc_now,
)
from medspa_desk.rules import UseCase
from medspa_desk.store.actor import Actor
from medspa_desk.store.base import StoreBase
from medspa_desk.store.changes import Changes
from medspa_desk.store.client_file import ClientFile
from medspa_desk.store.clinical_detail import readable_by, withholds_from
from medspa_desk.store.errors import Immutable, InvalidChange, NotFound
from medspa_desk.store.rows import CONSENTS, INTAKES, TREATMENTS
from medspa_desk.store.views import TimelineEntry


class DocumentsMixin(StoreBase):
    # --- intake -----------------------------------------------------------------

    def submit_intake(self, intake: IntakeForm, *, actor: Actor) -> Changes:
        if not intake.is_intact:
            raise InvalidChange("The intake form's content does not match its checksum; it was "
                                "not saved. Fill the form in again.")
        with self._write() as conn:
            self._require_client(intake.client_id)
            if conn.execute("SELECT 1 FROM intakes WHERE id = ?", (str(intake.id),)).fetchone():
                raise Immutable("A submitted intake form cannot be changed; fill in a new one.")
            self._upsert(conn, INTAKES, intake)
            self._queue(conn, actor=actor, kind=MutationKind.INTAKE_SUBMIT, record=intake,
                        payload=intake)
            self._note(actor, AuditAction.CREATE, entity=IntakeForm.entity, entity_id=intake.id)
        return Changes(clients=frozenset({intake.client_id}))

    def intakes_for(self, client_id: UUID, *, actor: Actor) -> list[IntakeForm]:
        self._audited_view(actor, entity=Client.entity, entity_id=client_id, detail="intakes")
        return self._load_many(IntakeForm, "SELECT data FROM intakes WHERE client_id = ? "
                               "ORDER BY at DESC", (str(client_id),))

    # --- consent ----------------------------------------------------------------

    def sign_consent(self, consent: SignedConsent, *, actor: Actor) -> Changes:
        if not consent.is_intact:
            raise InvalidChange("The signed consent's content does not match its checksum; it "
                                "was not saved. Ask the client to sign again.")
        with self._write() as conn:
            self._require_client(consent.client_id)
            if conn.execute("SELECT 1 FROM consents WHERE id = ?", (str(consent.id),)).fetchone():
                raise Immutable("A signed consent cannot be changed; the client signs a new one.")
            self._upsert(conn, CONSENTS, consent)
            self._queue(conn, actor=actor, kind=MutationKind.CONSENT_SIGN, record=consent,
                        payload=consent)
            self._note(actor, AuditAction.SIGN, entity=SignedConsent.entity, entity_id=consent.id)
        return Changes(clients=frozenset({consent.client_id}))

    def consents_for(self, client_id: UUID, *, actor: Actor) -> list[SignedConsent]:
        self._audited_view(actor, entity=Client.entity, entity_id=client_id, detail="consents")
        return self._load_many(SignedConsent, "SELECT data FROM consents WHERE client_id = ? "
                               "ORDER BY at DESC", (str(client_id),))

    # --- treatment --------------------------------------------------------------

    def save_treatment(self, treatment: TreatmentRecord, *, actor: Actor) -> Changes:
        """Save an unsigned draft (again, if it is still a draft); only a provider charts."""
        self.permit(actor, UseCase.SAVE_CHART, entity=TreatmentRecord.entity, entity_id=treatment.id)
        if treatment.is_signed:
            raise InvalidChange("Save the treatment record as a draft first, then sign it.")
        with self._write() as conn:
            self._require_client(treatment.client_id)
            row = conn.execute("SELECT signed, version FROM treatments WHERE id = ?",
                               (str(treatment.id),)).fetchone()
            if row and row[0]:
                raise Immutable("This treatment record is signed and cannot be changed; add an "
                                "addendum instead.")
            self._upsert(conn, TREATMENTS, treatment)
            self._queue(conn, actor=actor, kind=MutationKind.TREATMENT_SAVE, record=treatment,
                        base_version=row[1] if row else None, payload=treatment)
            self._note(actor, AuditAction.UPDATE if row else AuditAction.CREATE,
                       entity=TreatmentRecord.entity, entity_id=treatment.id)
        return Changes(clients=frozenset({treatment.client_id}))

    def sign_treatment(self, treatment_id: UUID, *, actor: Actor,
                       at: datetime | None = None) -> Changes:
        """Sign a draft: its content hash is fixed now, and it never changes again; only a provider signs."""
        self.permit(actor, UseCase.SIGN_CHART, entity=TreatmentRecord.entity, entity_id=treatment_id)
        with self._write() as conn:
            draft = self._load(TreatmentRecord, "treatments", treatment_id, what="treatment record")
            if draft.is_signed:
                raise Immutable("This treatment record is already signed.")
            when = at or utc_now()
            sealed = content_hash(draft.signed_content())
            signed = TreatmentRecord.model_validate({
                **draft.to_json(), "signed_at": when, "signed_by": actor.user_id,
                "content_sha256": sealed, "version": draft.version + 1, "updated_at": utc_now()})
            self._upsert(conn, TREATMENTS, signed)
            self._queue(conn, actor=actor, kind=MutationKind.TREATMENT_SIGN, record=signed,
                        base_version=draft.version,
                        payload=ChartSignature(signed_at=when, content_sha256=sealed))
            self._note(actor, AuditAction.SIGN, entity=TreatmentRecord.entity, entity_id=treatment_id)
        return Changes(clients=frozenset({signed.client_id}))

    def add_addendum(self, treatment_id: UUID, addendum: Addendum, *, actor: Actor) -> Changes:
        self.permit(actor, UseCase.ADD_ADDENDUM, entity=TreatmentRecord.entity, entity_id=treatment_id)
        with self._write() as conn:
            record = self._load(TreatmentRecord, "treatments", treatment_id, what="treatment record")
            if not record.is_signed:
                raise InvalidChange("This treatment record is still a draft; change the draft "
                                    "instead of adding an addendum.")
            if any(a.id == addendum.id for a in record.addenda):
                raise Immutable("This addendum is already saved.")
            updated = record.model_copy(update={"addenda": (*record.addenda, addendum),
                                                "version": record.version + 1,
                                                "updated_at": utc_now()})
            self._upsert(conn, TREATMENTS, updated)
            self._queue(conn, actor=actor, kind=MutationKind.TREATMENT_ADDENDUM, record=updated,
                        base_version=record.version, payload=addendum)
            self._note(actor, AuditAction.UPDATE, entity=TreatmentRecord.entity,
                       entity_id=treatment_id, detail="addendum")
        return Changes(clients=frozenset({record.client_id}))

    def treatments_for(self, client_id: UUID, *, actor: Actor) -> list[TreatmentRecord]:
        """The client's treatments, newest first, as the actor's role may read them (audited)."""
        self._audited_view(actor, entity=Client.entity, entity_id=client_id, detail="treatments")
        return [readable_by(actor.role, t) for t in self._load_many(
            TreatmentRecord, "SELECT data FROM treatments WHERE client_id = ? ORDER BY at DESC",
            (str(client_id),))]

    def treatment(self, treatment_id: UUID, *, actor: Actor) -> TreatmentRecord:
        record = self._load(TreatmentRecord, "treatments", treatment_id, what="treatment record")
        self._audited_view(actor, entity=TreatmentRecord.entity, entity_id=treatment_id,
                           detail="record")
        return readable_by(actor.role, record)

    # --- one audited open, several reads -----------------------------------------

    def open_client_file(self, client_id: UUID, *, actor: Actor, detail: str) -> ClientFile:
        """Open a client's record (ONE view event, ``detail`` saying which screen) for several reads.

        Raises ``NotFound`` before anything is audited when the client is not stored.
        """
        client = self._load(Client, "clients", client_id, what="client")
        self._audited_view(actor, entity=Client.entity, entity_id=client_id, detail=detail)
        return ClientFile(self, client=client, actor=actor)

    # --- timeline ---------------------------------------------------------------

    def client_timeline(self, client_id: UUID, *, actor: Actor) -> list[TimelineEntry]:
        """Everything that happened to the client, newest first (audited view).

        Treatment entries come as the actor's role may read them: for the
        front desk, the date, service and provider without the clinical
        fields (``clinical_withheld`` says so).
        """
        self._audited_view(actor, entity=Client.entity, entity_id=client_id, detail="timeline")
        entries = self._timeline_records(client_id)
        if not withholds_from(actor.role):
            return entries
        return [TimelineEntry(e.at, e.kind, readable_by(actor.role, e.record), clinical_withheld=True)
                if isinstance(e.record, TreatmentRecord) else e for e in entries]

    def _timeline_records(self, client_id: UUID) -> list[TimelineEntry]:
        key = (str(client_id),)
        entries = [TimelineEntry(a.starts_at, "appointment", a) for a in self._load_many(
            Appointment, "SELECT data FROM appointments WHERE client_id = ?", key)]
        entries += [TimelineEntry(c.signed_at, "consent", c) for c in self._load_many(
            SignedConsent, "SELECT data FROM consents WHERE client_id = ?", key)]
        entries += [TimelineEntry(f.submitted_at, "intake", f) for f in self._load_many(
            IntakeForm, "SELECT data FROM intakes WHERE client_id = ?", key)]
        entries += [TimelineEntry(t.performed_at, "treatment", t) for t in self._load_many(
            TreatmentRecord, "SELECT data FROM treatments WHERE client_id = ?", key)]
        entries.sort(key=lambda e: (e.at, e.kind, str(e.record.id)), reverse=True)
        return entries

    def _require_client(self, client_id: UUID) -> None:
        if not self._one("SELECT 1 FROM clients WHERE id = ? AND deleted = 0", (str(client_id),)):
            raise NotFound("The client is not in the local store; save the client first.")
