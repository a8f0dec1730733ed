from __future__ import annotations

from datetime import date

import pytest

from medspa_desk.documents.consents import shipped_templates, sign
from medspa_desk.documents.gating import (
    CheckInStatus,
    ItemKind,
    OverrideRefused,
    check_in_requirements,
    override,
)
from medspa_desk.documents.questionnaire import build_intake, shipped_questionnaire
from medspa_desk.records import (
    ConsentRequirement,
    IntakeForm,
    Role,
    Service,
    ServiceCategory,
    SignedConsent,
)
from tests.core.documents.samples import ZONE, at, client, healthy_answers, signature, staff

TODAY = date(2025, 3, 20)
CLIENT = client()
TOX = Service(name="Botox, forehead", category=ServiceCategory.NEUROTOXIN, duration_min=30,
              consents=(ConsentRequirement(template_key="neurotoxin", valid_days=365),
                        ConsentRequirement(template_key="photography_release", valid_days=730)))
LIPS = Service(name="Lip filler", category=ServiceCategory.DERMAL_FILLER, duration_min=45,
               consents=(ConsentRequirement(template_key="dermal_filler", valid_days=180),
                         ConsentRequirement(template_key="photography_release", valid_days=365)))
CONSULT = Service(name="Consultation", category=ServiceCategory.CONSULTATION, duration_min=15,
                  requires_intake=False)


def intake(when=None, **answers) -> IntakeForm:
    return build_intake(shipped_questionnaire(), client=CLIENT, answers=healthy_answers(**answers),
                        submitted_at=when or at(2025, 3, 1), signer_name="Zoë Ångström-Núñez")


def signed(key: str, when=None) -> SignedConsent:
    return sign(shipped_templates()[key], client=CLIENT, signer_name="Zoë", signature=signature(),
                signed_at=when or at(2025, 3, 1), witness=None)


def status(services, intakes, consents, **kw) -> CheckInStatus:
    return check_in_requirements(client=CLIENT, services=services, intakes=intakes, consents=consents,
                                 today=TODAY, zone=ZONE, intake_months_valid=12, **kw)


def test_everything_on_file_lets_the_client_check_in() -> None:
    result = status([TOX], [intake()], [signed("neurotoxin"), signed("photography_release")])
    assert result.items == () and not result.blocked


def test_check_in_refuses_a_missing_consent_and_says_which() -> None:
    result = status([TOX], [intake()], [signed("photography_release")])
    assert result.blocked
    assert result.missing_consents == ("neurotoxin",)
    [item] = result.items
    assert item.kind is ItemKind.CONSENT_MISSING and item.service_names == ("Botox, forehead",)
    assert "Consent for neurotoxin injections" in item.message


def test_a_consent_two_services_need_is_asked_once_under_the_stricter_validity() -> None:
    photo = signed("photography_release", at(2024, 1, 2))  # 443 days ago: good for Botox, not for lips
    result = status([TOX, LIPS], [intake()], [signed("neurotoxin"), signed("dermal_filler"), photo])
    [item] = result.items
    assert item.kind is ItemKind.CONSENT_EXPIRED and item.consent_key == "photography_release"
    assert item.service_names == ("Botox, forehead", "Lip filler")
    assert "expired on January 1, 2025" in item.message


def test_missing_and_expired_intake_ask_for_a_new_one() -> None:
    assert [i.kind for i in status([CONSULT, TOX], [], [signed("neurotoxin"), signed("photography_release")]).items] \
        == [ItemKind.INTAKE_MISSING]
    old = intake(at(2024, 2, 1))
    result = status([TOX], [old], [signed("neurotoxin"), signed("photography_release")])
    assert result.needs_intake and result.blocked
    assert "expired on February 1, 2025" in result.items[0].message


def test_a_reported_health_change_asks_for_a_new_intake() -> None:
    result = status([TOX], [intake()], [signed("neurotoxin"), signed("photography_release")],
                    client_reported_change=True)
    assert [i.kind for i in result.items] == [ItemKind.INTAKE_CHANGED]


def test_a_service_without_intake_or_consents_needs_nothing() -> None:
    assert status([CONSULT], [], []).items == ()


def test_rule_findings_show_at_check_in_and_only_warnings_let_the_client_through() -> None:
    consents = [signed("neurotoxin"), signed("photography_release")]
    warned = status([TOX], [intake(blood_thinners=True, blood_thinner_names=["aspirin"])], consents)
    assert [i.finding.rule_id for i in warned.items] == ["bleeding_risk_injectables"]
    assert not warned.blocked
    blocked = status([TOX], [intake(pregnancy_status="pregnant")], consents)
    assert blocked.blocked
    assert blocked.items[0].message.startswith("Botox, forehead: Injectables are not given during pregnancy")


def test_the_newest_intake_decides_and_a_tampered_one_is_reported_not_used() -> None:
    older = intake(at(2025, 2, 1), pregnancy_status="pregnant")
    newer = intake(at(2025, 3, 15))
    forged = newer.model_copy(update={"answers": {**newer.answers, "keloids": True}})
    consents = [signed("neurotoxin"), signed("photography_release")]
    assert status([TOX], [older, newer], consents).items == ()
    result = status([TOX], [older, forged], consents)
    kinds = [i.kind for i in result.items]
    assert ItemKind.TAMPERED in kinds and result.blocked  # falls back to the older, intact intake
    assert next(i for i in result.items if i.kind is ItemKind.TAMPERED).record_id == forged.id


def test_another_clients_forms_do_not_count() -> None:
    stranger = client(first_name="Other")
    theirs = sign(shipped_templates()["neurotoxin"], client=stranger, signer_name="Other", signature=signature(),
                  signed_at=at(2025, 3, 1), witness=None)
    assert status([TOX], [intake()], [theirs, signed("photography_release")]).missing_consents == ("neurotoxin",)


def test_a_provider_can_override_with_a_reason() -> None:
    blocked = status([TOX], [intake()], [])
    provider = staff(Role.PROVIDER)
    passed = override(blocked, by_provider=provider, reason="  Verbal consent; paper form signed, scanning later ")
    assert not passed.blocked and passed.blocking_items == blocked.blocking_items
    assert passed.override is not None
    assert (passed.override.by_user_id, passed.override.reason) == (
        provider.id, "Verbal consent; paper form signed, scanning later")


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.MANAGER, Role.ADMIN])
def test_only_a_provider_can_override(role: Role) -> None:
    with pytest.raises(OverrideRefused, match="Only a provider"):
        override(status([TOX], [intake()], []), by_provider=staff(role, "Pat Front"), reason="client in a hurry")


def test_an_override_needs_a_reason() -> None:
    with pytest.raises(OverrideRefused, match="Say why"):
        override(status([TOX], [intake()], []), by_provider=staff(Role.PROVIDER), reason="   ")


def test_there_is_nothing_to_override_when_nothing_blocks() -> None:
    fine = status([TOX], [intake()], [signed("neurotoxin"), signed("photography_release")])
    with pytest.raises(OverrideRefused, match="nothing to override"):
        override(fine, by_provider=staff(Role.PROVIDER), reason="just because")
