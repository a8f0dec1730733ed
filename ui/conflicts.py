"""The conflict inbox: what sync could not settle alone, and a person's choice for each.

The choices an entry allows, the question asked before one that drops a safety
fact, and the change each makes all come from ``medspa_desk.desk.conflicts``;
this view shows them and runs the one picked on the database worker.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from medspa_desk.desk.conflicts import (
    Choice,
    choices_for,
    confirmation_needed,
    inbox_detail,
    resolve_conflict,
)
from medspa_desk.desk.context import SignedIn
from medspa_desk.protocol import FieldConflict, RejectedChange
from medspa_desk.records import Conflict, ConflictKind
from medspa_desk.rules import UseCase, may, refusal
from medspa_desk.session import NotReady
from medspa_desk.store import Changes
from ui.conflict_subjects import KIND_WORDS, Inbox, inbox_line, load_inbox
from ui.events import bus
from ui.lists import wrapping_list
from ui.operations import CollectionOp, QueryOp, describe_error
from ui.qt import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)


def conflict_summary(conflict: Conflict) -> str:
    return f"{KIND_WORDS.get(conflict.kind, 'Conflict')}: {conflict.reason}"


def _shown(value: Any) -> str:
    return "(empty)" if value in (None, "") else str(value)


def explanation(conflict: Conflict) -> str:
    """What the entry says under the list: the values or the reason, and what the person can do."""
    detail = inbox_detail(conflict)
    if isinstance(detail, FieldConflict):
        lines = [f"{c.field.replace('_', ' ').capitalize()}: this desk “{_shown(c.mine)}”, "
                 f"other desk “{_shown(c.theirs)}”." for c in detail.fields]
        return "\n".join(["These details were changed on this desk and on another one at the same time; "
                          "nothing was overwritten.", *lines, "Pick which to keep."])
    if conflict.kind is ConflictKind.DOUBLE_BOOKING:
        return (f"{conflict.reason} Book the refused visit at the next free time for the same "
                "provider, or discard it and call the client.")
    if isinstance(detail, RejectedChange) and Choice.FIX in choices_for(conflict):
        return (f"{conflict.reason} “Fix and send again” removes the hidden characters and sends the "
                "change; or discard it.")
    return f"{conflict.reason} Discard it once you have dealt with it."


class ConflictInbox(QDialog):
    """A list of open conflicts and the choices each allows."""

    did_load = Signal(int)

    def __init__(self, parent: QWidget | None, *, session: SignedIn) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Conflict inbox")
        self.setAccessibleName("Conflict inbox")
        self.resize(720, 420)
        self.list = wrapping_list(self, "Open conflicts")
        self.explanation = QLabel("", self)
        self.explanation.setWordWrap(True)
        self.rebook = QPushButton("Book at the &next free slot", self)
        self.keep_mine = QPushButton("Keep &this desk’s value", self)
        self.keep_theirs = QPushButton("Keep the &other value", self)
        self.fix = QPushButton("&Fix and send again", self)
        self.discard = QPushButton("&Discard", self)
        self.close_button = QPushButton("Close", self)
        buttons = QHBoxLayout()
        for button in (self.rebook, self.keep_mine, self.keep_theirs, self.fix, self.discard):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.explanation)
        layout.addLayout(buttons)
        self.conflicts: list[Conflict] = []
        # Which reload may still be shown: a reload asked for before the person's latest choice
        # (a sync finishing just as they click) would show the inbox as it was before that choice.
        self._latest_reload = 0
        self.subjects: dict[UUID, str] = {}  # whose each conflict is (ui/conflict_subjects.py)
        self.list.currentRowChanged.connect(self._choose)
        self.buttons = {Choice.REBOOK: self.rebook, Choice.KEEP_MINE: self.keep_mine,
                        Choice.KEEP_THEIRS: self.keep_theirs, Choice.FIX: self.fix, Choice.DISCARD: self.discard}
        for choice, button in self.buttons.items():
            button.clicked.connect(lambda _checked=False, picked=choice: self._pick(picked))
        self.question: QMessageBox | None = None
        self.close_button.clicked.connect(self.accept)
        bus.operation_did_execute.connect(self._on_changes)
        bus.sync_did_finish.connect(lambda _result: self.reload())
        self._choose(-1)
        self.reload()

    def reload(self) -> None:
        self._latest_reload += 1
        ticket = self._latest_reload
        try:
            zone = self.session.location.zone
        except NotReady:  # before the first sync: times in UTC, said nowhere else
            zone = ZoneInfo("UTC")
        privacy = bus.privacy_mode
        QueryOp(self, body=lambda store: load_inbox(store, zone=zone, privacy=privacy),
                success=lambda inbox: self._show_if_latest(ticket, inbox),
                failure=lambda exc: self.explanation.setText(describe_error(exc))).run()

    def _show_if_latest(self, ticket: int, inbox: Inbox) -> None:
        if ticket == self._latest_reload:
            self.subjects = inbox.subjects
            self._show(inbox.conflicts)

    def _on_changes(self, changes: Changes, _initiator: object) -> None:
        if changes.conflicts:
            self.reload()

    def _show(self, conflicts: list[Conflict]) -> None:
        self.conflicts = list(conflicts)
        self.list.clear()
        for conflict in self.conflicts:
            item = QListWidgetItem(inbox_line(conflict, self.subjects))
            item.setData(Qt.ItemDataRole.UserRole, str(conflict.id))
            self.list.addItem(item)
        if not self.conflicts:
            self.explanation.setText("Nothing to review: every change from this desk was accepted.")
        else:
            self.list.setCurrentRow(0)
        self.did_load.emit(len(self.conflicts))

    def _current(self) -> Conflict | None:
        row = self.list.currentRow()
        return self.conflicts[row] if 0 <= row < len(self.conflicts) else None

    def _choose(self, _row: int) -> None:
        conflict = self._current()
        role = self.session.actor.role
        settles = may(role, UseCase.RESOLVE_CONFLICT)  # the clinic's table, as resolve_conflict asks it
        allowed = choices_for(conflict) if conflict is not None and settles else ()
        for choice, button in self.buttons.items():
            if choice is Choice.DISCARD:
                button.setVisible(settles)
                button.setEnabled(conflict is not None)
            else:
                button.setVisible(choice in allowed)
        if conflict is not None:
            said = explanation(conflict)
            self.explanation.setText(said if settles else f"{said}\n{refusal(role, UseCase.RESOLVE_CONFLICT)}")

    def _pick(self, choice: Choice) -> None:
        conflict = self._current()
        if conflict is None:
            return
        question = confirmation_needed(conflict, choice)
        if question is None:
            self._resolve(conflict, choice, confirmed=False)
            return
        self.question = QMessageBox(QMessageBox.Icon.Warning, "Drop this desk's value?", question,
                                    QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        self.question.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self.question.finished.connect(lambda answer: self._resolve(conflict, choice, confirmed=True)
                                       if answer == QMessageBox.StandardButton.Yes else None)
        self.question.open()

    def _resolve(self, conflict: Conflict, choice: Choice, *, confirmed: bool) -> None:
        actor = self.session.actor
        self._latest_reload += 1  # reloads asked for before this choice read the inbox before it
        CollectionOp(self, body=lambda store: resolve_conflict(store, conflict.id, choice=choice, actor=actor,
                                                                confirmed=confirmed),
                     success=lambda _changes: self.reload(),
                     failure=lambda exc: self.explanation.setText(describe_error(exc))).run()

    def conflict_ids(self) -> list[UUID]:
        return [c.id for c in self.conflicts]
