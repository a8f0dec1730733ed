"""Reading a signed form or a day and rendering its PDF, as one job on the database worker.

Each function takes the store and returns a ``Document`` (PDF bytes in
memory and the ids the audit trail names it by). Client reads go through the
store's audited calls; the seal of a signed form is checked on every open.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from medspa_desk.clinical.treatment_pdf import treatment_pdf
from medspa_desk.documents.consents import latest_templates
from medspa_desk.documents.gating import ItemKind, check_in_requirements
from medspa_desk.documents.pdf import consent_pdf, day_sheet_pdf, day_sheet_rows, intake_pdf
from medspa_desk.documents.questionnaire import shipped_questionnaire
from medspa_desk.documents.rules import Finding, Outcome, evaluate
from medspa_desk.documents.sealing import verify_signed
from medspa_desk.records import (
    Client,
    IntakeForm,
    Location,
    Service,
    ServiceCategory,
    SignedConsent,
    TreatmentRecord,
    utc_now,
)
from medspa_desk.store import Actor, NotFound, Store
from ui.forms.pdf_view import Document
from ui.operations import Refusal


def consent_document(store: Store, *, actor: Actor, location: Location, client_id: UUID,
                     consent_id: UUID) -> Document:
    consent = next((c for c in store.consents_for(client_id, actor=actor) if c.id == consent_id), None)
    if consent is None:
        raise Refusal("This signed consent is not on this desk yet. Try again after the next sync.")
    client = store.client(client_id, actor=actor)
    contact = " · ".join(part for part in (location.address, location.phone) if part.strip())
    pdf = consent_pdf(consent, client=client, practice_name=location.name, zone=location.zone,
                      practice_contact=contact, visit=_visit_words(store, consent.appointment_id, location))
    return Document(pdf=pdf, title=f"{consent.title} (version {consent.template_version})",
                    entity=SignedConsent.entity, entity_id=consent.id, detail="consent_pdf",
                    file_name=f"consent-{consent.template_key}-v{consent.template_version}-"
                              f"{consent.signed_at:%Y%m%d}.pdf",
                    tamper=verify_signed(consent))


def _visit_words(store: Store, appointment_id: UUID | None, location: Location) -> str:
    """"Botox with Dana Reyes, NP on December 7, 2026" for the visit a consent was signed at."""
    if appointment_id is None:
        return ""
    try:
        visit = store.appointment(appointment_id)
    except NotFound:
        return ""
    service = next((s.name for s in store.services() if s.id == visit.service_id), "Treatment")
    provider = next((p.display_name + (f", {p.credentials}" if p.credentials else "")
                     for p in store.providers() if p.id == visit.provider_id), "the provider")
    return f"{service} with {provider} on {visit.starts_at.astimezone(location.zone):%B %-d, %Y}"


def _booked_categories(store: Store, client_id: UUID, *, actor: Actor) -> list[ServiceCategory]:
    """The kinds of treatment the client is booked for from today on (not cancelled)."""
    services = {s.id: s.category for s in store.services()}
    today = utc_now().date() - timedelta(days=1)  # a visit earlier today still counts, in any zone
    kinds = {services[a.service_id] for a in store.appointments_for(client_id, actor=actor)
             if a.holds_slot and a.starts_at.date() >= today and a.service_id in services}
    return [category for category in ServiceCategory if category in kinds]


def intake_findings(intake: IntakeForm, *, categories: Iterable[ServiceCategory] | None = None) -> list[Finding]:
    """The flags the answers raise for ``categories`` (the treatments booked; every kind when None),
    one line per rule: a summary never warns about a treatment the client is not having."""
    seen: dict[str, Finding] = {}
    for category in (ServiceCategory if categories is None else categories):
        for finding in evaluate(intake, category):
            seen.setdefault(finding.rule_id, finding)
    return sorted(seen.values(), key=lambda f: (f.outcome != "block", f.outcome != "provider_review"))


def intake_document(store: Store, *, actor: Actor, location: Location, client_id: UUID, intake_id: UUID) -> Document:
    intake = next((f for f in store.intakes_for(client_id, actor=actor) if f.id == intake_id), None)
    if intake is None:
        raise Refusal("This health questionnaire is not on this desk yet. Try again after the next sync.")
    questionnaire = shipped_questionnaire()
    if (intake.questionnaire_id, intake.questionnaire_version) != (questionnaire.id, questionnaire.version):
        raise Refusal(f"This questionnaire was answered on version {intake.questionnaire_version} of the form, "
                      "which this desk does not have. Update the app to print it.")
    client = store.client(client_id, actor=actor)
    pdf = intake_pdf(intake, client=client, questionnaire=questionnaire,
                     findings=intake_findings(intake, categories=_booked_categories(store, client_id, actor=actor)),
                     practice_name=location.name, zone=location.zone)
    return Document(pdf=pdf, title="Health questionnaire summary", entity=IntakeForm.entity,
                    entity_id=intake.id, detail="intake_pdf",
                    file_name=f"intake-{intake.submitted_at.astimezone(location.zone):%Y%m%d}.pdf",
                    tamper=verify_signed(intake))


def treatment_document(store: Store, *, actor: Actor, location: Location, treatment_id: UUID) -> Document:
    """A treatment record with its face chart, for the client's file and for printing (clinicians)."""
    record = store.treatment(treatment_id, actor=actor)
    client = store.client(record.client_id, actor=actor)
    names = {p.id: p.display_name for p in store.providers()}
    services = {s.id: s.name for s in store.services()}
    signer = next((u.display_name for u in store.users() if u.id == record.signed_by), "")
    pdf = treatment_pdf(record, client=client, practice_name=location.name, zone=location.zone,
                        provider_name=names.get(record.provider_id, "Provider"),
                        service_name=services.get(record.service_id, "Treatment"), signer_name=signer,
                        product_names={p.id: p.name for p in store.products()})
    day = record.performed_at.astimezone(location.zone)
    return Document(pdf=pdf, title=f"Treatment record, {day:%b %d %Y}", entity=TreatmentRecord.entity,
                    entity_id=record.id, detail="treatment_pdf", file_name=f"treatment-{day:%Y%m%d}.pdf")


