"""One widget per questionnaire question: the question, its answer controls, and a problem line.

Controls are radio buttons and check boxes rather than drop-downs: the client
answers on a touch screen at arm's length, and every option stays visible.
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from medspa_desk.documents.questionnaire import Question, QuestionType
from ui.dates import parse_birth_date
from ui.qt import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.schedule.forms import PROBLEM_STYLE

NONE_OF_THESE = "none"
DATE_HINT = "Type the date as MM/DD/YYYY, for example 03/14/2024."


class UnreadableDate(ValueError):
    """A date answer that is not a date; the form shows ``DATE_HINT`` next to the question."""


class QuestionField(QWidget):
    """A question as the client sees it. ``value()`` is the raw answer (None while unanswered)."""

    answer_did_change = Signal()

    def __init__(self, question: Question, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.question = question
        self.setObjectName(f"question_{question.id}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 6)
        layout.setSpacing(4)
        mark = "" if question.required else " <span style='color:#5c6670'>(optional)</span>"
        self.label = QLabel(f"{escape(question.text)}{mark}")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.label)
        self.controls = QWidget()
        layout.addWidget(self.controls)
        self.problem = QLabel()
        self.problem.setAccessibleName(f"Problem with: {question.text}")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(PROBLEM_STYLE)
        self.problem.hide()
        layout.addWidget(self.problem)
        self._build()

    # --- what every field does -------------------------------------------------

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()

    def clear_problem(self) -> None:
        self.problem.clear()
        self.problem.hide()

    def _build(self) -> None:
        raise NotImplementedError

    def _changed(self, *_args: Any) -> None:
        self.clear_problem()
        self.answer_did_change.emit()


class YesNoField(QuestionField):
    def _build(self) -> None:
        row = QHBoxLayout(self.controls)
        row.setContentsMargins(12, 0, 0, 0)
        self.group = QButtonGroup(self)
        self.yes = QRadioButton("Yes")
        self.no = QRadioButton("No")
        for button in (self.yes, self.no):
            button.setAccessibleName(f"{button.text()}: {self.question.text}")
            self.group.addButton(button)
            row.addWidget(button)
            button.toggled.connect(self._changed)
        row.addStretch(1)

    def value(self) -> bool | None:
        return True if self.yes.isChecked() else False if self.no.isChecked() else None

    def set_value(self, value: Any) -> None:
        if isinstance(value, bool):
            (self.yes if value else self.no).setChecked(True)


class TextField(QuestionField):
    """One line for short facts (a phone number); a box for a request to describe something."""

    def _build(self) -> None:
        column = QVBoxLayout(self.controls)
        column.setContentsMargins(12, 0, 0, 0)
        # The questionnaire phrases "tell us more" prompts as sentences ending in a full stop.
        if self.question.text.rstrip().endswith("."):
            self.editor: QLineEdit | QPlainTextEdit = QPlainTextEdit()
            self.editor.setTabChangesFocus(True)
            self.editor.setFixedHeight(self.fontMetrics().lineSpacing() * 4)
            self.editor.textChanged.connect(self._changed)
        else:
            self.editor = QLineEdit()
            self.editor.setMaxLength(2000)
            self.editor.textChanged.connect(self._changed)
        self.editor.setAccessibleName(self.question.text)
        column.addWidget(self.editor)

    def value(self) -> str | None:
        text = (self.editor.toPlainText() if isinstance(self.editor, QPlainTextEdit)
                else self.editor.text())
        return text if text.strip() else None

    def set_value(self, value: Any) -> None:
        if isinstance(value, str):
            if isinstance(self.editor, QPlainTextEdit):
                self.editor.setPlainText(value)
            else:
                self.editor.setText(value)


class ChoiceField(QuestionField):
    def _build(self) -> None:
        column = QVBoxLayout(self.controls)
        column.setContentsMargins(12, 0, 0, 0)
        column.setSpacing(2)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        for option in self.question.options:
            button = QRadioButton(option.label)
            button.setAccessibleName(option.label)
            self.group.addButton(button)
            self.buttons[option.value] = button
            column.addWidget(button)
            button.toggled.connect(self._changed)

    def value(self) -> str | None:
        return next((v for v, b in self.buttons.items() if b.isChecked()), None)

    def set_value(self, value: Any) -> None:
        if value in self.buttons:
            self.buttons[value].setChecked(True)


class MultiChoiceField(QuestionField):
    """Tick every answer that applies; "None of these" clears the others and the others clear it."""

    def _build(self) -> None:
        column = QVBoxLayout(self.controls)
        column.setContentsMargins(12, 0, 0, 0)
        column.setSpacing(2)
        self.boxes: dict[str, QCheckBox] = {}
        for option in self.question.options:
            box = QCheckBox(option.label)
            box.setAccessibleName(option.label)
            self.boxes[option.value] = box
            column.addWidget(box)
            box.toggled.connect(lambda on, value=option.value: self._ticked(value, on))

    def _ticked(self, value: str, on: bool) -> None:
        if on and NONE_OF_THESE in self.boxes:
            others = [v for v in self.boxes if v != NONE_OF_THESE] if value == NONE_OF_THESE else [NONE_OF_THESE]
            for other in others:
                self.boxes[other].setChecked(False)
        self._changed()

    def value(self) -> list[str] | None:
        ticked = [v for v, b in self.boxes.items() if b.isChecked()]
        return ticked or None

    def set_value(self, value: Any) -> None:
        if isinstance(value, list | tuple):
            for v in value:
                if v in self.boxes:
                    self.boxes[v].setChecked(True)


class DateField(QuestionField):
    def _build(self) -> None:
        row = QHBoxLayout(self.controls)
        row.setContentsMargins(12, 0, 0, 0)
        self.editor = QLineEdit()
        self.editor.setPlaceholderText("MM/DD/YYYY")
        self.editor.setAccessibleName(self.question.text)
        self.editor.setMaxLength(10)
        self.editor.setMaximumWidth(self.fontMetrics().averageCharWidth() * 18)
        self.editor.textChanged.connect(self._changed)
        row.addWidget(self.editor)
        row.addStretch(1)

    def value(self) -> date | None:
        """The date typed; raises UnreadableDate for text that is not one."""
        text = self.editor.text().strip()
        if not text:
            return None
        when = parse_birth_date(text)
        if when is None:
            raise UnreadableDate(DATE_HINT)
        return when

    def set_value(self, value: Any) -> None:
        try:
            when = date.fromisoformat(str(value))
        except ValueError:
            return
        self.editor.setText(f"{when:%m/%d/%Y}")


FIELD_TYPES: dict[QuestionType, type[QuestionField]] = {
    QuestionType.YES_NO: YesNoField, QuestionType.TEXT: TextField, QuestionType.CHOICE: ChoiceField,
    QuestionType.MULTI_CHOICE: MultiChoiceField, QuestionType.DATE: DateField,
}


def field_for(question: Question, parent: QWidget | None = None) -> QuestionField:
    return FIELD_TYPES[question.type](question, parent)

