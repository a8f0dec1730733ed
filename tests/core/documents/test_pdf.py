from __future__ import annotations

import io
import subprocess
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from medspa_desk.documents.consents import import_template_text, shipped_templates, sign
from medspa_desk.documents.pdf import consent_pdf, day_sheet_pdf, day_sheet_rows, intake_pdf
from medspa_desk.documents.questionnaire import build_intake, shipped_questionnaire
from medspa_desk.documents.rules import evaluate
from medspa_desk.records import (
    Appointment,
    AppointmentStatus,
    Location,
    Provider,
    ProviderKind,
    Role,
    Room,
    Service,
    ServiceCategory,
    SignedConsent,
)
from tests.core.documents.samples import (
    PRACTICE,
    ZONE,
    at,
    client,
    healthy_answers,
    signature,
    staff,
)

CLIENT = client()


def signed(key: str = "neurotoxin", **kw) -> SignedConsent:
    return sign(shipped_templates()[key], client=CLIENT, signer_name="Zoë Ångström-Núñez", signature=signature(),
                signed_at=at(2025, 3, 9, 14, 5), **({"witness": None} | kw))


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def render_pages(data: bytes, folder: Path) -> list[Path]:
    source = folder / "doc.pdf"
    source.write_bytes(data)
    done = subprocess.run(["pdftoppm", "-png", "-r", "50", str(source), str(folder / "page")],
                          capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    pages = sorted(folder.glob("page*.png"))
    assert pages and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 2000 for p in pages)
    return pages


def test_signed_consent_pdf_holds_name_birth_date_version_hash_and_page_numbers() -> None:
    consent = signed()
    text = pdf_text(consent_pdf(consent, client=CLIENT, practice_name=PRACTICE, zone=ZONE))
    assert "Zoë Ångström-Núñez" in text
    assert "April 17, 1988" in text
    assert f"{consent.title}, version 1" in " ".join(text.split()) and "neurotoxin, version" not in text
    assert consent.content_sha256 in text
    assert "March 9, 2025 at 2:05 PM EDT" in text and "America/New_York" not in text
    assert PRACTICE in text
    pages = len(PdfReader(io.BytesIO(consent_pdf(consent, client=CLIENT, practice_name=PRACTICE,
                                                 zone=ZONE))).pages)
    assert pages >= 2 and f"Page {pages} of {pages}" in text and f"Page 1 of {pages}" in text


def test_the_whole_consent_text_is_printed() -> None:
    consent = signed("laser_hair_removal")
    text = " ".join(pdf_text(consent_pdf(consent, client=CLIENT, practice_name=PRACTICE, zone=ZONE)).split())
    for sentence in ("Hair reduction, not permanent removal, is the expected result.",
                     "You must keep your eye protection on the whole time.",
                     "I may withdraw this consent at any time."):
        assert sentence in text


def test_signature_is_drawn_as_vector_strokes_not_an_image() -> None:
    data = consent_pdf(signed(), client=CLIENT, practice_name=PRACTICE, zone=ZONE)
    reader = PdfReader(io.BytesIO(data))
    last = reader.pages[-1]
    assert not last.images
    content = last.get_contents().get_data().decode("latin-1")
    points = sum(len(s) for s in signature().strokes)
    assert content.count(" l\n") + content.count(" l ") >= points - len(signature().strokes)


def test_a_witnessed_consent_names_the_witness() -> None:
    consent = signed("iv_therapy", witness=staff(Role.PROVIDER, "Kim Lee, RN"))
    assert "Kim Lee, RN" in pdf_text(consent_pdf(consent, client=CLIENT, practice_name=PRACTICE, zone=ZONE))


