"""The health questionnaire as a form the client fills in, signs and submits.

Built from the questionnaire data (``medspa_desk.documents.questionnaire``):
a group per section, a field per question, conditional questions shown only
while their condition holds (``visible_questions`` decides, on every answer),
problems in plain words under the question they concern. Submit builds a
sealed ``IntakeForm`` (``build_intake``) and saves it with
``store.submit_intake`` in a ``CollectionOp``.

Nothing from an older form is filled in unless the client says nothing has
changed; even then the answers are shown for checking and a NEW form is
signed and saved (a form is never edited).
"""

from __future__ import annotations

from datetime import date, datetime
from html import escape
from typing import Any

from medspa_desk.desk.context import SignedIn
from medspa_desk.desk.forms import submit_intake
from medspa_desk.documents.questionnaire import (
    AnswersInvalid,
    Questionnaire,
    build_intake,
    clean_answers,
    shipped_questionnaire,
    visible_questions,
)
from medspa_desk.records import Client, IntakeForm, utc_now
from ui.forms.question_fields import QuestionField, UnreadableDate, field_for
from ui.operations import CollectionOp, describe_error
from ui.qt import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.schedule.forms import PROBLEM_STYLE
from ui.signature_pad import SignaturePad

SIGNER = "signer_name"
SIGNATURE = "signature"


def problem_words(message: str, *, confirmation: bool = False) -> str:
    """A core answer problem ("needs an answer") as a sentence for the client."""
    if confirmation:
        return "Please answer Yes to confirm before you sign."
    if message == "needs an answer":
        return "Please answer this question."
    if message.split(" ", 1)[0] in {"is", "needs", "must", "should", "contains"}:
        message = f"This answer {message}"
    text = message[:1].upper() + message[1:]
    return text if text.endswith(".") else f"{text}."


