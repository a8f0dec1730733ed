"""Asking why an appointment is cancelled: the workflow (and the audit) needs a reason."""

from __future__ import annotations

from ui.qt import QComboBox, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget
from ui.schedule.forms import FormDialog

COMMON_REASONS = (
    "Client called to cancel",
    "Client is unwell",
    "Provider unavailable",
    "Rescheduled to another day",
    "Other (write below)",
)


class CancelReasonDialog(FormDialog):
    def __init__(self, parent: QWidget | None = None, *, what: str = "this appointment") -> None:
        super().__init__(parent)
        self.setWindowTitle("Cancel appointment")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Why is {what} cancelled?"))
        self.choice = QComboBox()
        self.choice.setAccessibleName("Cancellation reason")
        self.choice.addItems(COMMON_REASONS)
        layout.addWidget(self.choice)
        self.detail = QLineEdit()
        self.detail.setAccessibleName("Reason in your words")
        self.detail.setPlaceholderText("Reason in your words (needed for “Other”)")
        self.detail.setMaxLength(400)
        layout.addWidget(self.detail)
        layout.addWidget(self.problem_label())
        buttons = QDialogButtonBox()
        self.confirm = buttons.addButton("Cancel appointment", QDialogButtonBox.ButtonRole.AcceptRole)
        keep = buttons.addButton("Keep appointment", QDialogButtonBox.ButtonRole.RejectRole)
        keep.setDefault(True)
        buttons.accepted.connect(self._accept_if_reason)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def reason(self) -> str:
        detail = self.detail.text().strip()
        choice = self.choice.currentText()
        if choice.startswith("Other"):
            return detail
        return f"{choice}: {detail}" if detail else choice

    def _accept_if_reason(self) -> None:
        if not self.reason():
            self._problem("Write the reason, then press Cancel appointment again.")
            self.detail.setFocus()
            return
        self.accept()
