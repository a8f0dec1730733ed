"""The injector's entry points reach the main window: the door card from the schedule, lot recall."""

from __future__ import annotations

from typing import Any

from ui.injector.door_card import DoorCardDialog
from ui.lock import LockPolicy
from ui.main_window import MainWindow
from ui.qt import QApplication, Qt


def test_ctrl_i_on_the_selected_appointment_opens_the_door_card(qtbot: Any, sign_in: Any) -> None:
    window = MainWindow(sign_in("np.rivera"), policy=LockPolicy(idle_minutes=30))
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    qtbot.waitUntil(lambda: window.schedule.shown is not None and bool(window.schedule.shown.appointments),
                    timeout=10_000)
    canvas = window.schedule.canvas
    canvas.setFocus()
    canvas.select(window.schedule.shown.appointments[0].id)
    qtbot.keyClick(canvas, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(getattr(window.schedule, "door_card", None), DoorCardDialog),
                    timeout=5000)
    assert window.lot_recall_action.text() == "&Lot recall…"
    assert window.lot_recall_action.isEnabled()
    window.locker.lock("shortcut")
    qtbot.waitUntil(lambda: window.locker.locked, timeout=10_000)
    assert not window.lot_recall_action.isEnabled()  # no client data reachable from a locked desk


def test_the_desk_menu_prints_the_day_sheet_and_offers_consent_templates_to_managers(
        qtbot: Any, sign_in: Any) -> None:
    window = MainWindow(sign_in("mgr.lee"), policy=LockPolicy(idle_minutes=30))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.schedule is not None and window.schedule.shown is not None, timeout=10_000)
    assert window.template_action is not None
    window.day_sheet_action.trigger()
    qtbot.waitUntil(lambda: getattr(window, "day_sheet", None) is not None, timeout=10_000)
    window.day_sheet.close()


def test_front_desk_gets_no_consent_template_manager(qtbot: Any, sign_in: Any) -> None:
    window = MainWindow(sign_in("desk.amy"), policy=LockPolicy(idle_minutes=30))
    qtbot.addWidget(window)
    assert window.template_action is None
