"""Filling the questionnaire the way a client would: clicks and typing on the real widgets."""

from __future__ import annotations

from typing import Any

from medspa_desk.documents.questionnaire import QuestionType
from ui.forms.question_fields import ChoiceField, DateField, MultiChoiceField, TextField, YesNoField
from ui.forms.questionnaire import QuestionnaireForm
from ui.qt import QPlainTextEdit, QPoint, Qt

TEXT_ANSWERS = {"phone": "555-0100", "emergency_contact_name": "Pat Doe", "emergency_contact_phone": "555-0101"}


def answer(qtbot: Any, form: QuestionnaireForm, question_id: str, value: Any) -> None:
    """Answer one question with the mouse or the keyboard."""
    field = form.fields[question_id]
    if isinstance(field, YesNoField):
        (field.yes if value else field.no).click()
    elif isinstance(field, ChoiceField):
        field.buttons[value].click()
    elif isinstance(field, MultiChoiceField):
        for option in value:
            field.boxes[option].click()
    elif isinstance(field, TextField):
        if isinstance(field.editor, QPlainTextEdit):
            field.editor.setFocus()
        qtbot.keyClicks(field.editor, value)
    elif isinstance(field, DateField):
        qtbot.keyClicks(field.editor, value)


def fill_required(qtbot: Any, form: QuestionnaireForm, *, overrides: dict[str, Any] | None = None) -> None:
    """Answer every required question on screen: "No" to health questions, "Yes" to the attestation."""
    overrides = overrides or {}
    done: set[str] = set()
    while True:
        todo = [qid for qid in form.visible_question_ids() if qid not in done
                and (form.fields[qid].question.required or qid in overrides)]
        if not todo:
            return
        qid = todo[0]
        done.add(qid)
        question = form.fields[qid].question
        if qid in overrides:
            value = overrides[qid]
        elif question.type is QuestionType.YES_NO:
            value = question.must_be is True
        elif question.type is QuestionType.CHOICE:
            value = question.options[0].value
        elif question.type is QuestionType.MULTI_CHOICE:
            values = [o.value for o in question.options]
            value = ["none"] if "none" in values else values[:1]
        elif question.type is QuestionType.DATE:
            value = "01/02/2024"
        else:
            value = TEXT_ANSWERS.get(qid, "Nothing to add")
        answer(qtbot, form, qid, value)


def sign(qtbot: Any, form: Any, name: str) -> None:
    """Type the name and draw a signature across the pad."""
    form.signer_name.clear()
    qtbot.keyClicks(form.signer_name, name)
    pad = form.pad
    form_scroll = getattr(form, "scroll", None)
    if form_scroll is not None:
        form_scroll.ensureWidgetVisible(pad)
    qtbot.waitUntil(pad.isVisible)
    width = pad.width()
    points = [QPoint(int(width * 0.1) + i * int(width * 0.04), 30 + (i % 3) * 15) for i in range(20)]
    qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=points[0])
    for point in points[1:]:
        qtbot.mouseMove(pad, point)
    qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=points[-1])