class QuestionnaireForm(QWidget):
    """The questionnaire for one client. ``session``: ``.location`` (zone) and ``.actor``."""

    submitted = Signal(object)  # the saved IntakeForm

    def __init__(self, session: SignedIn, *, client: Client, questionnaire: Questionnaire | None = None,
                 previous: IntakeForm | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("questionnaireForm")
        self.setAccessibleName("Health questionnaire")
        self._session = session
        self._zone = session.location.zone
        self._client = client
        self.questionnaire = questionnaire or shipped_questionnaire()
        self._previous = previous if previous is not None and self._can_reuse(previous) else None
        self.fields: dict[str, QuestionField] = {}
        self.sections: dict[str, QGroupBox] = {}
        self.saved: IntakeForm | None = None
        self._build()
        self._refresh()

    def _can_reuse(self, previous: IntakeForm) -> bool:
        return (previous.client_id == self._client.id and previous.is_intact
                and previous.questionnaire_id == self.questionnaire.id)

    # --- layout -----------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        title = QLabel(f"<h2>{escape(self.questionnaire.title)}</h2>")
        title.setAccessibleName("Form title")
        outer.addWidget(title)
        intro = QLabel(self.questionnaire.intro)
        intro.setWordWrap(True)
        outer.addWidget(intro)
        self.reuse_box = self._reuse_banner()
        outer.addWidget(self.reuse_box)

        body = QWidget()
        body.setObjectName("questionnaireBody")
        column = QVBoxLayout(body)
        for section in self.questionnaire.sections:
            box = QGroupBox(section.title)
            box.setAccessibleName(section.title)
            inner = QVBoxLayout(box)
            for question in section.questions:
                field = field_for(question, box)
                field.answer_did_change.connect(self._refresh)
                inner.addWidget(field)
                self.fields[question.id] = field
            self.sections[section.id] = box
            column.addWidget(box)
        column.addWidget(self._signing_box())
        column.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(body)
        outer.addWidget(self.scroll, 1)

        bottom = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setAccessibleName("Form problems")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet(PROBLEM_STYLE)
        self.submit_button = QPushButton("Submit questionnaire")
        self.submit_button.setAccessibleName("Submit questionnaire")
        self.submit_button.setAutoDefault(False)
        self.submit_button.clicked.connect(self.submit)
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.submit_button)
        outer.addLayout(bottom)

    def _reuse_banner(self) -> QFrame:
        box = QFrame()
        box.setObjectName("reuseBanner")
        box.setFrameShape(QFrame.Shape.StyledPanel)
        row = QHBoxLayout(box)
        previous = self._previous
        when = previous.submitted_at.astimezone(self._zone) if previous else None
        text = QLabel(f"You last filled this in on {when:%B %-d, %Y}. If nothing about your health or "
                      "medicines has changed since then, you can start from those answers, check "
                      "them and sign again." if when else "")
        text.setWordWrap(True)
        self.reuse_button = QPushButton("Nothing has changed: start from my last answers")
        self.reuse_button.setAccessibleName("Nothing has changed: start from my last answers")
        self.reuse_button.setAutoDefault(False)
        self.reuse_button.clicked.connect(self.confirm_nothing_changed)
        row.addWidget(text, 1)
        row.addWidget(self.reuse_button)
        box.setVisible(previous is not None)
        return box

    def _signing_box(self) -> QGroupBox:
        box = QGroupBox("Sign")
        column = QVBoxLayout(box)
        column.addWidget(QLabel("Type your full name, then sign in the box below."))
        self.signer_name = QLineEdit()
        self.signer_name.setAccessibleName("Your full name")
        self.signer_name.setPlaceholderText("Your full name")
        self.signer_name.textChanged.connect(lambda _t: self._clear(SIGNER))
        column.addWidget(self.signer_name)
        self.signer_problem = self._problem_label("Problem with your name")
        column.addWidget(self.signer_problem)
        self.pad = SignaturePad()
        self.pad.setMinimumHeight(self.fontMetrics().lineSpacing() * 8)
        self.pad.strokes_did_change.connect(lambda: self._clear(SIGNATURE))
        column.addWidget(self.pad)
        row = QHBoxLayout()
        self.signature_problem = self._problem_label("Problem with your signature")
        clear = QPushButton("Clear signature")
        clear.setAccessibleName("Clear signature")
        clear.setAutoDefault(False)
        clear.clicked.connect(self.pad.clear)
        row.addWidget(self.signature_problem, 1)
        row.addWidget(clear)
        column.addLayout(row)
        return box

    @staticmethod
    def _problem_label(name: str) -> QLabel:
        label = QLabel()
        label.setAccessibleName(name)
        label.setWordWrap(True)
        label.setStyleSheet(PROBLEM_STYLE)
        label.hide()
        return label

    # --- answers ------------------------------------------------------------------------

    def _today(self) -> date:
        return utc_now().astimezone(self._zone).date()

    def raw_answers(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The answers of the questions on screen, and the dates that could not be read."""
        answers: dict[str, Any] = {}
        unreadable: dict[str, str] = {}
        for qid, field in self.fields.items():
            if field.isHidden():
                continue
            try:
                value = field.value()
            except UnreadableDate as exc:
                unreadable[qid] = str(exc)
                continue
            if value is not None:
                answers[qid] = value
        return answers, unreadable

    def _refresh(self) -> None:
        """Show exactly the questions that apply to the answers given so far."""
        answers: dict[str, Any] = {}
        for qid, field in self.fields.items():
            try:
                value = field.value()
            except UnreadableDate:
                continue
            if value is not None:
                answers[qid] = value
        shown = {q.id for q in visible_questions(self.questionnaire, answers, on=self._today())}
        for qid, field in self.fields.items():
            field.setHidden(qid not in shown)
        for section in self.questionnaire.sections:
            self.sections[section.id].setHidden(not any(q.id in shown for q in section.questions))

    def visible_question_ids(self) -> list[str]:
        return [qid for qid, field in self.fields.items() if not field.isHidden()]

    def confirm_nothing_changed(self) -> None:
        """Fill in the last form's answers for the client to check; submitting still makes a new form."""
        if self._previous is None:
            return
        for qid, value in self._previous.answers.items():
            if qid in self.fields:
                self.fields[qid].set_value(value)
        self._refresh()
        self.reuse_box.hide()
        self.summary.setStyleSheet("")
        self.summary.setText("Your last answers are filled in. Check each one, then type your name and sign.")

    # --- submitting -----------------------------------------------------------------------

    def problems(self) -> dict[str, str]:
        """Every problem on the form by question id (plus the name and the signature), in form order."""
        answers, problems = self.raw_answers()
        try:
            clean_answers(self.questionnaire, answers, on=self._today())
        except AnswersInvalid as exc:
            for problem in exc.problems:
                question = self.questionnaire.question(problem.question_id)
                problems.setdefault(problem.question_id, problem_words(
                    problem.message, confirmation=question.must_be is not None and problem.message != "needs an answer"))
        if not " ".join(self.signer_name.text().split()):
            problems[SIGNER] = "Type your full name to sign."
        if self.pad.ink_problem():
            problems[SIGNATURE] = self.pad.ink_problem()
        order = [*self.fields, SIGNER, SIGNATURE]
        return {key: problems[key] for key in order if key in problems}

    def _show_problems(self, problems: dict[str, str]) -> None:
        for qid, field in self.fields.items():
            if qid in problems:
                field.show_problem(problems[qid])
            else:
                field.clear_problem()
        for key, label in ((SIGNER, self.signer_problem), (SIGNATURE, self.signature_problem)):
            label.setText(problems.get(key, ""))
            label.setVisible(key in problems)
        count = len(problems)
        self.summary.setStyleSheet(PROBLEM_STYLE)
        self.summary.setText("" if not count else
                             "One answer needs your attention; it is marked in red." if count == 1 else
                             f"{count} answers need your attention; they are marked in red.")
        first = next(iter(problems), None)
        target = self.fields.get(first) if first else None
        if target is None and first:
            target = self.signer_name if first == SIGNER else self.pad
        if target is not None:
            self.scroll.ensureWidgetVisible(target)

    def _clear(self, key: str) -> None:
        label = self.signer_problem if key == SIGNER else self.signature_problem
        label.clear()
        label.hide()

    def submit(self) -> None:
        problems = self.problems()
        self._show_problems(problems)
        if problems:
            return
        answers, _unreadable = self.raw_answers()
        submitted_at: datetime = utc_now().astimezone(self._zone)
        try:
            intake = build_intake(self.questionnaire, client=self._client, answers=answers,
                                  submitted_at=submitted_at, signer_name=self.signer_name.text(),
                                  signature=self.pad.signature())
        except AnswersInvalid as exc:  # the day turned over between the check and the build
            self._show_problems({p.question_id: problem_words(p.message) for p in exc.problems})
            return
        actor = self._session.actor
        self.submit_button.setEnabled(False)
        self.summary.setStyleSheet("")
        self.summary.setText("Saving…")

        def failed(exc: BaseException) -> None:
            self.submit_button.setEnabled(True)
            self.summary.setStyleSheet(PROBLEM_STYLE)
            self.summary.setText(f"The questionnaire was not saved. {describe_error(exc)}")

        CollectionOp(self, body=lambda store: submit_intake(store, actor=actor, intake=intake),
                     success=lambda _changes: self._saved(intake), failure=failed).run()

    def _saved(self, intake: IntakeForm) -> None:
        self.saved = intake
        self.summary.setStyleSheet("")
        self.summary.setText("Thank you. Your questionnaire is saved.")
        self.submitted.emit(intake)


__all__ = ["QuestionnaireForm", "problem_words"]
