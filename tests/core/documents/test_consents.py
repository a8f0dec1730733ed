from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from medspa_desk.documents.consents import (
    ConsentFileError,
    SigningRefused,
    TemplateRefused,
    consent_is_current,
    import_template_text,
    load_template_file,
    shipped_templates,
    sign,
)
from medspa_desk.documents.resources import CONSENTS_DIR
from medspa_desk.records import Role, SignedConsent
from tests.core.documents.samples import ZONE, at, client, scribble, signature, staff

EXPECTED_KEYS = {"neurotoxin", "dermal_filler", "laser_hair_removal", "ipl", "chemical_peel", "microneedling",
                 "iv_therapy", "photography_release", "privacy_notice", "communications"}


def test_every_consent_the_issue_names_ships_with_risks_and_an_acknowledgement() -> None:
    templates = shipped_templates()
    assert set(templates) == EXPECTED_KEYS
    for key in EXPECTED_KEYS - {"photography_release", "privacy_notice", "communications"}:
        body = templates[key].body
        assert "## Risks" in body and "## Alternatives" in body and "## Acknowledgement" in body, key
    assert "STOP" in templates["communications"].body  # TCPA: how to opt out
    assert templates["iv_therapy"].requires_witness


def test_shipped_templates_have_the_same_id_on_every_workstation() -> None:
    path = CONSENTS_DIR / "neurotoxin.md"
    assert load_template_file(path).id == load_template_file(path).id == shipped_templates()["neurotoxin"].id


def test_importing_practice_text_publishes_the_next_version() -> None:
    v1 = shipped_templates()["dermal_filler"]
    v2 = import_template_text("dermal_filler", "Lip filler consent", "Our own words.\r\n\r\n- a risk  \n",
                              previous=v1)
    assert (v2.key, v2.template_version, v2.title) == ("dermal_filler", 2, "Lip filler consent")
    assert v2.body == "Our own words.\n\n- a risk"
    assert v2.id != v1.id
    assert v1.template_version == 1  # the old version is untouched


def test_an_old_signed_form_keeps_the_text_it_was_signed_on() -> None:
    v1 = shipped_templates()["neurotoxin"]
    signed = sign(v1, client=client(), signer_name="Zoë Ångström-Núñez", signature=signature(),
                  signed_at=at(2025, 3, 9), witness=None)
    v2 = import_template_text("neurotoxin", v1.title, "Completely new wording.", previous=v1)
    assert signed.template_version == 1 and signed.body == v1.body != v2.body
    assert signed.is_intact


@pytest.mark.parametrize(("key", "title", "text", "message"), [
    ("Neuro Toxin", "T", "text", "lower-case letters"),
    ("neurotoxin", " ", "text", "title of 1 to 200"),
    ("neurotoxin", "T", " \n\n ", "text is empty"),
    ("neurotoxin", "T", "bad\x07bell", "control characters"),
    ("neurotoxin", "T", "x" * 100_001, "the limit is 100,000"),
])
def test_unusable_imported_text_is_refused_with_what_to_fix(key: str, title: str, text: str, message: str) -> None:
    with pytest.raises(TemplateRefused, match=message):
        import_template_text(key, title, text, previous=None)


def test_publishing_the_same_text_again_is_refused() -> None:
    v1 = shipped_templates()["ipl"]
    with pytest.raises(TemplateRefused, match="same as the current version"):
        import_template_text("ipl", v1.title, v1.body, previous=v1)


def test_text_cannot_be_published_under_another_forms_history() -> None:
    with pytest.raises(TemplateRefused, match="belongs to 'ipl'"):
        import_template_text("neurotoxin", "T", "text", previous=shipped_templates()["ipl"])


def test_a_consent_file_without_a_header_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "lip_flip.md"
    path.write_text("Just text, no header.")
    with pytest.raises(ConsentFileError, match=r"lip_flip\.md must start with a header"):
        load_template_file(path)


def test_a_consent_file_that_is_not_utf8_says_so(tmp_path: Path) -> None:
    path = tmp_path / "old_word_export.md"
    path.write_bytes("---\nkey: x\n---\nCaf\u00e9".encode("cp1252"))
    with pytest.raises(ConsentFileError, match=r"old_word_export\.md is not UTF-8"):
        load_template_file(path)


def test_a_scribble_is_not_accepted_as_a_signature() -> None:
    with pytest.raises(SigningRefused, match="too small to count"):
        sign(shipped_templates()["ipl"], client=client(), signer_name="Zoë", signature=scribble(),
             signed_at=at(2025, 3, 9), witness=None)


def test_signing_needs_the_typed_name() -> None:
    with pytest.raises(SigningRefused, match="Type your full name"):
        sign(shipped_templates()["ipl"], client=client(), signer_name="  ", signature=signature(),
             signed_at=at(2025, 3, 9), witness=None)


def test_a_form_that_asks_for_a_witness_cannot_be_signed_without_one() -> None:
    template = shipped_templates()["iv_therapy"]
    with pytest.raises(SigningRefused, match="needs a staff witness"):
        sign(template, client=client(), signer_name="Zoë", signature=signature(), signed_at=at(2025, 3, 9),
             witness=None)
    nurse = staff(Role.PROVIDER, "Kim Lee, RN")
    signed = sign(template, client=client(), signer_name="Zoë", signature=signature(), signed_at=at(2025, 3, 9),
                  witness=nurse)
    assert (signed.witness_user_id, signed.witness_name) == (nurse.id, "Kim Lee, RN")


def test_an_inactive_witness_is_refused() -> None:
    with pytest.raises(SigningRefused, match="not active"):
        sign(shipped_templates()["iv_therapy"], client=client(), signer_name="Zoë", signature=signature(),
             signed_at=at(2025, 3, 9), witness=staff(Role.FRONT_DESK, "Ex Staff", active=False))


def _signed(key: str, when) -> SignedConsent:
    return sign(shipped_templates()[key], client=client(), signer_name="Zoë", signature=signature(),
                signed_at=when, witness=None)


def test_a_consent_is_current_until_its_valid_days_run_out() -> None:
    consents = [_signed("neurotoxin", at(2025, 1, 10, 21, 30))]
    assert consent_is_current(consents, "neurotoxin", valid_days=30, today=date(2025, 2, 8), zone=ZONE)
    assert not consent_is_current(consents, "neurotoxin", valid_days=30, today=date(2025, 2, 9), zone=ZONE)
    assert not consent_is_current(consents, "dermal_filler", valid_days=365, today=date(2025, 1, 11), zone=ZONE)


def test_the_newest_signature_decides_and_a_tampered_one_does_not_count() -> None:
    old, new = _signed("neurotoxin", at(2024, 1, 5)), _signed("neurotoxin", at(2025, 1, 5))
    assert consent_is_current([old, new], "neurotoxin", valid_days=365, today=date(2025, 6, 1), zone=ZONE)
    forged = new.model_copy(update={"signer_name": "Someone Else"})
    assert not consent_is_current([old, forged], "neurotoxin", valid_days=365, today=date(2025, 6, 1), zone=ZONE)
