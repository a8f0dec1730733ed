from __future__ import annotations

import base64
import hashlib
import io
import json
import os

from fhir.resources.R4B.bundle import Bundle
from PIL import Image

from medspa_desk.compliance.right_of_access import FHIR_DETAIL, export_client_fhir
from medspa_desk.records import AuditAction
from medspa_desk.store.photos import PhotoKind, add_photo


def _client_with_everything(demo):
    """The demo client with the most charted product uses who also signed a consent and an intake."""
    signed = {c.client_id for c in demo.consents} & {f.client_id for f in demo.intakes if f.signature}
    uses: dict = {}
    for t in demo.treatments:
        if t.client_id in signed and t.products:
            uses[t.client_id] = uses.get(t.client_id, 0) + len(t.products)
    return max(uses, key=lambda k: uses[k])


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.frombytes("RGB", (32, 32), os.urandom(32 * 32 * 3)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_clients_fhir_bundle_validates_round_trips_and_carries_every_lot_and_signature(
        store, demo, injector, manager, tmp_path):
    client_id = _client_with_everything(demo)
    treatments = [t for t in demo.treatments if t.client_id == client_id]
    photo = _png()
    add_photo(store, client_id=client_id, treatment_id=treatments[0].id, kind=PhotoKind.AFTER, image=photo,
              actor=injector)
    before = store.audit.count()

    path = export_client_fhir(store, client_id=client_id, actor=manager, location=demo.location,
                              path=tmp_path / "record.json")

    raw = path.read_bytes()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    bundle = Bundle.model_validate_json(raw)  # validates every resource against the R4B models
    assert Bundle.model_validate_json(bundle.model_dump_json()).model_dump() == bundle.model_dump()
    document = json.loads(raw)  # strict JSON: the standard parser reads it whole
    by_type: dict[str, list[dict]] = {}
    for entry in document["entry"]:
        by_type.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"

    client = next(c for c in demo.clients if c.id == client_id)
    [patient] = by_type["Patient"]
    assert patient["birthDate"] == client.birth_date.isoformat()
    assert patient["name"][0] == {"use": "official", "family": client.last_name, "given": [client.first_name]}
    assert {a["id"] for a in by_type["Appointment"]} == \
        {str(a.id) for a in demo.appointments if a.client_id == client_id}

    lots = {(u.product_name, u.lot, u.expiry.isoformat()) for t in treatments for u in t.products}
    batches = {(m["code"]["text"], m["batch"]["lotNumber"], m["batch"]["expirationDate"])
               for m in by_type["Medication"]}
    assert lots == batches
    doses = sorted((a["dosage"]["site"]["text"], a["dosage"]["dose"]["value"], a["dosage"]["dose"]["unit"])
                   for a in by_type["MedicationAdministration"])
    assert doses == sorted((u.area, u.amount, str(u.unit)) for t in treatments for u in t.products)
    assert {p["id"] for p in by_type["Procedure"]} == {str(t.id) for t in treatments}

    consents = [c for c in demo.consents if c.client_id == client_id]
    assert len(by_type["Consent"]) == len(consents)
    for resource in by_type["Consent"]:
        pdf = base64.b64decode(resource["sourceAttachment"]["data"])
        assert pdf.startswith(b"%PDF")
        assert base64.b64decode(resource["sourceAttachment"]["hash"]) == hashlib.sha1(pdf, usedforsecurity=False).digest()
    assert {c["identifier"][0]["value"] for c in by_type["Consent"]} == {c.content_sha256 for c in consents}
    signed_intakes = [f for f in demo.intakes if f.client_id == client_id and f.signature]
    signatures = [r for r in by_type["QuestionnaireResponse"] if r.get("extension")]
    assert len(signatures) == len(signed_intakes)
    for response in signatures:
        svg = base64.b64decode(response["extension"][0]["valueSignature"]["data"])
        assert svg.startswith(b"<svg") and b"<path" in svg
    [media] = by_type["Media"]
    assert base64.b64decode(media["content"]["data"]) == photo

    events = store.audit.events(after_position=before)
    exports = [e for e in events if e.action is AuditAction.EXPORT]
    assert [(e.entity_id, e.detail, e.outcome, e.actor_user_id) for e in exports] == \
        [(client_id, FHIR_DETAIL, "ok", manager.user_id)]
    assert any(e.action is AuditAction.VIEW and e.entity_id == client_id for e in events)


def test_a_failed_fhir_export_is_audited_as_failed_and_names_the_folder(store, demo, manager, tmp_path):
    client_id = _client_with_everything(demo)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    before = store.audit.count()
    try:
        export_client_fhir(store, client_id=client_id, actor=manager, location=demo.location,
                           path=blocked / "record.json")
    except Exception as exc:  # the store's plain message
        assert "Pick another folder" in str(exc) and str(blocked) in str(exc)
    else:
        raise AssertionError("writing under a file must fail")
    exports = [e for e in store.audit.events(after_position=before) if e.action is AuditAction.EXPORT]
    assert [(e.outcome, e.detail) for e in exports] == [("failed", FHIR_DETAIL)]


def test_the_readable_copy_holds_every_visit_treatment_consent_and_intake_in_one_audited_pdf(
        store, demo, manager, tmp_path):
    import io

    from pypdf import PdfReader

    from medspa_desk.compliance.right_of_access import PDF_DETAIL, export_right_of_access

    client_id = _client_with_everything(demo)
    client = next(c for c in demo.clients if c.id == client_id)
    before = store.audit.count()

    pdf_path, fhir_path = export_right_of_access(store, client_id=client_id, actor=manager, location=demo.location,
                                                 pdf_path=tmp_path / "record.pdf", fhir_path=tmp_path / "record.json")

    reader = PdfReader(io.BytesIO(pdf_path.read_bytes()))
    words = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert client.full_name in words and f"{client.birth_date:%B %-d, %Y}" in words
    treatments = [t for t in demo.treatments if t.client_id == client_id]
    consents = [c for c in demo.consents if c.client_id == client_id]
    assert words.count("Treatment record —") == len(treatments)
    for lot in {u.lot for t in treatments for u in t.products}:
        assert lot in words
    for consent in consents:
        assert consent.title in words
    visits = [a for a in demo.appointments if a.client_id == client_id]
    assert words.count("Completed") >= sum(a.status.value == "completed" for a in visits)
    assert Bundle.model_validate_json(fhir_path.read_bytes()).type == "collection"
    exports = [(e.detail, e.outcome) for e in store.audit.events(after_position=before)
               if e.action is AuditAction.EXPORT]
    assert exports == [(PDF_DETAIL, "ok"), (FHIR_DETAIL, "ok")]


def test_each_signed_consent_is_drawn_once_for_both_copies_and_the_bundle_carries_that_drawing(
        store, demo, manager, tmp_path, monkeypatch):
    """The readable PDF and the FHIR bundle come from one drawing of each consent (it was drawn twice)."""
    import sys

    from medspa_desk.compliance.right_of_access import export_right_of_access
    from medspa_desk.documents.pdf import consent_pdf

    drawn: list[bytes] = []

    def drawing_counted(*args, **kwargs):
        drawn.append(consent_pdf(*args, **kwargs))
        return drawn[-1]

    # Every module of the compliance package that holds the drawing function counts through it.
    for name, module in list(sys.modules.items()):
        if name.startswith("medspa_desk.compliance") and getattr(module, "consent_pdf", None) is consent_pdf:
            monkeypatch.setattr(module, "consent_pdf", drawing_counted)
    client_id = _client_with_everything(demo)
    consents = [c for c in demo.consents if c.client_id == client_id]
    assert consents

    _pdf, fhir_path = export_right_of_access(store, client_id=client_id, actor=manager, location=demo.location,
                                            pdf_path=tmp_path / "record.pdf", fhir_path=tmp_path / "record.json")

    assert len(drawn) == len(consents)
    bundle = json.loads(fhir_path.read_bytes())
    attached = [base64.b64decode(attachment["data"])
                for entry in bundle["entry"] if entry["resource"]["resourceType"] == "Consent"
                for attachment in [entry["resource"]["sourceAttachment"]]]
    assert sorted(attached) == sorted(drawn)
