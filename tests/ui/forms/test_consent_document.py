"""Issue 15: a consent PDF a clinic would file: the practice's address and phone, the visit's
treatment, provider and date, and the form's title, never its internal key or time-zone id."""

from __future__ import annotations

import io

from pypdf import PdfReader

from medspa_desk.documents.consents import shipped_templates, sign
from medspa_desk.records import utc_now
from tests.ui.forms.signed import SIGNATURE
from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from ui.forms.documents import consent_document
from ui.operations import db_worker


def test_the_consent_pdf_names_the_practice_the_visit_and_the_forms_title(desk: Desk) -> None:  # noqa: F811
    location = desk.location.model_copy(update={"address": "120 Main Street, Hoboken, NJ 07030",
                                                "phone": "(555) 010-2000"})
    client = desk.add_client("Iris", "Irwin")
    visit = desk.book(client, day=desk.today, hour=11)
    consent = sign(shipped_templates()["neurotoxin"], client=client, signer_name=client.full_name,
                   signature=SIGNATURE, signed_at=utc_now(), witness=desk.user, appointment_id=visit.id)
    desk.run(lambda store: store.sign_consent(consent, actor=desk.actor))
    document = db_worker().run_sync(lambda store: consent_document(
        store, actor=desk.actor, location=location, client_id=client.id, consent_id=consent.id))
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(document.pdf)).pages)
    assert "120 Main Street, Hoboken, NJ 07030 · (555) 010-2000" in text
    assert f"Botox with Dana Reyes, NP on {desk.today:%B %-d, %Y}" in text
    assert f"{consent.title}, version 1" in text
    assert "neurotoxin, version" not in text and "America/New_York" not in text
