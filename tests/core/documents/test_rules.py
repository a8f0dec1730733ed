"""The contraindication rules, table-driven: real answers through the real questionnaire."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from medspa_desk.documents.questionnaire import build_intake, shipped_questionnaire
from medspa_desk.documents.resources import RULES_FILE
from medspa_desk.documents.rules import Outcome, RulesFileError, evaluate, load_rules, shipped_rules
from medspa_desk.records import IntakeForm, ServiceCategory
from tests.core.documents.samples import at, client, healthy_answers

C = ServiceCategory
BLOCK, REVIEW, WARN = Outcome.BLOCK, Outcome.PROVIDER_REVIEW, Outcome.WARN

# (answers on top of a healthy form, service category, rule expected, outcome)
CASES: list[tuple[dict[str, Any], ServiceCategory, str, Outcome]] = [
    ({"pregnancy_status": "pregnant"}, C.NEUROTOXIN, "pregnant_injectable", BLOCK),
    ({"pregnancy_status": "breastfeeding"}, C.DERMAL_FILLER, "pregnant_injectable", BLOCK),
    ({"pregnancy_status": "trying"}, C.LASER, "pregnant_energy_or_resurfacing", REVIEW),
    ({"pregnancy_status": "pregnant"}, C.IV_THERAPY, "pregnant_iv", REVIEW),
    ({"neuromuscular_disorder": True, "neuromuscular_disorder_name": "myasthenia_gravis"}, C.NEUROTOXIN,
     "neuromuscular_toxin", BLOCK),
    ({"antibiotics_current": True, "antibiotic_kind": "aminoglycoside"}, C.NEUROTOXIN, "aminoglycoside_toxin", REVIEW),
    ({"has_allergies": True, "allergy_list": ["cow_milk_protein"]}, C.NEUROTOXIN, "milk_protein_toxin", REVIEW),
    ({"blood_thinners": True, "blood_thinner_names": ["supplement"]}, C.NEUROTOXIN, "bleeding_risk_injectables", WARN),
    ({"blood_thinners": True, "blood_thinner_names": ["warfarin"]}, C.DERMAL_FILLER, "anticoagulant_filler", REVIEW),
    ({"conditions": ["bleeding_disorder"]}, C.MICRONEEDLING, "bleeding_disorder", REVIEW),
    ({"has_allergies": True, "allergy_list": ["lidocaine"]}, C.DERMAL_FILLER, "lidocaine_allergy", REVIEW),
    ({"has_allergies": True, "allergy_list": ["hyaluronidase"]}, C.DERMAL_FILLER, "hyaluronidase_allergy", REVIEW),
    ({"had_prior_treatments": True, "prior_treatment_kinds": ["permanent_filler"], "prior_reaction": False},
     C.DERMAL_FILLER, "permanent_filler_present", REVIEW),
    ({"has_allergies": True, "allergy_list": ["eggs_albumin"]}, C.IV_THERAPY, "egg_allergy_iv", REVIEW),
    ({"has_allergies": True, "allergy_list": ["latex"]}, C.IV_THERAPY, "latex_allergy", WARN),
    ({"has_allergies": True, "allergy_list": ["aspirin_salicylates"]}, C.CHEMICAL_PEEL, "salicylate_allergy_peel",
     REVIEW),
    ({"active_skin_infection": True}, C.DERMAL_FILLER, "active_infection", BLOCK),
    ({"autoimmune_condition": True, "autoimmune_condition_names": ["lupus"], "autoimmune_flare": True},
     C.MICRONEEDLING, "autoimmune_flare", BLOCK),
    ({"autoimmune_condition": True, "autoimmune_condition_names": ["psoriasis"], "autoimmune_flare": False},
     C.NEUROTOXIN, "autoimmune_condition", REVIEW),
    ({"keloids": True}, C.MICRONEEDLING, "keloids_resurfacing", REVIEW),
    ({"keloids": True}, C.DERMAL_FILLER, "keloids_filler", WARN),
    ({"cold_sores": True}, C.CHEMICAL_PEEL, "cold_sores_face", WARN),
    ({"cold_sores": True, "cold_sore_last_outbreak": "2025-03-01"}, C.LASER, "cold_sore_active", BLOCK),
    ({"isotretinoin_recent": True, "isotretinoin_last_dose": "2024-12-01"}, C.LASER, "isotretinoin_resurfacing",
     BLOCK),
    ({"isotretinoin_recent": True, "isotretinoin_last_dose": "2024-12-01"}, C.DERMAL_FILLER, "isotretinoin_filler",
     WARN),
    ({"recent_sun_exposure": True, "sun_exposure_kinds": ["tanning_bed"], "last_sun_exposure": "2025-03-02"},
     C.IPL, "recent_tan_laser", BLOCK),
    ({"recent_sun_exposure": True, "sun_exposure_kinds": ["self_tanner"], "last_sun_exposure": "2025-02-20"},
     C.LASER, "recent_sun_laser", REVIEW),
    ({"recent_sun_exposure": True, "sun_exposure_kinds": ["suntan"], "last_sun_exposure": "2025-02-20"},
     C.CHEMICAL_PEEL, "recent_sun_peel", WARN),
    ({"fitzpatrick_skin_type": "VI"}, C.IPL, "dark_skin_ipl", BLOCK),
    ({"fitzpatrick_skin_type": "V"}, C.LASER, "dark_skin_laser", REVIEW),
    ({"antibiotics_current": True, "antibiotic_kind": "tetracycline"}, C.IPL, "photosensitising_antibiotic", REVIEW),
    ({"conditions": ["light_sensitive_seizures"]}, C.LASER, "light_seizures", REVIEW),
    ({"topical_retinoid_recent": True}, C.CHEMICAL_PEEL, "retinoid_peel", REVIEW),
    ({"conditions": ["kidney_disease"]}, C.IV_THERAPY, "kidney_iv", REVIEW),
    ({"conditions": ["high_blood_pressure"]}, C.IV_THERAPY, "heart_iv", REVIEW),
    ({"conditions": ["g6pd_deficiency"]}, C.IV_THERAPY, "g6pd_iv", REVIEW),
    ({"had_prior_treatments": True, "prior_treatment_kinds": ["neurotoxin"], "prior_reaction": True,
      "prior_reaction_details": "eyelid droop for three weeks"}, C.NEUROTOXIN, "prior_reaction", REVIEW),
    ({"conditions": ["pacemaker"]}, C.IPL, "pacemaker_energy", WARN),
]


def intake(**changes: Any) -> IntakeForm:
    return build_intake(shipped_questionnaire(), client=client(), answers=healthy_answers(**changes),
                        submitted_at=at(2025, 3, 9), signer_name="Zoë Ångström-Núñez")


@pytest.mark.parametrize(("answers", "category", "rule_id", "outcome"), CASES,
                         ids=[f"{c[2]}-{c[1].value}" for c in CASES])
def test_answer_pattern_gives_the_rule_outcome(answers: dict[str, Any], category: ServiceCategory, rule_id: str,
                                               outcome: Outcome) -> None:
    findings = {f.rule_id: f for f in evaluate(intake(**answers), category)}
    assert rule_id in findings
    assert findings[rule_id].outcome is outcome
    assert findings[rule_id].reason


def test_every_shipped_rule_has_a_case_in_the_table() -> None:
    assert {r.id for r in shipped_rules().rules} == {case[2] for case in CASES}


@pytest.mark.parametrize("category", list(ServiceCategory))
def test_a_healthy_intake_raises_no_flags(category: ServiceCategory) -> None:
    assert evaluate(intake(), category) == []


def test_a_rule_only_applies_to_its_categories() -> None:
    form = intake(neuromuscular_disorder=True, neuromuscular_disorder_name="als")
    assert [f.rule_id for f in evaluate(form, C.NEUROTOXIN)] == ["neuromuscular_toxin"]
    assert evaluate(form, C.CHEMICAL_PEEL) == []


def test_findings_come_most_serious_first() -> None:
    form = intake(cold_sores=True, cold_sore_last_outbreak="2025-03-05", keloids=True, fitzpatrick_skin_type="V")
    outcomes = [f.outcome for f in evaluate(form, C.LASER)]
    assert outcomes == sorted(outcomes, key=[BLOCK, REVIEW, WARN].index)
    assert outcomes[0] is BLOCK


def test_a_dated_rule_counts_back_from_the_treatment_day() -> None:
    form = intake(cold_sores=True, cold_sore_last_outbreak="2025-03-01")
    assert "cold_sore_active" in {f.rule_id for f in evaluate(form, C.LASER)}
    later = evaluate(form, C.LASER, on=at(2025, 4, 1).date())
    assert "cold_sore_active" not in {f.rule_id for f in later}
    assert "cold_sores_face" in {f.rule_id for f in later}


def test_a_rule_on_an_option_the_form_does_not_offer_is_refused(tmp_path: Path) -> None:
    raw = json.loads(RULES_FILE.read_text())
    raw["rules"][0]["when"] = {"question": "pregnancy_status", "one_of": ["expecting"]}
    path = tmp_path / "rules-typo.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(RulesFileError, match=r"rules-typo.json.*rule 'pregnant_injectable'.*'expecting'"):
        load_rules(path)


def test_a_rule_for_an_unknown_category_names_the_rule(tmp_path: Path) -> None:
    raw = json.loads(RULES_FILE.read_text())
    raw["rules"][1]["categories"] = ["botox"]
    path = tmp_path / "rules-category.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(RulesFileError, match=r"rule 'pregnant_energy_or_resurfacing' > categories"):
        load_rules(path)
