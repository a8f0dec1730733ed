"""A client's whole record as an HL7 FHIR R4 Bundle: the right of access (45 CFR 164.524).

One ``collection`` Bundle holds the Patient (with AllergyIntolerance and Flag
for what the desk keeps as allergies and alerts), every Appointment, every
intake as a QuestionnaireResponse (its signature drawn as SVG in the standard
signature extension), every signed consent as a Consent whose source is the
signed PDF, every treatment as a Procedure with one MedicationAdministration
per product used (dose with its unit, site, and the lot number and expiry on
the Medication's batch), and photos as Media.

Resources are built with ``fhir.resources``' R4B models (R4-compatible for
every resource used here), so a bundle that would not validate is never
written. The builder is pure: records in, bundle out; ``right_of_access``
gathers the records from the store and audits the export.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from fhir.resources.R4B.bundle import Bundle

from medspa_desk.records import (
    Appointment,
    AppointmentStatus,
    Client,
    ContactConsent,
    IntakeForm,
    Location,
    Product,
    ProductUnit,
    Service,
    Signature,
    SignedConsent,
    TreatmentRecord,
)

SYSTEM = "urn:medspa-desk"
UCUM = "http://unitsofmeasure.org"
# UCUM: "[iU]" is an international unit (neurotoxins are dosed in units); a syringe is counted.
UCUM_CODES: Mapping[ProductUnit, tuple[str, str]] = {
    ProductUnit.UNITS: ("[iU]", "units"),
    ProductUnit.ML: ("mL", "mL"),
    ProductUnit.SYRINGE: ("{syringe}", "syringe"),
}
APPOINTMENT_STATUS: Mapping[AppointmentStatus, str] = {
    AppointmentStatus.BOOKED: "booked",
    AppointmentStatus.CONFIRMED: "booked",
    AppointmentStatus.ARRIVED: "arrived",
    AppointmentStatus.IN_ROOM: "arrived",
    AppointmentStatus.COMPLETED: "fulfilled",
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.NO_SHOW: "noshow",
}
SIGNATURE_TYPE = {"system": "urn:iso-astm:E1762-95:2013", "code": "1.2.840.10065.1.12.1.7",
                  "display": "Consent Signature"}


@dataclass(frozen=True)
class PhotoCopy:
    """One photo's bytes, read (and audited as a view) by whoever gathers the record."""

    id: UUID
    treatment_id: UUID
    kind: str
    media_type: str
    taken_at: datetime
    image: bytes


@dataclass(frozen=True)
class ClientRecord:
    """Everything the bundle carries for one client, with the practice's names for its ids."""

    client: Client
    location: Location
    appointments: Sequence[Appointment] = ()
    intakes: Sequence[IntakeForm] = ()
    consents: Sequence[SignedConsent] = ()
    treatments: Sequence[TreatmentRecord] = ()
    photos: Sequence[PhotoCopy] = ()
    contact_preferences: Sequence[ContactConsent] = ()  # the whole record of yes and no, oldest first
    services: Mapping[UUID, Service] = field(default_factory=dict)
    products: Mapping[UUID, Product] = field(default_factory=dict)
    providers: Mapping[UUID, str] = field(default_factory=dict)
    question_texts: Mapping[str, str] = field(default_factory=dict)


def _ref(kind: str, ident: UUID | str) -> dict[str, str]:
    return {"reference": f"urn:uuid:{ident}"} | ({"type": kind} if kind else {})


def _when(moment: datetime) -> str:
    return moment.isoformat()


def _identifier(kind: str, ident: UUID | str) -> list[dict[str, str]]:
    return [{"system": f"{SYSTEM}:{kind}", "value": str(ident)}]


def _digest_identifier(sha256: str) -> dict[str, str]:
    return {"system": f"{SYSTEM}:content-sha256", "value": sha256}


def signature_svg(signature: Signature) -> bytes:
    """The pen strokes as an SVG drawing in the pad's own coordinates."""
    paths = []
    for stroke in signature.strokes:
        if not stroke:
            continue
        (x0, y0), rest = stroke[0], stroke[1:]
        points = " ".join(f"L{x:.1f},{y:.1f}" for x, y in rest)
        paths.append(f'<path d="M{x0:.1f},{y0:.1f} {points}" fill="none" stroke="black" stroke-width="2"/>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{signature.width:.0f}" '
            f'height="{signature.height:.0f}" viewBox="0 0 {signature.width:.1f} {signature.height:.1f}">'
            + "".join(paths) + "</svg>").encode("utf-8")


