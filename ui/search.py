"""Ctrl+K client search: results as you type, by name prefix or phone digits.

Each keystroke asks the store on the database worker; the GUI thread never
waits. Only the newest question matters: while one query runs, later
keystrokes collapse into a single follow-up, and an answer to an older
question is thrown away (``generation``), so results never flicker back to
what was typed a moment ago.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from medspa_desk.store import ClientHit
from ui.lists import wrapping_list
from ui.operations import QueryOp
from ui.qt import (
    QDialog,
    QKeyEvent,
    QLabel,
    QLineEdit,
    QListWidgetItem,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)

RESULT_LIMIT = 20
# One letter matches a tenth of the practice: it narrows nothing and costs the most.
MIN_CHARS = 2


def format_birth_date(value: date | None) -> str:
    return value.strftime("%b %d, %Y").replace(" 0", " ") if value else ""


def hit_label(hit: ClientHit) -> str:
    """One line of a search result: name, date of birth, phone."""
    parts = [hit.display_name]
    born = format_birth_date(hit.birth_date)
    if born:
        parts.append(f"born {born}")
    if hit.phone:
        parts.append(hit.phone)
    return "  ·  ".join(parts)


class ClientSearch(QDialog):
    """A small popup: type a name or phone digits, Enter opens the client."""

    client_chosen = Signal(object)  # the client's UUID
    results_did_show = Signal(int)  # the generation whose results are now on screen

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Find a client")
        self.setAccessibleName("Find a client")
        self.setMinimumWidth(520)
        self.query = QLineEdit(self)
        self.query.setPlaceholderText("Name or phone number")
        self.query.setAccessibleName("Search clients by name or phone")
        self.query.setClearButtonEnabled(True)
        self.results = wrapping_list(self, "Matching clients")
        self.hint = QLabel("Type a first or last name, or any part of a phone number.", self)
        self.hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.hint)
        self.setTabOrder(self.query, self.results)

        self.generation = 0
        self._shown_generation = 0
        self._running = False
        self._waiting: tuple[int, str] | None = None

        self.query.textEdited.connect(self.ask)
        self.query.returnPressed.connect(self._open_current)
        self.results.itemActivated.connect(self._open_item)
        self.query.installEventFilter(self)

    # --- asking --------------------------------------------------------------

    def ask(self, text: str) -> None:
        """Search for ``text`` (called on every keystroke)."""
        self.generation += 1
        text = text.strip()
        if len(text.replace(" ", "")) < MIN_CHARS:
            self._waiting = None
            self._show(self.generation, [])
            return
        if self._running:
            self._waiting = (self.generation, text)
            return
        self._run(self.generation, text)

    def _run(self, generation: int, text: str) -> None:
        self._running = True
        QueryOp(self, body=lambda store: store.search_clients(text, limit=RESULT_LIMIT),
                success=lambda hits: self._answered(generation, hits),
                failure=lambda exc: self._failed(generation, exc)).run()

    def _ran_newer(self) -> bool:
        """Start the query typed while the last one ran; True when this answer is stale."""
        self._running = False
        if self._waiting is None:
            return False
        waiting, self._waiting = self._waiting, None
        self._run(*waiting)
        return True

    def _answered(self, generation: int, hits: list[ClientHit]) -> None:
        if not self._ran_newer() and generation == self.generation:
            self._show(generation, hits)

    def _failed(self, generation: int, exc: BaseException) -> None:
        from ui.operations import describe_error

        if not self._ran_newer() and generation == self.generation:
            self.results.clear()
            self.hint.setText(describe_error(exc))

    def _show(self, generation: int, hits: list[ClientHit]) -> None:
        self.results.clear()
        for hit in hits:
            item = QListWidgetItem(hit_label(hit))
            item.setData(Qt.ItemDataRole.UserRole, str(hit.id))
            self.results.addItem(item)
        if hits:
            self.results.setCurrentRow(0)
            self.hint.setText("↑ ↓ to choose, Enter to open.")
        elif len(self.query.text().strip()) >= MIN_CHARS:
            self.hint.setText("No client matches. Check the spelling, or book a new client "
                              "from the booking window.")
        elif self.query.text().strip():
            self.hint.setText("Keep typing: at least two letters or digits.")
        else:
            self.hint.setText("Type a first or last name, or any part of a phone number.")
        self._shown_generation = generation
        self.results_did_show.emit(generation)

    # --- choosing ------------------------------------------------------------

    def eventFilter(self, watched: Any, event: Any) -> bool:
        """Up and down in the query line move through the results."""
        if (watched is self.query and isinstance(event, QKeyEvent)
                and event.type() == QKeyEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.results.count()):
            step = 1 if event.key() == Qt.Key.Key_Down else -1
            row = max(0, min(self.results.count() - 1, self.results.currentRow() + step))
            self.results.setCurrentRow(row)
            return True
        return super().eventFilter(watched, event)

    def _open_current(self) -> None:
        item = self.results.currentItem()
        if item is not None:
            self._open_item(item)

    def _open_item(self, item: QListWidgetItem) -> None:
        self.client_chosen.emit(UUID(item.data(Qt.ItemDataRole.UserRole)))
        self.accept()

    def clear(self) -> None:
        """Forget what was typed and found (on lock, and each time the popup opens)."""
        self.generation += 1
        self._waiting = None
        self.query.clear()
        self.results.clear()
        self.hint.setText("Type a first or last name, or any part of a phone number.")
