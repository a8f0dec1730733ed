"""The conflict inbox: what sync could not settle alone, and a person's choice for each.

- a double booking (two desks booked one slot offline): book the refused visit
  at the next free slot for the same service and provider, or discard it;
- a field changed on both sides (a phone number, an allergy): keep this desk's
  value or the other one;
- a change the server rejected: read the reason, discard.

Every resolution goes through the store (audited there) on the worker.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from medspa_desk.records import Appointment, Conflict, ConflictKind, utc_now
from medspa_desk.session import NotReady
from medspa_desk.store import NotFound
from ui.conflict_subjects import KIND_WORDS, Inbox, inbox_line, load_inbox
from ui.events import bus
from ui.operations import CollectionOp, QueryOp, Refusal, describe_error
from ui.qt import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)


def conflict_summary(conflict: Conflict) -> str:
    return f"{KIND_WORDS.get(conflict.kind, 'Conflict')}: {conflict.reason}"


def rebook_at_next_free_slot(store: Any, conflict: Conflict, *, actor: Any) -> Any:
    """Move the refused visit to the first free slot after the one it lost; resolve.

    The visit keeps its own id, so the client has exactly one appointment: a
    refused move is rescheduled (the appointment is on the desk at its server
    time), a refused new booking is booked again under the same id (the server
    never took it). Both are audited by the store, like the resolution.
    """
    from medspa_desk import scheduling

    refused = _refused_booking(conflict)
    if refused is None:
        raise Refusal("This conflict does not say which booking was refused; discard it and "
                         "book the visit again from the schedule.")
    service = next(s for s in store.services() if s.id == refused.service_id)
    location = next(loc for loc in store.locations() if loc.id == refused.location_id)
    day_start = refused.starts_at - timedelta(days=1)
    existing = store.appointments_between(day_start, refused.starts_at + timedelta(days=31),
                                          provider_id=refused.provider_id)
    existing += [a for a in store.appointments_between(day_start, refused.starts_at + timedelta(days=31))
                 if a.provider_id != refused.provider_id]
    slot = scheduling.next_free_slot(service=service, provider_id=refused.provider_id,
                                     location=location, shifts=store.shifts(),
                                     rooms=store.rooms(location.id), existing=existing,
                                     after=max(refused.starts_at, utc_now()), ignoring=refused.id)
    if slot is None:
        raise Refusal("There is no free time for this provider in the next month; "
                         "discard the conflict and book with another provider.")
    if _on_the_desk(store, refused.id):
        changes = store.reschedule(refused.id, starts_at=slot.starts_at, ends_at=slot.ends_at,
                                   provider_id=refused.provider_id, room_id=slot.room_id, actor=actor)
    else:
        changes = store.book(refused.model_copy(update={
            "starts_at": slot.starts_at, "ends_at": slot.ends_at, "room_id": slot.room_id,
            "version": 1, "seq": 0, "updated_at": utc_now()}), actor=actor)
    return changes | store.resolve_conflict(conflict.id, resolution="rebooked at next free slot",
                                            actor=actor)


def _on_the_desk(store: Any, appointment_id: UUID) -> bool:
    try:
        store.appointment(appointment_id)
    except NotFound:
        return False
    return True


def field_choices(conflict: Conflict) -> list[tuple[str, Any, Any]]:
    """(field, this desk's value, the other value) for each field both desks changed.

    ``detail["mine"]`` is this desk's changes (an update the server applied in
    part) or the whole refused update payload (``{"changes": ..., "base": ...}``);
    ``detail["theirs"]`` is the record as the server keeps it.
    """
    mine = conflict.detail.get("mine") or {}
    if isinstance(mine, dict) and isinstance(mine.get("changes"), dict):
        mine = mine["changes"]
    theirs = conflict.detail.get("theirs") or {}
    if not isinstance(mine, dict) or not isinstance(theirs, dict):
        return []
    fields = conflict.detail.get("fields") or sorted(mine)
    return [(name, mine[name], theirs.get(name)) for name in fields if name in mine]


def keep_field_value(store: Any, conflict: Conflict, *, mine: bool, actor: Any) -> Any:
    """Settle fields changed on both desks: send this desk's values again, or accept the other ones."""
    if mine:
        choices = field_choices(conflict)
        if conflict.entity != "client" or not choices:
            raise Refusal("This desk's values are not in the conflict; change the record by hand, "
                          "then discard the conflict.")
        changes = store.update_client(conflict.entity_id, {name: value for name, value, _ in choices},
                                      actor=actor)
        return changes | store.resolve_conflict(conflict.id, resolution="kept this desk's value",
                                                actor=actor)
    return store.resolve_conflict(conflict.id, resolution="kept the other value", actor=actor)


