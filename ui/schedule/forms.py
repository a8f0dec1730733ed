"""Pieces shared by the schedule's dialogs (booking, check-in, consent, cancel)."""

from __future__ import annotations

from uuid import UUID

from ui.qt import QComboBox, QDialog, QKeyEvent, QLabel, Qt

PROBLEM_STYLE = "color: #a4161a;"
# Dates in date pickers as a US desk writes them, like the rest of the app: "Mon Nov 23, 2026".
US_DATE_FORMAT = "ddd MMM d, yyyy"
OK_STYLE = "color: #17603a;"


def add_choice(combo: QComboBox, text: str, record_id: UUID | None) -> None:
    """Ids go into a combo box as text: Qt cannot compare Python UUID objects in findData."""
    combo.addItem(text, str(record_id) if record_id else "")


def chosen_id(combo: QComboBox) -> UUID | None:
    data = combo.currentData()
    return UUID(data) if data else None


def select_id(combo: QComboBox, record_id: UUID | None) -> bool:
    index = combo.findData(str(record_id) if record_id else "")
    if index >= 0:
        combo.setCurrentIndex(index)
    return index >= 0


class FormDialog(QDialog):
    """A dialog with one plain-words problem line, where Return in a field does that field's job.

    QDialog would also press its default button on Return, saving a half-filled
    form; a focused button still answers Return itself.
    """

    def problem_label(self) -> QLabel:
        self.problem = QLabel()
        self.problem.setAccessibleName("Problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(PROBLEM_STYLE)
        self.problem.hide()
        return self.problem

    def _problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()

    def _clear_problem(self) -> None:
        self.problem.clear()
        self.problem.hide()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)
