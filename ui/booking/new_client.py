"""The booking dialog's compact form for a client who is not on file yet; a problem shows by its field."""

from __future__ import annotations

from pydantic import ValidationError

from medspa_desk.records import Client
from ui.dates import date_hint, example_date, parse_birth_date
from ui.operations import validation_message
from ui.qt import QFormLayout, QGroupBox, QLabel, QLineEdit, QWidget
from ui.schedule.forms import PROBLEM_STYLE


class NewClientForm(QGroupBox):
    """The compact form for a client who is not in the system yet."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("New client", parent)
        form = QFormLayout(self)
        self.first_name = QLineEdit()
        self.first_name.setAccessibleName("First name")
        self.last_name = QLineEdit()
        self.last_name.setAccessibleName("Last name")
        self.birth_date = QLineEdit()
        self.birth_date.setAccessibleName("Date of birth")
        self.birth_date.setPlaceholderText(date_hint())
        self.birth_date_error = QLabel()
        self.birth_date_error.setAccessibleName("Date of birth problem")
        self.birth_date_error.setWordWrap(True)
        self.birth_date_error.setStyleSheet(PROBLEM_STYLE)
        self.birth_date_error.hide()
        self.birth_date.textEdited.connect(lambda _text: self.birth_date_error.hide())
        self.phone = QLineEdit()
        self.phone.setAccessibleName("Mobile phone")
        self.email = QLineEdit()
        self.email.setAccessibleName("Email")
        form.addRow("First name", self.first_name)
        form.addRow("Last name", self.last_name)
        form.addRow("Date of birth", self.birth_date)
        form.addRow("", self.birth_date_error)  # the problem beside the field it is about
        form.addRow("Mobile phone", self.phone)
        form.addRow("Email", self.email)

    def client(self) -> Client:
        """The client as typed; raises ValueError with plain words for what to fix."""
        born = parse_birth_date(self.birth_date.text())
        if born is None:
            words = f"Date of birth: type it as {date_hint()}, for example {example_date()}."
            self.birth_date_error.setText(words)
            self.birth_date_error.show()
            raise ValueError(words)
        try:
            return Client(first_name=self.first_name.text(), last_name=self.last_name.text(), birth_date=born,
                          phone=self.phone.text(), email=self.email.text())
        except ValidationError as exc:
            raise ValueError(validation_message(exc).replace("birth date", "Date of birth")) from exc
