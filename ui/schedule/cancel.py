"""Asking why an appointment is cancelled: the workflow (and the audit) needs a reason."""

from __future__ import annotations

from ui.qt import QComboBox, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget
from ui.schedule.forms import FormDialog
from ui.schedule.series_scope import SeriesScope

COMMON_REASONS = (
    "Client called to cancel",
    "Client is unwell",
    "Provider unavailable",
    "Rescheduled to another day",
    "Other (write below)",
)

CANCEL_ONE = "Cancel appointment"
CANCEL_FOLLOWING = "Cancel these appointments"


class CancelReasonDialog(FormDialog):
    """Why the visit is cancelled; for a visit of a series (``in_series``), also this one only or the rest too."""

    def __init__(self, parent: QWidget | None = None, *, what: str = "this appointment",
                 in_series: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle("Cancel appointment")
        layout = QVBoxLayout(self)
        self._in_series = in_series
        self.series_scope = SeriesScope("Cancel")
        self.series_scope.setVisible(in_series)
        layout.addWidget(self.series_scope)
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
        self.confirm = buttons.addButton(CANCEL_ONE, QDialogButtonBox.ButtonRole.AcceptRole)
        keep = buttons.addButton("Keep appointment", QDialogButtonBox.ButtonRole.RejectRole)
        # The button says what it will do: one visit, or this one and the later ones of the series.
        self.series_scope.following.toggled.connect(
            lambda following: self.confirm.setText(CANCEL_FOLLOWING if following else CANCEL_ONE))
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
            self._problem(f"Write the reason, then press {self.confirm.text()} again.")
            self.detail.setFocus()
            return
        self.accept()

    def with_following(self) -> bool:
        """Cancel the later visits of the series as well (only when asked, for a visit of a series)."""
        return self._in_series and self.series_scope.with_following()
