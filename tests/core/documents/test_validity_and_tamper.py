from __future__ import annotations

from datetime import date

import pytest

from medspa_desk.documents.consents import shipped_templates, sign
from medspa_desk.documents.questionnaire import build_intake, shipped_questionnaire
from medspa_desk.documents.sealing import verify_signed
from medspa_desk.documents.validity import add_months, intake_expires_on, intake_is_current
from medspa_desk.records import IntakeForm, SignedConsent
from tests.core.documents.samples import ZONE, at, client, healthy_answers, signature


def intake(when=None) -> IntakeForm:
    return build_intake(shipped_questionnaire(), client=client(), answers=healthy_answers(),
                        submitted_at=when or at(2025, 1, 31, 22, 30), signer_name="Zoë Ångström-Núñez",
                        signature=signature())


def consent() -> SignedConsent:
    return sign(shipped_templates()["neurotoxin"], client=client(), signer_name="Zoë Ångström-Núñez",
                signature=signature(), signed_at=at(2025, 3, 9), witness=None)


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2025, 1, 31), 1, date(2025, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2025, 11, 15), 3, date(2026, 2, 15)),
    (date(2025, 6, 30), 12, date(2026, 6, 30)),
])
def test_months_are_added_on_the_calendar(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_intake_expires_after_the_practice_set_months_in_the_location_calendar() -> None:
    form = intake()  # 10:30 pm in New York on Jan 31 is already Feb 1 in UTC
    assert intake_expires_on(form, months_valid=6, zone=ZONE) == date(2025, 7, 31)
    assert intake_is_current(form, today=date(2025, 7, 30), months_valid=6, client_reported_change=False, zone=ZONE)
    assert not intake_is_current(form, today=date(2025, 7, 31), months_valid=6, client_reported_change=False,
                                 zone=ZONE)


def test_intake_lapses_at_once_when_the_client_reports_a_change() -> None:
    assert not intake_is_current(intake(), today=date(2025, 2, 1), months_valid=12, client_reported_change=True,
                                 zone=ZONE)


def test_a_validity_of_zero_months_is_a_setting_error() -> None:
    with pytest.raises(ValueError, match="at least one month"):
        intake_is_current(intake(), today=date(2025, 2, 1), months_valid=0, client_reported_change=False)


def test_untouched_forms_verify_as_intact() -> None:
    for form in (intake(), consent()):
        check = verify_signed(form)
        assert check.intact and check.recorded_sha256 == check.actual_sha256
        assert "unchanged" in check.message


@pytest.mark.parametrize("change", [
    {"body": "A quietly edited consent text."},
    {"template_version": 2},
    {"signed_at": at(2025, 3, 10)},
    {"witness_name": "Somebody"},
])
def test_a_tampered_signed_consent_is_reported_in_plain_words(change: dict) -> None:
    check = verify_signed(consent().model_copy(update=change))
    assert not check.intact
    assert check.recorded_sha256 != check.actual_sha256
    assert "altered since it was signed" in check.message and "new form" in check.message


def test_a_tampered_intake_is_reported_and_is_not_current() -> None:
    form = intake()
    forged = form.model_copy(update={"answers": {**form.answers, "pregnancy_status": "not_applicable"}})
    assert not verify_signed(forged).intact
    assert "intake form has been altered" in verify_signed(forged).message
    assert not intake_is_current(forged, today=date(2025, 2, 2), months_valid=12, client_reported_change=False)


def test_a_tampered_form_survives_a_json_round_trip_as_tampered() -> None:
    stored = consent().to_json()
    stored["body"] += " (edited)"
    assert not verify_signed(SignedConsent.from_json(stored)).intact
    assert verify_signed(SignedConsent.from_json(consent().to_json())).intact