def test_a_consent_signed_on_an_old_version_prints_that_version() -> None:
    v1 = shipped_templates()["chemical_peel"]
    v2 = import_template_text("chemical_peel", "Peel consent (practice wording)", "New practice wording.",
                              previous=v1)
    old = signed("chemical_peel")
    new = sign(v2, client=CLIENT, signer_name="Zoë", signature=signature(), signed_at=at(2025, 4, 1), witness=None)
    old_text = pdf_text(consent_pdf(old, client=CLIENT, practice_name=PRACTICE, zone=ZONE))
    new_text = pdf_text(consent_pdf(new, client=CLIENT, practice_name=PRACTICE, zone=ZONE))
    assert f"{old.title}, version 1" in " ".join(old_text.split()) and "Do not pick, peel or scrub" in old_text
    assert "Peel consent (practice wording), version 2" in " ".join(new_text.split())
    assert "New practice wording." in new_text
    assert "chemical_peel" not in old_text + new_text  # internal keys stay off the page


def test_a_tampered_consent_prints_the_warning() -> None:
    forged = signed().model_copy(update={"body": "Nothing can go wrong."})
    text = pdf_text(consent_pdf(forged, client=CLIENT, practice_name=PRACTICE, zone=ZONE))
    assert "altered since it was signed" in text


def test_a_consent_cannot_be_printed_under_another_clients_name() -> None:
    with pytest.raises(ValueError, match="different client"):
        consent_pdf(signed(), client=client(first_name="Other"), practice_name=PRACTICE, zone=ZONE)


def test_intake_summary_shows_flags_and_answers_in_words() -> None:
    q = shipped_questionnaire()
    intake = build_intake(q, client=CLIENT, submitted_at=at(2025, 3, 9), signer_name="Zoë Ångström-Núñez",
                          signature=signature(),
                          answers=healthy_answers(has_allergies=True, allergy_list=["hyaluronidase", "latex"]))
    findings = evaluate(intake, ServiceCategory.DERMAL_FILLER)
    text = " ".join(pdf_text(intake_pdf(intake, client=CLIENT, questionnaire=q, findings=findings,
                                        practice_name=PRACTICE, zone=ZONE)).split())
    assert "Provider review" in text and "could not be dissolved in an emergency" in text
    assert "Hyaluronidase (Hylenex, Vitrase) or bee stings; Latex" in text
    assert f"{q.title}, version 1" in text and intake.content_sha256 in text
    assert "medspa_health_intake" not in text and "Dermal filler" in text  # titles and words, not ids
    assert "Zoë Ångström-Núñez" in text


def _day(*, second_visit_notes: str = "") -> tuple[Location, list]:
    location = Location(name="Midtown", time_zone="America/New_York")
    provider = Provider(display_name="Dana Reyes, NP", kind=ProviderKind.INJECTOR)
    room = Room(location_id=location.id, name="Room 2")
    service = Service(name="Lip filler", category=ServiceCategory.DERMAL_FILLER, duration_min=45)
    people = [client(), client(first_name="Ngozi", last_name="Okafor"), client(first_name="Lars", last_name="Berg")]
    start = at(2025, 3, 20, 9)
    appointments = [Appointment(location_id=location.id, client_id=p.id, provider_id=provider.id, room_id=room.id,
                                service_id=service.id, starts_at=start + timedelta(hours=i),
                                ends_at=start + timedelta(hours=i, minutes=45))
                    for i, p in enumerate(people)]
    appointments[2] = appointments[2].model_copy(update={"status": AppointmentStatus.CANCELLED,
                                                         "cancel_reason": "sick"})
    appointments[1] = appointments[1].model_copy(update={"notes": second_visit_notes})
    rows = day_sheet_rows(appointments, clients={p.id: p for p in people}, services={service.id: service},
                          providers={provider.id: provider}, rooms={room.id: room},
                          flags={appointments[0].id: "Consent missing"})
    return location, rows


def test_day_sheet_lists_the_days_appointments_with_names() -> None:
    location, rows = _day()
    text = pdf_text(day_sheet_pdf(practice_name=PRACTICE, location=location, day=date(2025, 3, 20), rows=rows,
                                  initials_only=False))
    assert "Zoë Ångström-Núñez" in text and "Ngozi Okafor" in text and "Lars Berg" not in text  # cancelled
    assert "9:00–9:45 AM" in text and "Consent missing" in text and "2 appointments" in text


