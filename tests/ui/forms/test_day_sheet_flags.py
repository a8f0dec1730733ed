"""Issue 15: the day sheet's Flags column says what check-in would say, and carries booking notes;
an initials-only sheet names the kind of flag, never the reason."""

from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader

from medspa_desk.records import Appointment
from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from tests.ui.screens import botox_with_health_check, submit_intake_raising_a_block
from ui.forms.documents import day_sheet_document
from ui.operations import db_worker


def _sheet_text(desk: Desk, *, privacy: bool) -> str:  # noqa: F811
    document = db_worker().run_sync(lambda store: day_sheet_document(
        store, actor=desk.actor, location=desk.location, day=desk.today, privacy=privacy))
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(document.pdf)).pages)


def _flagged_day(desk: Desk) -> None:  # noqa: F811
    """Theodora (latex allergy, pregnant per her questionnaire) booked for Botox today, with a note."""
    client = desk.add_client("Theodora", "Vanterpool", allergies="Latex")
    submit_intake_raising_a_block(desk, client)
    service = desk.services[botox_with_health_check(desk)]
    starts = desk.at(desk.today, 13)
    visit = Appointment(location_id=desk.location.id, client_id=client.id, provider_id=desk.injector.id,
                        room_id=desk.rooms["room1"].id, service_id=service.id, starts_at=starts,
                        ends_at=starts + timedelta(minutes=service.duration_min),
                        notes="Prefers the left entrance")
    desk.run(lambda store: store.book(visit, actor=desk.actor))


def test_the_flags_column_names_the_block_the_missing_consent_and_the_allergy(desk: Desk) -> None:  # noqa: F811
    _flagged_day(desk)
    text = _sheet_text(desk, privacy=False)
    assert "Do not treat: Injectables are not given during pregnancy" in text
    assert "Consent missing" in text and "Allergy: Latex" in text
    assert "Booking note: Prefers the left entrance" in text


def test_an_initials_only_sheet_says_the_kind_of_flag_not_the_reason(desk: Desk) -> None:  # noqa: F811
    _flagged_day(desk)
    text = _sheet_text(desk, privacy=True)
    assert "Do not treat" in text and "Allergy" in text
    assert "pregnan" not in text.lower() and "Latex" not in text and "left entrance" not in text
