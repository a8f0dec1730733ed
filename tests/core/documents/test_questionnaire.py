from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from medspa_desk.documents.questionnaire import (
    AnswersInvalid,
    QuestionnaireFileError,
    build_intake,
    clean_answers,
    load_questionnaire,
    shipped_questionnaire,
    visible_questions,
)
from medspa_desk.documents.resources import QUESTIONNAIRE_FILE
from tests.core.documents.samples import at, client, healthy_answers, signature

DAY = date(2025, 3, 9)


def visible_ids(answers: dict) -> list[str]:
    return [q.id for q in visible_questions(shipped_questionnaire(), answers, on=DAY)]


def test_shipped_questionnaire_covers_what_the_issue_asks() -> None:
    q = shipped_questionnaire()
    ids = {question.id for question in q.questions}
    assert {"emergency_contact_name", "blood_thinners", "isotretinoin_recent", "antibiotics_current",
            "pregnancy_status", "neuromuscular_disorder", "autoimmune_condition", "keloids", "cold_sores",
            "recent_sun_exposure", "had_prior_treatments", "prior_reaction"} <= ids
    allergies = {o.value for o in q.question("allergy_list").options}
    assert {"lidocaine", "hyaluronidase", "eggs_albumin", "latex"} <= allergies
    assert (q.id, q.version) == ("medspa_health_intake", 1)


def test_conditional_questions_stay_hidden_until_they_apply() -> None:
    assert "isotretinoin_last_dose" not in visible_ids({"isotretinoin_recent": False})
    assert "isotretinoin_last_dose" in visible_ids({"isotretinoin_recent": True})
    assert "allergy_other" not in visible_ids({"has_allergies": True, "allergy_list": ["latex"]})
    assert "allergy_other" in visible_ids({"has_allergies": True, "allergy_list": ["latex", "other"]})


def test_a_question_under_a_hidden_question_is_hidden_too() -> None:
    # The client said yes, described a reaction, then changed their mind about prior treatments.
    answers = {"had_prior_treatments": False, "prior_reaction": True, "prior_reaction_details": "swelling"}
    assert "prior_reaction" not in visible_ids(answers)
    assert "prior_reaction_details" not in visible_ids(answers)


def test_answers_to_hidden_questions_are_dropped_from_the_form() -> None:
    answers = healthy_answers(isotretinoin_recent=False, isotretinoin_last_dose="2025-01-01")
    cleaned = clean_answers(shipped_questionnaire(), answers, on=DAY)
    assert "isotretinoin_last_dose" not in cleaned
    assert cleaned["isotretinoin_recent"] is False


def test_every_problem_is_reported_at_once_by_question() -> None:
    answers = healthy_answers(keloids="maybe", pregnancy_status="unsure", cold_sores=True,
                              cold_sore_last_outbreak="2030-01-01", bogus=1)
    del answers["emergency_contact_name"]
    with pytest.raises(AnswersInvalid) as caught:
        clean_answers(shipped_questionnaire(), answers, on=DAY)
    problems = {p.question_id: p.message for p in caught.value.problems}
    assert problems == {"bogus": "is not a question on this form",
                        "emergency_contact_name": "needs an answer",
                        "keloids": "answer yes or no",
                        "pregnancy_status": "pick one of the listed answers",
                        "cold_sore_last_outbreak": "is in the future; enter the date it happened"}


def test_a_conditional_required_question_is_required_only_when_shown() -> None:
    with pytest.raises(AnswersInvalid) as caught:
        clean_answers(shipped_questionnaire(), healthy_answers(isotretinoin_recent=True), on=DAY)
    assert [p.question_id for p in caught.value.problems] == ["isotretinoin_last_dose"]


def test_none_of_these_cannot_be_ticked_with_a_condition() -> None:
    with pytest.raises(AnswersInvalid, match="none of these"):
        clean_answers(shipped_questionnaire(), healthy_answers(conditions=["none", "diabetes"]), on=DAY)


def test_the_attestation_must_be_confirmed() -> None:
    with pytest.raises(AnswersInvalid, match="answers_are_accurate: must be confirmed"):
        clean_answers(shipped_questionnaire(), healthy_answers(answers_are_accurate=False), on=DAY)


def test_multi_choice_answers_keep_the_form_order_and_dates_become_iso_text() -> None:
    answers = healthy_answers(has_allergies=True, allergy_list=["latex", "lidocaine", "latex"],
                              recent_sun_exposure=True, sun_exposure_kinds=["suntan"],
                              last_sun_exposure=date(2025, 3, 1))
    cleaned = clean_answers(shipped_questionnaire(), answers, on=DAY)
    assert cleaned["allergy_list"] == ["lidocaine", "latex"]
    assert cleaned["last_sun_exposure"] == "2025-03-01"


def test_built_intake_is_sealed_with_the_hash_of_its_content() -> None:
    form = build_intake(shipped_questionnaire(), client=client(), answers=healthy_answers(),
                        submitted_at=at(2025, 3, 9), signer_name="  Zoë   Ångström-Núñez ", signature=signature())
    assert form.is_intact
    assert form.signer_name == "Zoë Ångström-Núñez"
    assert form.questionnaire_version == 1
    assert form.submitted_at.utcoffset().total_seconds() == 0  # stored in UTC, hashed as stored


def test_an_intake_without_a_typed_name_is_refused() -> None:
    with pytest.raises(AnswersInvalid, match="type your full name"):
        build_intake(shipped_questionnaire(), client=client(), answers=healthy_answers(),
                     submitted_at=at(2025, 3, 9), signer_name="   ")


def _broken_copy(tmp_path: Path, change) -> Path:
    raw = json.loads(QUESTIONNAIRE_FILE.read_text())
    change(raw)
    path = tmp_path / "questionnaire-broken.json"
    path.write_text(json.dumps(raw))
    return path


def test_a_condition_on_an_unknown_question_names_the_file_and_question(tmp_path: Path) -> None:
    def typo(raw: dict) -> None:
        raw["sections"][2]["questions"][1]["show_if"]["question"] = "blood_thiners"
    with pytest.raises(QuestionnaireFileError,
                       match=r"questionnaire-broken.json.*'blood_thinner_names'.*'blood_thiners'"):
        load_questionnaire(_broken_copy(tmp_path, typo))


def test_an_unknown_question_type_names_the_section_and_question(tmp_path: Path) -> None:
    def typo(raw: dict) -> None:
        raw["sections"][0]["questions"][0]["type"] = "phone"
    with pytest.raises(QuestionnaireFileError, match=r"section 'contact' > question 'phone' > type"):
        load_questionnaire(_broken_copy(tmp_path, typo))


def test_a_file_that_is_not_json_says_which_line(tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    path.write_text('{"id": "x",\n "version": }')
    with pytest.raises(QuestionnaireFileError, match=r"q.json is not valid JSON \(line 2"):
        load_questionnaire(path)