def _patient(record: ClientRecord) -> dict[str, Any]:
    c = record.client
    names = [{"use": "official", "family": c.last_name, "given": [c.first_name]}]
    if c.preferred_name:
        names.append({"use": "usual", "given": [c.preferred_name], "family": c.last_name})
    telecom = [{"system": system, "value": value} for system, value in (("phone", c.phone), ("email", c.email))
               if value]
    patient: dict[str, Any] = {"resourceType": "Patient", "id": str(c.id),
                               "identifier": _identifier("client", c.id), "active": not c.deleted,
                               "name": names, "birthDate": c.birth_date.isoformat()}
    if telecom:
        patient["telecom"] = telecom
    if c.address:
        patient["address"] = [{"text": c.address}]
    if c.emergency_contact:
        patient["contact"] = [{"relationship": [{"text": "Emergency contact"}],
                               "name": {"text": c.emergency_contact}}]
    return patient


def _allergy_and_alert(record: ClientRecord) -> list[dict[str, Any]]:
    c, out = record.client, []
    if c.allergies.strip():
        out.append({"resourceType": "AllergyIntolerance", "id": _derived_id("allergies", c.id),
                    "patient": _ref("Patient", c.id), "code": {"text": c.allergies},
                    "clinicalStatus": {"coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                        "code": "active"}]}})
    if c.alerts.strip():
        out.append({"resourceType": "Flag", "id": _derived_id("alerts", c.id), "status": "active",
                    "subject": _ref("Patient", c.id), "code": {"text": c.alerts}})
    return out


def _appointment(record: ClientRecord, appt: Appointment) -> dict[str, Any]:
    service = record.services.get(appt.service_id)
    resource: dict[str, Any] = {
        "resourceType": "Appointment", "id": str(appt.id), "identifier": _identifier("appointment", appt.id),
        "status": APPOINTMENT_STATUS[appt.status], "start": _when(appt.starts_at), "end": _when(appt.ends_at),
        "participant": [
            {"actor": _ref("Patient", record.client.id) | {"display": record.client.full_name},
             "status": "accepted"},
            {"actor": {"display": record.providers.get(appt.provider_id, "Provider")}, "status": "accepted"}],
    }
    if service is not None:
        resource["serviceType"] = [{"text": service.name}]
        resource["description"] = service.name
    if appt.notes:
        resource["comment"] = appt.notes
    if appt.cancel_reason:
        resource["cancelationReason"] = {"text": appt.cancel_reason}
    return resource


def _answer_values(value: Any) -> list[dict[str, Any]]:
    values = value if isinstance(value, list | tuple) else [value]
    out: list[dict[str, Any]] = []
    for v in values:
        if isinstance(v, bool):
            out.append({"valueBoolean": v})
        elif isinstance(v, int):
            out.append({"valueInteger": v})
        elif isinstance(v, float):
            out.append({"valueDecimal": v})
        elif v is not None and str(v) != "":
            out.append({"valueString": str(v)})
    return out


def _signature(signature: Signature, *, when: datetime, who: dict[str, Any]) -> dict[str, Any]:
    return {"type": [SIGNATURE_TYPE], "when": _when(when), "who": who, "sigFormat": "image/svg+xml",
            "data": base64.b64encode(signature_svg(signature)).decode("ascii")}


def _questionnaire_response(record: ClientRecord, form: IntakeForm) -> dict[str, Any]:
    items = []
    for key, value in form.answers.items():
        answers = _answer_values(value)
        item: dict[str, Any] = {"linkId": key, "text": record.question_texts.get(key, key)}
        if answers:
            item["answer"] = answers
        items.append(item)
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse", "id": str(form.id),
        "identifier": _digest_identifier(form.content_sha256),
        "questionnaire": f"{SYSTEM}:questionnaire:{form.questionnaire_id}|{form.questionnaire_version}",
        "status": "completed", "subject": _ref("Patient", record.client.id),
        "authored": _when(form.submitted_at), "author": {"display": form.signer_name}, "item": items}
    if form.signature is not None:
        resource["extension"] = [{
            "url": "http://hl7.org/fhir/StructureDefinition/questionnaireresponse-signature",
            "valueSignature": _signature(form.signature, when=form.submitted_at,
                                         who={"display": form.signer_name})}]
    return resource


def _consent(record: ClientRecord, consent: SignedConsent, pdf: bytes) -> dict[str, Any]:
    return {
        "resourceType": "Consent", "id": str(consent.id),
        "identifier": [_digest_identifier(consent.content_sha256)],
        "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                              "code": "treatment"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}],
                      "text": consent.title}],
        "patient": _ref("Patient", record.client.id), "dateTime": _when(consent.signed_at),
        "performer": [{"display": consent.signer_name}],
        "policyRule": {"text": f"{consent.title}, version {consent.template_version}"},
        "sourceAttachment": {"contentType": "application/pdf", "title": f"{consent.title} (signed)",
                             "data": base64.b64encode(pdf).decode("ascii"), "size": len(pdf),
                             "hash": base64.b64encode(hashlib.sha1(pdf, usedforsecurity=False).digest())
                             .decode("ascii"),
                             "creation": _when(consent.signed_at)},
    }


