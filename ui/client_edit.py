"""Editing a client's details: demographics, allergies, alerts, emergency contact, desk notes.

The form sends only the fields the person changed, through ``change_client``
(the server merges field by field, so two desks editing different fields both
keep their change). Each problem is shown under its own field, in plain
words; nothing is saved until every field is right. Works with the network
down: the change waits in the outbox and syncs after.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from medspa_desk.desk.clients import CLIENT_FIELDS, change_client, client_field_problems
from medspa_desk.desk.context import SignedIn
from medspa_desk.records import Client
from ui.operations import CollectionOp, describe_error
from ui.qt import (
    QDate,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
    Signal,
)

ONE_LINE = ("first_name", "last_name", "preferred_name", "phone", "email", "address", "emergency_contact")
SEVERAL_LINES = ("allergies", "alerts", "notes")


class ClientEditDialog(QDialog):
    """The client's details, editable; Save sends what changed and closes when the desk has kept it."""

    did_save = Signal()

    def __init__(self, parent: QWidget | None, *, session: SignedIn, client: Client) -> None:
        super().__init__(parent)
        self.session = session
        self.client = client
        self.setWindowTitle(f"Edit {client.full_name}")
        self.setAccessibleName("Edit client")
        self.inputs: dict[str, QLineEdit | QPlainTextEdit | QDateEdit] = {}
        self.problems: dict[str, QLabel] = {}
        body = QWidget(self)
        form = QFormLayout(body)
        for field in ("first_name", "last_name", "preferred_name", "birth_date", *ONE_LINE[3:], *SEVERAL_LINES):
            self.inputs[field] = self._input_for(field, body)
            self.inputs[field].setAccessibleName(CLIENT_FIELDS[field])
            problem = QLabel("", body)
            problem.setObjectName("fieldProblem")
            problem.setWordWrap(True)
            problem.setStyleSheet("color: #a40000;")
            problem.hide()
            self.problems[field] = problem
            column = QVBoxLayout()
            column.setSpacing(2)
            column.addWidget(self.inputs[field])
            column.addWidget(problem)
            form.addRow(CLIENT_FIELDS[field], column)
        # A tall form on a small screen scrolls; Save and Cancel stay in view.
        scroll = QScrollArea(self)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.message.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def _input_for(self, field: str, parent: QWidget) -> QLineEdit | QPlainTextEdit | QDateEdit:
        value = getattr(self.client, field)
        if field == "birth_date":
            picker = QDateEdit(QDate(value.year, value.month, value.day), parent)
            picker.setCalendarPopup(True)
            picker.setDisplayFormat("MM/dd/yyyy")
            picker.setMinimumDate(QDate(1900, 1, 1))
            return picker
        if field in SEVERAL_LINES:
            box = QPlainTextEdit(value, parent)
            box.setTabChangesFocus(True)
            return box
        line = QLineEdit(value, parent)
        line.setMaxLength(_longest(field))
        return line

    def typed(self) -> dict[str, Any]:
        """Every field as the person left it, in the record's types."""
        values: dict[str, Any] = {}
        for field, widget in self.inputs.items():
            if isinstance(widget, QDateEdit):
                picked = widget.date()
                values[field] = date(picked.year(), picked.month(), picked.day())
            elif isinstance(widget, QPlainTextEdit):
                values[field] = widget.toPlainText().strip()
            else:
                values[field] = widget.text().strip()
        return values

    def changed(self) -> dict[str, Any]:
        return {field: value for field, value in self.typed().items() if value != getattr(self.client, field)}

    def save(self) -> None:
        changes = self.changed()
        if not changes:
            self.accept()
            return
        problems = client_field_problems(self.client, changes)
        self._show_problems(problems)
        if problems:
            self.inputs[next(f for f in self.inputs if f in problems)].setFocus()
            return
        self.buttons.setEnabled(False)
        actor, client_id = self.session.actor, self.client.id
        CollectionOp(self, body=lambda store: change_client(store, actor=actor, client_id=client_id,
                                                            changes=changes),
                     success=self._saved, failure=self._refused).run()

    def _show_problems(self, problems: dict[str, str]) -> None:
        for field, label in self.problems.items():
            label.setText(problems.get(field, ""))
            label.setVisible(field in problems)
        self.message.setText("Please correct the fields marked below." if problems else "")
        self.message.setVisible(bool(problems))

    def _saved(self, _changes: object) -> None:
        self.did_save.emit()
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.message.setText(describe_error(exc))
        self.message.show()


def _longest(field: str) -> int:
    """The record's own limit for ``field``, so the form cannot take more than the desk will save."""
    limits = [m.max_length for m in Client.model_fields[field].metadata if getattr(m, "max_length", None)]
    return min(limits, default=32767)


__all__ = ["ClientEditDialog"]
