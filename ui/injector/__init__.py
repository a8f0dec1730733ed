"""The injector's workspace: the at-the-door card, charting, the face chart, compare, lot recall.

For the main window and the schedule:

- ``open_door_card(parent, session, appointment)`` opens the card for an
  appointment (an ``Appointment`` or its id);
- ``door_card_action(parent, session, selected=...)`` is a QAction (Space and
  Ctrl+I) that opens the card for whatever ``selected()`` returns;
- ``lot_recall_action(parent, session)`` opens the lot recall window.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from medspa_desk.clinical.access import may_read_clinical
from medspa_desk.desk.context import SignedIn
from ui.injector.door_card import DoorCardDialog
from ui.qt import QAction, QKeySequence, QMessageBox, Qt, QWidget


def open_door_card(parent: QWidget | None, session: SignedIn, appointment: Any) -> DoorCardDialog:
    """Show the card for ``appointment`` (non-modal: the schedule stays usable behind it)."""
    appointment_id = appointment if isinstance(appointment, UUID) else appointment.id
    dialog = DoorCardDialog(session, appointment_id=appointment_id, parent=parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    dialog.raise_()
    if parent is not None:
        parent.door_card = dialog  # keeps a handle for tests and for the lock's teardown
    return dialog


def door_card_action(parent: QWidget, session: SignedIn, *, selected: Callable[[], Any]) -> QAction:
    """"Client at the door" on Space or Ctrl+I, for the appointment ``selected()`` gives."""
    action = QAction("Client at the &door", parent)
    action.setShortcuts([QKeySequence("Space"), QKeySequence("Ctrl+I")])
    action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    action.setToolTip("Treatment history, flags and forms for the selected appointment (Space or Ctrl+I)")

    def trigger() -> None:
        appointment = selected()
        if appointment is None:
            say = getattr(parent, "show_message", None)
            if say is not None:
                say("Select an appointment first, then press Space or Ctrl+I.")
            return
        open_door_card(parent, session, appointment)

    action.triggered.connect(lambda _checked=False: trigger())
    parent.addAction(action)
    return action


def lot_recall_action(parent: QWidget, session: SignedIn) -> QAction:
    """"Lot recall…" for providers and managers (front desk gets a plain refusal)."""
    action = QAction("&Lot recall…", parent)
    action.setToolTip("Find every client who received a lot or a product")

    def trigger() -> None:
        if not may_read_clinical(session.actor.role):
            QMessageBox.information(parent, "Lot recall", "Lot recall is for providers and managers.")
            return
        from ui.injector.recall import LotRecallWindow

        window = LotRecallWindow(session, parent=parent)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.show()
        parent.lot_recall = window

    action.triggered.connect(lambda _checked=False: trigger())
    return action


__all__ = ["DoorCardDialog", "door_card_action", "lot_recall_action", "open_door_card"]
