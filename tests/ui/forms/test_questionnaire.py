"""The health questionnaire form over a real signed-in session and SQCipher store."""

from __future__ import annotations

from typing import Any

from medspa_desk.documents.sealing import verify_signed
from medspa_desk.records import content_hash
from tests.ui.forms.filling import answer, fill_required, sign
from ui.forms.questionnaire import QuestionnaireForm
from ui.operations import db_worker


def open_form(qtbot: Any, session: Any, client: Any, **kwargs: Any) -> QuestionnaireForm:
    form = QuestionnaireForm(session, client=client, **kwargs)
    qtbot.addWidget(form)
    form.resize(900, 1000)
    form.show()
    return form


def stored_intakes(session: Any, client: Any) -> list[Any]:
    return db_worker().run_sync(lambda store: store.intakes_for(client.id, actor=session.actor))


def test_conditional_questions_appear_and_disappear_with_the_answers(qtbot: Any, sign_in: Any,
                                                                      practice: Any) -> None:
    form = open_form(qtbot, sign_in("desk.amy"), practice.known[0])
    assert "neuromuscular_disorder_name" not in form.visible_question_ids()
    answer(qtbot, form, "neuromuscular_disorder", True)
    assert form.fields["neuromuscular_disorder_name"].isVisible()
    answer(qtbot, form, "neuromuscular_disorder", False)
    assert not form.fields["neuromuscular_disorder_name"].isVisible()

    answer(qtbot, form, "has_allergies", True)
    assert "allergy_list" in form.visible_question_ids()
    assert "allergy_other" not in form.visible_question_ids()
    answer(qtbot, form, "allergy_list", ["latex", "other"])
    assert form.fields["allergy_other"].isVisible()
    # A condition on a hidden question hides its follow-ups too.
    answer(qtbot, form, "has_allergies", False)
    assert {"allergy_list", "allergy_other"}.isdisjoint(form.visible_question_ids())


def test_none_of_these_clears_the_other_ticks(qtbot: Any, sign_in: Any, practice: Any) -> None:
    form = open_form(qtbot, sign_in("desk.amy"), practice.known[0])
    answer(qtbot, form, "conditions", ["diabetes"])
    assert form.fields["conditions_details"].isVisible()
    answer(qtbot, form, "conditions", ["none"])
    assert form.fields["conditions"].value() == ["none"]
    assert not form.fields["conditions_details"].isVisible()


def test_a_missing_required_answer_is_named_next_to_its_question(qtbot: Any, sign_in: Any,
                                                                  practice: Any) -> None:
    session = sign_in("desk.amy")
    form = open_form(qtbot, session, practice.known[0])
    fill_required(qtbot, form)
    form.fields["phone"].editor.clear()
    answer(qtbot, form, "isotretinoin_recent", True)  # a required follow-up, left empty
    answer(qtbot, form, "cold_sores", True)
    answer(qtbot, form, "cold_sore_last_outbreak", "14/31/2023")
    sign(qtbot, form, "Marisol Quintanilla")
    form.submit_button.click()

    assert form.fields["phone"].problem.isVisible()
    assert form.fields["phone"].problem.text() == "Please answer this question."
    assert form.fields["isotretinoin_last_dose"].problem.text() == "Please answer this question."
    assert "MM/DD/YYYY" in form.fields["cold_sore_last_outbreak"].problem.text()
    assert not form.fields["email"].problem.isVisible()
    assert form.summary.text() == "3 answers need your attention; they are marked in red."
    assert stored_intakes(session, practice.known[0]) == []
    # Answering clears the mark at once.
    answer(qtbot, form, "phone", "555-0100")
    assert not form.fields["phone"].problem.isVisible()


def test_the_closing_confirmation_must_be_yes(qtbot: Any, sign_in: Any, practice: Any) -> None:
    form = open_form(qtbot, sign_in("desk.amy"), practice.known[0])
    fill_required(qtbot, form, overrides={"answers_are_accurate": False})
    sign(qtbot, form, "Marisol Quintanilla")
    form.submit_button.click()
    assert form.fields["answers_are_accurate"].problem.text() == "Please answer Yes to confirm before you sign."


def test_submitting_saves_a_sealed_intake_form(qtbot: Any, sign_in: Any, practice: Any) -> None:
    session = sign_in("desk.amy")
    client = practice.known[0]
    form = open_form(qtbot, session, client)
    fill_required(qtbot, form, overrides={"has_allergies": True, "allergy_list": ["lidocaine"]})
    sign(qtbot, form, "Marisol Quintanilla")
    with qtbot.waitSignal(form.submitted, timeout=5000) as submitted:
        form.submit_button.click()

    saved = stored_intakes(session, client)
    assert [f.id for f in saved] == [submitted.args[0].id]
    intake = saved[0]
    assert intake.answers["allergy_list"] == ["lidocaine"] and intake.answers["phone"] == "555-0100"
    assert intake.signer_name == "Marisol Quintanilla" and intake.signature is not None
    assert intake.content_sha256 == content_hash(intake.signed_content())
    assert verify_signed(intake).intact


def test_old_answers_fill_in_only_after_the_client_says_nothing_changed(qtbot: Any, sign_in: Any,
                                                                        practice: Any) -> None:
    session = sign_in("desk.amy")
    client = practice.known[1]
    first = open_form(qtbot, session, client)
    fill_required(qtbot, first)
    sign(qtbot, first, "Theodora Vanterpool")
    with qtbot.waitSignal(first.submitted, timeout=5000):
        first.submit_button.click()
    previous = stored_intakes(session, client)[0]

    again = open_form(qtbot, session, client, previous=previous)
    assert again.reuse_box.isVisible()
    assert again.fields["phone"].value() is None and again.fields["keloids"].value() is None
    again.reuse_button.click()
    assert again.fields["phone"].value() == "555-0100" and again.fields["keloids"].value() is False
    assert again.signer_name.text() == ""  # the client signs afresh
    sign(qtbot, again, "Theodora Vanterpool")
    with qtbot.waitSignal(again.submitted, timeout=5000) as submitted:
        again.submit_button.click()

    stored = stored_intakes(session, client)
    assert len(stored) == 2 and submitted.args[0].id != previous.id
    assert {f.id for f in stored} == {previous.id, submitted.args[0].id}