def test_day_sheet_privacy_option_prints_initials_only() -> None:
    location, rows = _day()
    text = pdf_text(day_sheet_pdf(practice_name=PRACTICE, location=location, day=date(2025, 3, 20), rows=rows,
                                  initials_only=True))
    assert "ZÅ" in text and "NO" in text
    assert "Ngozi" not in text and "Okafor" not in text and "555-201-3344" not in text


def test_every_document_renders_to_png_with_pdftoppm(tmp_path: Path) -> None:
    q = shipped_questionnaire()
    intake = build_intake(q, client=CLIENT, submitted_at=at(2025, 3, 9), signer_name="Zoë", signature=signature(),
                          answers=healthy_answers(keloids=True))
    location, rows = _day()
    documents = {
        "consent": consent_pdf(signed(), client=CLIENT, practice_name=PRACTICE, zone=ZONE),
        "intake": intake_pdf(intake, client=CLIENT, questionnaire=q, practice_name=PRACTICE, zone=ZONE,
                             findings=evaluate(intake, ServiceCategory.MICRONEEDLING)),
        "day_sheet": day_sheet_pdf(practice_name=PRACTICE, location=location, day=date(2025, 3, 20), rows=rows,
                                   initials_only=True),
    }
    for name, data in documents.items():
        folder = tmp_path / name
        folder.mkdir()
        assert len(render_pages(data, folder)) == len(PdfReader(io.BytesIO(data)).pages)


def test_rendering_writes_nothing_to_the_temp_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "tmp"
    empty.mkdir()
    monkeypatch.setenv("TMPDIR", str(empty))
    monkeypatch.setattr(tempfile, "tempdir", None)  # make tempfile look at TMPDIR again
    assert tempfile.gettempdir() == str(empty)
    q = shipped_questionnaire()
    intake = build_intake(q, client=CLIENT, submitted_at=at(2025, 3, 9), signer_name="Zoë",
                          answers=healthy_answers())
    location, rows = _day()
    outputs = [consent_pdf(signed(), client=CLIENT, practice_name=PRACTICE, zone=ZONE),
               intake_pdf(intake, client=CLIENT, questionnaire=q, findings=[], practice_name=PRACTICE, zone=ZONE),
               day_sheet_pdf(practice_name=PRACTICE, location=location, day=date(2025, 3, 20), rows=rows,
                             initials_only=False)]
    assert all(o.startswith(b"%PDF-") for o in outputs)
    assert list(empty.iterdir()) == []


def test_day_sheet_shows_a_bookings_notes_but_not_on_a_privacy_print() -> None:
    location, rows = _day(second_visit_notes="Bring her sunglasses back")

    named = pdf_text(day_sheet_pdf(practice_name=PRACTICE, location=location, day=date(2025, 3, 20), rows=rows,
                                   initials_only=False))
    private = pdf_text(day_sheet_pdf(practice_name=PRACTICE, location=location, day=date(2025, 3, 20), rows=rows,
                                     initials_only=True))

    assert "Note: Bring her sunglasses back" in " ".join(named.split())  # the cell wraps
    assert "sunglasses" not in private


def test_every_page_of_a_consent_names_the_client_and_birth_date_never_initials_that_read_as_na(
        tmp_path: Path) -> None:
    """Issue 15: the footer printed the client's initials: "NA" for Nina Alvarez, read as "not applicable"."""
    nina = client(first_name="Nina", last_name="Alvarez", birth_date=date(1990, 2, 3))
    consent = sign(shipped_templates()["laser_hair_removal"], client=nina, signer_name="Nina Alvarez",
                   signature=signature(), signed_at=at(2025, 3, 9, 14, 5), witness=None)
    data = consent_pdf(consent, client=nina, practice_name=PRACTICE, zone=ZONE)
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
    assert len(pages) >= 2
    for page in pages:
        assert "Nina Alvarez, born Feb 3, 1990" in page
        assert "NA" not in page.split()
        assert "· NA ·" not in page
    render_pages(data, tmp_path)
