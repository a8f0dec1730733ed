"""Before a "new" client is saved: the clients on file who look like them, to use one or add anyway.

The core found the matches (``PossibleDuplicate``: same name and date of
birth, phone or email) and saved nothing. The person picks the client on file
(the usual answer: they have been here before) or says this is a different
person, and the booking goes ahead as they chose.
"""

from __future__ import annotations

from uuid import UUID

from medspa_desk.desk.clients import DuplicateMatch, PossibleDuplicate
from ui.lists import wrapping_list
from ui.qt import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidgetItem,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.search import format_birth_date


def match_line(match: DuplicateMatch) -> str:
    hit = match.client
    phone = f" · {hit.phone}" if hit.phone else ""
    return f"{hit.display_name} · born {format_birth_date(hit.birth_date)}{phone}\nSame {', '.join(match.why)}"


class DuplicateClientDialog(QDialog):
    """The matches, the first one chosen; "Use this client", "Add as new client" or Cancel."""

    use_client = Signal(object, str)  # UUID, name as shown
    add_as_new = Signal()

    def __init__(self, parent: QWidget | None, *, asked: PossibleDuplicate) -> None:
        super().__init__(parent)
        self.setWindowTitle("Is this client already on file?")
        self.setAccessibleName("Possible duplicate client")
        self.explanation = QLabel(str(asked), self)
        self.explanation.setWordWrap(True)
        self.matches = wrapping_list(self, "Clients on file who match")
        # Wide enough for a name, a birth date and a phone number on one line.
        self.matches.setMinimumWidth(self.fontMetrics().averageCharWidth() * 72)
        for match in asked.matches:
            item = QListWidgetItem(match_line(match), self.matches)
            item.setData(Qt.ItemDataRole.UserRole, (match.client.id, match.client.display_name))
        self.matches.setCurrentRow(0)
        self.matches.itemActivated.connect(lambda _item: self._use())
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.use_button = QPushButton("Use this client", self)
        self.use_button.setDefault(True)
        self.new_button = QPushButton("Add as new client", self)
        self.buttons.addButton(self.use_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.new_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.use_button.clicked.connect(self._use)
        self.new_button.clicked.connect(self._add_anyway)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.explanation)
        layout.addWidget(self.matches, 1)
        layout.addWidget(self.buttons)

    def _use(self) -> None:
        item = self.matches.currentItem()
        if item is None:
            return
        client_id, name = item.data(Qt.ItemDataRole.UserRole)
        self.accept()
        self.use_client.emit(UUID(str(client_id)), name)

    def _add_anyway(self) -> None:
        self.accept()
        self.add_as_new.emit()


__all__ = ["DuplicateClientDialog", "match_line"]