def day_sheet_document(store: Store, *, actor: Actor, location: Location, day: date, privacy: bool) -> Document:
    appointments = store.day_schedule(location.id, day).appointments
    client_ids = dict.fromkeys(a.client_id for a in appointments if a.holds_slot)
    clients = {cid: store.client(cid, actor=actor) for cid in client_ids}
    services = {s.id: s for s in store.services()}
    flags = day_sheet_flags(store, appointments, clients=clients, services=services, location=location,
                            day=day, actor=actor, privacy=privacy)
    rows = day_sheet_rows(appointments, clients=clients, services=services,
                          providers={p.id: p for p in store.providers()},
                          rooms={r.id: r for r in store.rooms(location.id)}, flags=flags)
    pdf = day_sheet_pdf(practice_name=location.name, location=location, day=day, rows=rows,
                        initials_only=privacy)
    kind = "initials" if privacy else "names"
    return Document(pdf=pdf, title=f"Day sheet, {day:%A, %B %-d, %Y}", entity=Location.entity,
                    entity_id=location.id, detail=f"day_sheet {day.isoformat()} {kind}",
                    file_name=f"day-sheet-{day.isoformat()}{'-initials' if privacy else ''}.pdf")


# What the Flags column says of each check-in item (the reason follows unless the sheet is initials-only).
FLAG_WORDS = {Outcome.BLOCK: "Do not treat", Outcome.PROVIDER_REVIEW: "Provider review", Outcome.WARN: "Note"}


def day_sheet_flags(store: Store, appointments: Any, *, clients: dict[UUID, Client], services: dict[UUID, Service],
                    location: Location, day: date, actor: Actor, privacy: bool) -> dict[UUID, str]:
    """Per appointment: what check-in would stop or flag, allergies and alerts, and the booking's notes.

    An initials-only sheet is for where clients may see it: it names the kind
    of flag ("Do not treat", "Consent missing", "Allergy"), never the reason.
    """
    templates = latest_templates(store.consent_templates())
    forms: dict[UUID, tuple[list[Any], list[Any]]] = {
        cid: (store.intakes_for(cid, actor=actor), store.consents_for(cid, actor=actor)) for cid in clients}
    flags: dict[UUID, str] = {}
    for appt in appointments:
        client, service = clients.get(appt.client_id), services.get(appt.service_id)
        if client is None or service is None or not appt.holds_slot:
            continue
        intakes, consents = forms[appt.client_id]
        status = check_in_requirements(client=client, services=[service], intakes=intakes, consents=consents,
                                       today=day, zone=location.zone, templates=templates,
                                       intake_months_valid=location.intake_valid_months)
        lines = []
        for item in status.items:
            if item.finding is not None:
                word = FLAG_WORDS[item.finding.outcome]
                lines.append(word if privacy else f"{word}: {item.finding.reason}")
            elif item.consent_key:
                lines.append("Consent missing" if item.kind is ItemKind.CONSENT_MISSING else "Consent to renew")
            elif item.blocks:
                lines.append("Health questionnaire needed")
        for word, value in (("Allergy", client.allergies), ("Alert", client.alerts), ("Booking note", appt.notes)):
            if value.strip():
                lines.append(word if privacy else f"{word}: {value.strip()}")
        flags[appt.id] = "\n".join(lines)
    return flags
