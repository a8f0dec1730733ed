"""The schedule block's menu: every status step the table allows, a refused one greyed with the reason."""

from __future__ import annotations

from datetime import timedelta

from pytestqt.qtbot import QtBot

from medspa_desk.desk import visits
from medspa_desk.records import AppointmentStatus
from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from tests.ui.schedule.test_day_view import DAY, _centre_of, _view
from tests.ui.test_checkin import _check_in
from ui.booking import BookingDialog
from ui.qt import QAction, QApplication, QContextMenuEvent, QMenu, Qt
from ui.schedule.day_view import DayScheduleView


def right_click(qtbot: QtBot, view: DayScheduleView, appointment_id: object) -> QMenu:
    viewport = view.canvas.viewport()
    pos = _centre_of(view, appointment_id)
    QApplication.sendEvent(viewport, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos,
                                                       viewport.mapToGlobal(pos)))
    qtbot.waitUntil(lambda: getattr(view, "visit_menu", None) is not None and view.visit_menu.isVisible())
    return view.visit_menu


def action(menu: QMenu, name: str) -> QAction:
    return next(a for a in menu.actions() if a.objectName() == name)


def test_an_arrival_made_by_mistake_is_undone_from_the_block_menu(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    appt = desk.book(desk.add_client(), day=DAY, hour=10)
    desk.run(lambda store: visits.check_in(store, actor=desk.actor, visit_id=appt.id))
    view = _view(qtbot, desk)
    view.canvas.scroll_to_time(desk.at(DAY, 9))

    menu = right_click(qtbot, view, appt.id)
    assert not action(menu, "confirm_visit").isEnabled()
    assert action(menu, "mark_no_show").toolTip() == "A visit that is arrived cannot become no show."
    undo = action(menu, "undo_arrival")
    assert undo.isEnabled()
    undo.trigger()
    menu.close()

    qtbot.waitUntil(lambda: desk.appointment(appt.id).status is AppointmentStatus.CONFIRMED)
    qtbot.waitUntil(lambda: view.shown.appointment(appt.id).status is AppointmentStatus.CONFIRMED)


def test_a_step_the_other_desk_made_stale_is_refused_with_the_reason(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    appt = desk.book(desk.add_client(), day=DAY, hour=10)
    view = _view(qtbot, desk)
    view.canvas.scroll_to_time(desk.at(DAY, 9))
    menu = right_click(qtbot, view, appt.id)
    desk.run(lambda store: visits.confirm_visit(store, actor=desk.actor, visit_id=appt.id))  # meanwhile

    action(menu, "confirm_visit").trigger()
    menu.close()

    qtbot.waitUntil(view.message.isVisible)
    assert view.message.text() == ("“Mark confirmed” was not done. A visit that is confirmed cannot become "
                                   "confirmed.")


def test_an_arrival_is_undone_from_the_flow_board(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    appt = desk.book(desk.add_client(), day=DAY, hour=10)
    desk.run(lambda store: visits.check_in(store, actor=desk.actor, visit_id=appt.id))
    view = _view(qtbot, desk)
    table = view.arrivals.table
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).data(Qt.ItemDataRole.UserRole) == appt.id)

    table.customContextMenuRequested.emit(table.visualItemRect(table.item(row, 1)).center())
    qtbot.waitUntil(lambda: getattr(view, "visit_menu", None) is not None and view.visit_menu.isVisible())
    action(view.visit_menu, "undo_arrival").trigger()
    view.visit_menu.close()

    qtbot.waitUntil(lambda: desk.appointment(appt.id).status is AppointmentStatus.CONFIRMED)


def test_check_in_offers_the_same_steps_and_undoes_an_arrival(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    appt = desk.book(desk.add_client(), day=DAY, hour=10)
    desk.run(lambda store: visits.check_in(store, actor=desk.actor, visit_id=appt.id))
    dialog = _check_in(qtbot, desk, appt.id)

    dialog.other_steps_button.click()
    qtbot.waitUntil(lambda: getattr(dialog, "steps_menu", None) is not None and dialog.steps_menu.isVisible())
    assert "Open / check in…" not in [a.text() for a in dialog.steps_menu.actions()]
    action(dialog.steps_menu, "undo_arrival").trigger()
    dialog.steps_menu.close()

    qtbot.waitUntil(lambda: desk.appointment(appt.id).status is AppointmentStatus.CONFIRMED)
    qtbot.waitUntil(lambda: dialog.status_label.text() == "Now: Confirmed")


def test_the_block_menu_moves_a_visit_to_another_day_in_the_booking_dialog(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    appt = desk.book(desk.add_client("Aisha", "Okafor"), day=DAY, hour=10)
    view = _view(qtbot, desk)
    view.canvas.scroll_to_time(desk.at(DAY, 9))

    menu = right_click(qtbot, view, appt.id)
    move = action(menu, "reschedule_visit")
    assert move.isEnabled()
    move.trigger()
    menu.close()
    qtbot.waitUntil(lambda: isinstance(getattr(view, "open_dialog", None), BookingDialog))
    dialog = view.open_dialog
    qtbot.waitUntil(lambda: dialog.conflicts.text().startswith("Free:"))
    assert "Aisha Okafor" in dialog.chosen_client.text()
    dialog.prefill(starts_at=desk.at(DAY + timedelta(days=2), 15), room_id=desk.rooms["room2"].id)
    qtbot.waitUntil(lambda: dialog.conflicts.text().startswith("Free: 3"))
    if desk.today > DAY:  # the day lies in the past: the core asks first, like a booking
        dialog.save_button.click()
        qtbot.waitUntil(lambda: dialog.save_button.text() == "Move anyway")
    with qtbot.waitSignal(dialog.booked):
        dialog.save_button.click()

    moved = desk.appointment(appt.id)
    assert (moved.starts_at, moved.room_id) == (desk.at(DAY + timedelta(days=2), 15), desk.rooms["room2"].id)
    qtbot.waitUntil(lambda: view.shown.appointment(appt.id) is None)  # gone from this day


def test_a_completed_visit_cannot_be_moved_from_the_block_menu(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    appt = desk.book(desk.add_client(), day=DAY, hour=10)
    desk.run(lambda store: visits.check_in(store, actor=desk.actor, visit_id=appt.id))
    desk.run(lambda store: visits.complete_visit(store, actor=desk.actor, visit_id=appt.id))
    view = _view(qtbot, desk)
    view.canvas.scroll_to_time(desk.at(DAY, 9))

    move = action(right_click(qtbot, view, appt.id), "reschedule_visit")
    assert not move.isEnabled()
    assert move.toolTip() == "A visit that is completed cannot be moved; book a new one."