def _derived_id(*parts: object) -> str:
    """A stable name-based UUID (SHA-256, version bits of 5) for a resource kept inside another record."""
    return str(UUID(bytes=hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:16], version=5))


def _treatment(record: ClientRecord, t: TreatmentRecord,
               medications: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    service = record.services.get(t.service_id)
    provider = record.providers.get(t.provider_id, "Provider")
    notes = [n for n in (t.clinical_notes, t.post_care and f"Post-care: {t.post_care}") if n]
    notes += [f"Addendum by {a.author_name}, {a.written_at.isoformat()}: {a.text}" for a in t.addenda]
    procedure: dict[str, Any] = {
        "resourceType": "Procedure", "id": str(t.id),
        "identifier": [_digest_identifier(t.content_sha256)] if t.content_sha256 else _identifier("treatment", t.id),
        "status": "completed" if t.signed_at else "in-progress",
        "code": {"text": service.name if service else "Treatment"},
        "subject": _ref("Patient", record.client.id), "performedDateTime": _when(t.performed_at),
        "performer": [{"actor": {"display": provider}}],
    }
    areas = sorted({u.area for u in t.products} | {p.area for p in t.points})
    if areas:
        procedure["bodySite"] = [{"text": a} for a in areas]
    if notes:
        procedure["note"] = [{"text": n} for n in notes]
    if t.appointment_id:
        procedure["encounter"] = {"display": f"Appointment {t.appointment_id}"}
    out = [procedure]
    for index, use in enumerate(t.products):
        med_id = _derived_id("medication", use.product_id, use.lot)
        product = record.products.get(use.product_id)
        medication: dict[str, Any] = {"resourceType": "Medication", "id": med_id,
                                      "code": {"text": use.product_name},
                                      "batch": {"lotNumber": use.lot, "expirationDate": use.expiry.isoformat()}}
        if product is not None and product.manufacturer:
            medication["manufacturer"] = {"display": product.manufacturer}
        medications.setdefault(med_id, medication)
        code, unit = UCUM_CODES[use.unit]
        out.append({
            "resourceType": "MedicationAdministration", "id": _derived_id("administration", t.id, index), "status": "completed",
            "medicationReference": _ref("Medication", med_id) | {"display": use.product_name},
            "subject": _ref("Patient", record.client.id), "effectiveDateTime": _when(t.performed_at),
            "partOf": [_ref("Procedure", t.id)], "performer": [{"actor": {"display": provider}}],
            "dosage": {"site": {"text": use.area},
                       "dose": {"value": use.amount, "unit": unit, "system": UCUM, "code": code}},
            "note": [{"text": f"Lot {use.lot}, expires {use.expiry.isoformat()}"}]})
    return out


def _media(record: ClientRecord, photo: PhotoCopy) -> dict[str, Any]:
    return {"resourceType": "Media", "id": str(photo.id), "status": "completed",
            "subject": _ref("Patient", record.client.id), "partOf": [_ref("Procedure", photo.treatment_id)],
            "createdDateTime": _when(photo.taken_at), "note": [{"text": f"{photo.kind} photo"}],
            "content": {"contentType": photo.media_type, "size": len(photo.image),
                        "data": base64.b64encode(photo.image).decode("ascii"),
                        "title": f"{photo.kind.capitalize()} photo"}}


def client_bundle(record: ClientRecord, *, consent_pdf: Callable[[SignedConsent], bytes],
                  generated_at: datetime) -> Bundle:
    """The validated Bundle; raises pydantic's ValidationError if any resource would be invalid."""
    resources: list[dict[str, Any]] = [_patient(record), *_allergy_and_alert(record)]
    resources += [_appointment(record, a) for a in sorted(record.appointments, key=lambda a: a.starts_at)]
    resources += [_questionnaire_response(record, f) for f in sorted(record.intakes, key=lambda f: f.submitted_at)]
    resources += [_consent(record, c, consent_pdf(c)) for c in sorted(record.consents, key=lambda c: c.signed_at)]
    medications: dict[str, dict[str, Any]] = {}
    for t in sorted(record.treatments, key=lambda t: t.performed_at):
        resources += _treatment(record, t, medications)
    resources += list(medications.values())
    resources += [_media(record, p) for p in record.photos]
    return Bundle.model_validate({
        "resourceType": "Bundle", "id": str(record.client.id), "type": "collection",
        "timestamp": _when(generated_at),
        "identifier": {"system": f"{SYSTEM}:right-of-access", "value": f"{record.client.id}"},
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources]})
