"""The right of access (45 CFR 164.524): a client's whole record as a readable PDF and a FHIR R4
Bundle, each written atomically and audited.

``gather_client_record`` reads everything the bundle carries in one audited
view of the client's record (photos are each audited as a view, as anywhere
else); ``export_client_fhir`` writes the validated bundle through the atomic
writer (0600, fsync, replace) and audits the export, or its failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from medspa_desk.compliance.exports import write_export
from medspa_desk.compliance.fhir import ClientRecord, PhotoCopy, client_bundle
from medspa_desk.compliance.record_pdf import record_pdf, signed_consent_pdfs
from medspa_desk.documents.questionnaire import shipped_questionnaire
from medspa_desk.records import (
    Appointment,
    Client,
    IntakeForm,
    Location,
    SignedConsent,
    TreatmentRecord,
    utc_now,
)
from medspa_desk.store.actor import Actor
from medspa_desk.store.photos import photo_image, photos_for

if TYPE_CHECKING:  # annotations only
    from medspa_desk.store import Store

FHIR_DETAIL = "fhir_r4_bundle"
PDF_DETAIL = "record_pdf"


def gather_client_record(store: Store, *, client_id: UUID, actor: Actor, location: Location) -> ClientRecord:
    """Everything the desk holds about the client, read as ``actor`` may read it (audited views)."""
    client = store.client(client_id, actor=actor)
    timeline = store.client_timeline(client_id, actor=actor)
    by_kind: dict[str, list[Any]] = {}
    for entry in timeline:
        by_kind.setdefault(entry.kind, []).append(entry.record)
    treatments: list[TreatmentRecord] = by_kind.get("treatment", [])
    photos = [PhotoCopy(id=info.id, treatment_id=info.treatment_id, kind=str(info.kind),
                        media_type=info.media_type, taken_at=info.added_at,
                        image=photo_image(store, info.id, actor=actor))
              for t in treatments for info in photos_for(store, t.id)]
    questions = {q.id: q.text for q in shipped_questionnaire().questions}
    return ClientRecord(
        client=client, location=location,
        appointments=[a for a in by_kind.get("appointment", []) if isinstance(a, Appointment)],
        intakes=[f for f in by_kind.get("intake", []) if isinstance(f, IntakeForm)],
        consents=[c for c in by_kind.get("consent", []) if isinstance(c, SignedConsent)],
        treatments=treatments, photos=photos,
        contact_preferences=store.contact_consents_for([client_id], actor=actor, detail="record_export"),
        services={s.id: s for s in store.services()}, products={p.id: p for p in store.products()},
        providers={p.id: p.display_name for p in store.providers()}, question_texts=questions)


def bundle_json(record: ClientRecord, *, now: datetime | None = None, one_line: bool = False,
                consent_pdfs: Mapping[UUID, bytes] | None = None) -> bytes:
    """The record's validated bundle as JSON bytes (strict: no NaN, UTF-8); ``one_line`` for NDJSON.

    ``consent_pdfs`` (:func:`signed_consent_pdfs`) when the caller has drawn them already.
    """
    drawn = consent_pdfs if consent_pdfs is not None else signed_consent_pdfs(record)

    def signed_pdf(consent: SignedConsent) -> bytes:
        return drawn[consent.id]

    bundle = client_bundle(record, consent_pdf=signed_pdf, generated_at=now or utc_now())
    return bundle.model_dump_json(indent=None if one_line else 1, exclude_none=True).encode("utf-8")


def _write_audited(store: Store, *, data: bytes, path: Path, actor: Actor, client_id: UUID, detail: str) -> Path:
    return write_export(store, data=data, path=path, actor=actor, entity=Client.entity, entity_id=client_id,
                        detail=detail)


def export_client_fhir(store: Store, *, client_id: UUID, actor: Actor, location: Location, path: Path,
                       now: datetime | None = None) -> Path:
    """Write the client's FHIR bundle to ``path``; the export (or its failure) is audited."""
    data = bundle_json(gather_client_record(store, client_id=client_id, actor=actor, location=location),
                       now=now)
    return _write_audited(store, data=data, path=path, actor=actor, client_id=client_id, detail=FHIR_DETAIL)


def export_right_of_access(store: Store, *, client_id: UUID, actor: Actor, location: Location, pdf_path: Path,
                           fhir_path: Path, now: datetime | None = None) -> tuple[Path, Path]:
    """Both copies a client may ask for, from one reading of the record: the readable PDF and the
    FHIR bundle; each written atomically and audited as its own export."""
    record = gather_client_record(store, client_id=client_id, actor=actor, location=location)
    at, consents = now or utc_now(), signed_consent_pdfs(record)
    readable = _write_audited(store, data=record_pdf(record, generated_at=at, consent_pdfs=consents), path=pdf_path,
                              actor=actor, client_id=client_id, detail=PDF_DETAIL)
    electronic = _write_audited(store, data=bundle_json(record, now=at, consent_pdfs=consents), path=fhir_path,
                                actor=actor, client_id=client_id, detail=FHIR_DETAIL)
    return readable, electronic
