"""Blocking time on the schedule: a provider's break (the front desk too), time off or a room's maintenance
(managers); the dialog offers what the signed-in role may block (``rules.blocking_use_case``).

Saved through ``block_time`` (audited, synced as the practice's set-up); from
then on this desk refuses a booking or a move into it, and every other desk
does once it has synced. Works offline: the block waits in the outbox.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any
from uuid import UUID

from medspa_desk.desk.blocked_time import block_time
from medspa_desk.desk.context import SignedIn
from medspa_desk.records import BlockedTime, BlockKind
from medspa_desk.rules import blocking_use_case, may
from medspa_desk.scheduling import block_title, local_datetime
from ui.locale_time import time_field_format
from ui.operations import CollectionOp, QueryOp, describe_error
from ui.qt import (
    QComboBox,
    QDate,
    QDateEdit,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QTime,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.schedule.forms import US_DATE_FORMAT, FormDialog, add_choice

PROVIDER, ROOM = "provider", "room"


class BlockTimeDialog(FormDialog):
    """Who or what, why, the day and the hours, a note for staff."""

    did_block = Signal(object)  # the BlockedTime as saved

    def __init__(self, session: SignedIn, *, parent: QWidget | None = None, day: date) -> None:
        super().__init__(parent)
        self._session = session
        self.setWindowTitle("Block time")
        self.setAccessibleName("Block time")
        self.holder = QComboBox(self)
        self.holder.setAccessibleName("Provider or room")
        # The choices arrive after the dialog is shown: wide enough for "Dr. Maya Patel (provider)" from the start.
        self.holder.setMinimumContentsLength(30)
        self.holder.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.why = QComboBox(self)
        self.why.setAccessibleName("Why")
        role = session.actor.role
        self._rooms_too = any(may(role, blocking_use_case(kind, for_provider=False)) for kind in BlockKind)
        for kind in BlockKind:
            if may(role, blocking_use_case(kind, for_provider=True)) or (
                    self._rooms_too and may(role, blocking_use_case(kind, for_provider=False))):
                self.why.addItem(block_title(kind), kind.value)
        self.day = QDateEdit(QDate(day.year, day.month, day.day), self)
        self.day.setDisplayFormat(US_DATE_FORMAT)
        self.day.setCalendarPopup(True)
        self.day.setAccessibleName("Day")
        self.starts = QTimeEdit(QTime(12, 0), self)
        self.starts.setDisplayFormat(time_field_format())
        self.starts.setAccessibleName("From")
        self.ends = QTimeEdit(QTime(13, 0), self)
        self.ends.setDisplayFormat(time_field_format())
        self.ends.setAccessibleName("To")
        self.note = QLineEdit(self)
        self.note.setAccessibleName("Note for staff")
        self.note.setPlaceholderText("For staff only, e.g. “training” (no client names)")
        self.note.setMaxLength(200)
        form = QFormLayout()
        form.addRow("Provider or room", self.holder)
        form.addRow("Why", self.why)
        form.addRow("Day", self.day)
        form.addRow("From", self.starts)
        form.addRow("To", self.ends)
        form.addRow("Note", self.note)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.save_button = self.buttons.addButton("Block this time", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem_label())
        layout.addWidget(self.buttons)
        location_id = session.location.id
        QueryOp(self, body=lambda store: (store.providers(), store.rooms(location_id)),
                success=self._fill_holders, failure=lambda exc: self._problem(describe_error(exc))).run()

    def _fill_holders(self, found: tuple[list[Any], list[Any]]) -> None:
        providers, rooms = found
        for provider in providers:
            add_choice(self.holder, f"{provider.display_name} (provider)", provider.id)
            self.holder.setItemData(self.holder.count() - 1, PROVIDER, _KIND_ROLE)
        for room in rooms if self._rooms_too else ():
            add_choice(self.holder, f"{room.name} (room)", room.id)
            self.holder.setItemData(self.holder.count() - 1, ROOM, _KIND_ROLE)

    def block(self) -> BlockedTime:
        """The block as typed; raises ValueError with plain words for what to fix."""
        if self.holder.currentIndex() < 0:
            raise ValueError("Choose the provider or the room to block.")
        holder_id = UUID(self.holder.currentData())
        is_room = self.holder.currentData(_KIND_ROLE) == ROOM
        picked, zone = self.day.date(), self._session.location.zone
        day = date(picked.year(), picked.month(), picked.day())
        starts, ends = (local_datetime(day, _time(edit.time()), zone) for edit in (self.starts, self.ends))
        if ends <= starts:
            raise ValueError("“To” must be after “From”.")
        return BlockedTime(location_id=self._session.location.id, kind=BlockKind(self.why.currentData()),
                           provider_id=None if is_room else holder_id, room_id=holder_id if is_room else None,
                           starts_at=starts, ends_at=ends, note=self.note.text().strip())

    def save(self) -> None:
        try:
            block = self.block()
        except ValueError as exc:
            self._problem(str(exc))
            return
        self._clear_problem()
        actor = self._session.actor
        CollectionOp(self, body=lambda store: block_time(store, actor=actor, block=block),
                     success=lambda _changes: self._saved(block),
                     failure=lambda exc: self._problem(f"Not blocked. {describe_error(exc)}")).run()

    def _saved(self, block: BlockedTime) -> None:
        self.did_block.emit(block)
        self.accept()


_KIND_ROLE = 0x0101  # the role after Qt's UserRole (0x0100), where the combo keeps "provider" or "room"


def _time(picked: QTime) -> time:
    return time(picked.hour(), picked.minute())


__all__ = ["BlockTimeDialog"]