def _shown(value: Any) -> str:
    return "(empty)" if value in (None, "") else str(value)


def _refused_booking(conflict: Conflict) -> Appointment | None:
    for key in ("refused", "mine", "booking", "appointment"):
        data = conflict.detail.get(key)
        if isinstance(data, dict):
            try:
                return Appointment.model_validate(data)
            except ValueError:
                return None
    return None


class ConflictInbox(QDialog):
    """A list of open conflicts and the choices each allows."""

    did_load = Signal(int)

    def __init__(self, parent: QWidget | None, *, session: Any) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Conflict inbox")
        self.setAccessibleName("Conflict inbox")
        self.resize(720, 420)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Open conflicts")
        self.list.setWordWrap(True)
        self.explanation = QLabel("", self)
        self.explanation.setWordWrap(True)
        self.rebook = QPushButton("Book at the &next free slot", self)
        self.keep_mine = QPushButton("Keep &this desk’s value", self)
        self.keep_theirs = QPushButton("Keep the &other value", self)
        self.discard = QPushButton("&Discard", self)
        self.close_button = QPushButton("Close", self)
        buttons = QHBoxLayout()
        for button in (self.rebook, self.keep_mine, self.keep_theirs, self.discard):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.explanation)
        layout.addLayout(buttons)
        self.conflicts: list[Conflict] = []
        self.subjects: dict[UUID, str] = {}  # whose each conflict is (ui/conflict_subjects.py)
        self.list.currentRowChanged.connect(self._choose)
        self.rebook.clicked.connect(lambda: self._resolve(
            lambda store, c, actor: rebook_at_next_free_slot(store, c, actor=actor)))
        self.keep_mine.clicked.connect(lambda: self._resolve(
            lambda store, c, actor: keep_field_value(store, c, mine=True, actor=actor)))
        self.keep_theirs.clicked.connect(lambda: self._resolve(
            lambda store, c, actor: keep_field_value(store, c, mine=False, actor=actor)))
        self.discard.clicked.connect(lambda: self._resolve(
            lambda store, c, actor: store.resolve_conflict(c.id, resolution="discarded", actor=actor)))
        self.close_button.clicked.connect(self.accept)
        bus.operation_did_execute.connect(self._on_changes)
        bus.sync_did_finish.connect(lambda _result: self.reload())
        self._choose(-1)
        self.reload()

    def reload(self) -> None:
        try:
            zone = self.session.location.zone
        except NotReady:  # before the first sync: times in UTC, said nowhere else
            zone = ZoneInfo("UTC")
        privacy = bus.privacy_mode
        QueryOp(self, body=lambda store: load_inbox(store, zone=zone, privacy=privacy), success=self._show_inbox,
                failure=lambda exc: self.explanation.setText(describe_error(exc))).run()

    def _show_inbox(self, inbox: Inbox) -> None:
        self.subjects = inbox.subjects
        self._show(inbox.conflicts)

    def _on_changes(self, changes: Any, _initiator: Any) -> None:
        if getattr(changes, "conflicts", False):
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
        kind = conflict.kind if conflict else None
        self.rebook.setVisible(kind is ConflictKind.DOUBLE_BOOKING)
        self.keep_mine.setVisible(kind is ConflictKind.FIELD_CONFLICT)
        self.keep_theirs.setVisible(kind is ConflictKind.FIELD_CONFLICT)
        self.discard.setEnabled(conflict is not None)
        if conflict is None:
            return
        if kind is ConflictKind.FIELD_CONFLICT:
            lines = [f"{name.replace('_', ' ').capitalize()}: this desk “{_shown(mine)}”, "
                     f"other desk “{_shown(theirs)}”." for name, mine, theirs in field_choices(conflict)]
            self.explanation.setText("\n".join([
                "These details were changed on this desk and on another one at the same time.",
                *lines, "Pick which to keep."]))
        elif kind is ConflictKind.DOUBLE_BOOKING:
            self.explanation.setText(
                f"{conflict.reason} Book the refused visit at the next free time for the same "
                "provider, or discard it and call the client.")
        else:
            self.explanation.setText(f"{conflict.reason} Discard it once you have dealt with it.")

    def _resolve(self, action: Any) -> None:
        conflict = self._current()
        if conflict is None:
            return
        actor = self.session.actor
        CollectionOp(self, body=lambda store: action(store, conflict, actor),
                     success=lambda _changes: self.reload(),
                     failure=lambda exc: self.explanation.setText(describe_error(exc))).run()

    def conflict_ids(self) -> list[UUID]:
        return [c.id for c in self.conflicts]
