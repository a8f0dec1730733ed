"""The day view over a real store: drags, refusals, keyboard, navigation, flow board."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta

from pytestqt.qtbot import QtBot

from medspa_desk.records import AppointmentStatus, Role, User
from medspa_desk.store import Actor
from medspa_desk.time_words import time_of_day, time_span
from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from ui.qt import QMessageBox, QPoint, Qt
from ui.schedule.day_view import DayScheduleView
from ui.schedule.model import ColumnMode

DAY = date(2026, 6, 16)  # a Tuesday, no DST change


def _view(qtbot: QtBot, desk: Desk, day: date = DAY) -> DayScheduleView:  # noqa: F811
    view = DayScheduleView(desk, day=day)
    qtbot.addWidget(view)
    view.resize(1300, 900)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: view.shown is not None and view.shown.day == day)
    return view


def _drag(qtbot: QtBot, view: DayScheduleView, *, start: QPoint, end: QPoint) -> None:
    viewport = view.canvas.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 6):
        qtbot.mouseMove(viewport, start + (end - start) * step / 5)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)


def _centre_of(view: DayScheduleView, appointment_id: object) -> QPoint:
    block = view.canvas.layout_cache.block(appointment_id)
    return view.canvas.block_rect(block).center().toPoint()


def test_a_drag_onto_a_taken_slot_is_refused_with_the_reason_and_the_block_stays(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    first = desk.book(desk.add_client("Maria", "Lopez"), day=DAY, hour=10)
    second = desk.book(desk.add_client("Aisha", "Okafor"), day=DAY, hour=11, room="room2")
    view = _view(qtbot, desk)
    view.canvas.scroll_to_time(desk.at(DAY, 9))
    grid = view.canvas.layout_cache.grid
    start = _centre_of(view, second.id)
    # One hour up: onto 10:00, where the same provider is with Maria.
    _drag(qtbot, view, start=start, end=start - QPoint(0, int(grid.px_per_min * 60)))
    assert view.message.isVisible()
    assert f"provider is already booked {time_span(time(10), time(10, 30))}" in view.message.text()
    assert desk.appointment(second.id).starts_at == second.starts_at
    now_grid = view.canvas.layout_cache.grid  # the message above the grid may have refitted the rows
    assert view.canvas.layout_cache.block(second.id).top == now_grid.y_at(second.starts_at)
    assert desk.appointment(first.id).starts_at == first.starts_at


def test_a_drag_onto_a_free_time_moves_the_appointment_snapped_to_five_minutes(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    appt = desk.book(desk.add_client(), day=DAY, hour=10)
    view = _view(qtbot, desk)
    view.canvas.scroll_to_time(desk.at(DAY, 9))
    grid = view.canvas.layout_cache.grid
    start = _centre_of(view, appt.id)
    _drag(qtbot, view, start=start, end=start + QPoint(0, int(grid.px_per_min * 92)))
    _move_anyway(qtbot, view)  # DAY lies in the past: the core asks before moving a visit there
    moved_to = desk.at(DAY, 11, 30)
    qtbot.waitUntil(lambda: desk.appointment(appt.id).starts_at == moved_to)
    assert desk.appointment(appt.id).ends_at == moved_to + timedelta(minutes=30)
    qtbot.waitUntil(lambda: view.shown.appointment(appt.id).starts_at == moved_to)


def test_dragging_the_bottom_edge_makes_the_appointment_longer(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    appt = desk.book(desk.add_client(), day=DAY, hour=10)
    view = _view(qtbot, desk)
    view.canvas.scroll_to_time(desk.at(DAY, 9))
    grid = view.canvas.layout_cache.grid
    rect = view.canvas.block_rect(view.canvas.layout_cache.block(appt.id))
    edge = QPoint(int(rect.center().x()), int(rect.bottom()) - 2)
    # Down to where 10:45 is drawn (rows are fitted to the window: a pixel may be more than half a minute).
    quarter_to_eleven = int(view.canvas._origin()[1] + grid.y_at(desk.at(DAY, 10, 45)))
    _drag(qtbot, view, start=edge, end=QPoint(edge.x(), quarter_to_eleven))
    _move_anyway(qtbot, view)
    qtbot.waitUntil(lambda: desk.appointment(appt.id).ends_at == desk.at(DAY, 10, 45))


def _move_anyway(qtbot: QtBot, view: DayScheduleView) -> None:
    """Answer the core's question about a move into the past; nothing moves before it."""
    qtbot.waitUntil(lambda: view.findChild(QMessageBox) is not None)
    box = view.findChild(QMessageBox)
    assert "in the past" in box.text()
    [anyway] = [b for b in box.buttons() if b.text() == "Move anyway"]
    anyway.click()


def test_a_room_column_drag_onto_a_busy_room_is_refused(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    desk.book(desk.add_client("Maria", "Lopez"), day=DAY, hour=10, room="room1")
    other = desk.book(desk.add_client("Chen", "Li"), day=DAY, hour=10, service="consult",
                      provider=desk.laser_tech, room="room2")
    view = _view(qtbot, desk)
    view.set_mode(ColumnMode.ROOMS)
    view.canvas.scroll_to_time(desk.at(DAY, 9))
    start = _centre_of(view, other.id)
    room1_column = next(i for i, c in enumerate(view.canvas.layout_cache.columns) if c.key == desk.rooms["room1"].id)
    room2_column = next(i for i, c in enumerate(view.canvas.layout_cache.columns) if c.key == desk.rooms["room2"].id)
    _drag(qtbot, view, start=start, end=start + QPoint(int(view.canvas._col_w * (room1_column - room2_column)), 0))
    assert f"Room 1 is already in use {time_span(time(10), time(10, 30))}" in view.message.text()
    assert desk.appointment(other.id).room_id == desk.rooms["room2"].id


def test_arrow_keys_select_enter_opens_and_delete_cancels_with_a_reason(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    first = desk.book(desk.add_client("Maria", "Lopez"), day=DAY, hour=10)
    second = desk.book(desk.add_client("Aisha", "Okafor"), day=DAY, hour=11)
    view = _view(qtbot, desk)
    view.canvas.setFocus()
    qtbot.keyClick(view.canvas, Qt.Key.Key_Down)
    assert view.canvas.selected == first.id
    qtbot.keyClick(view.canvas, Qt.Key.Key_Down)
    assert view.canvas.selected == second.id
    assert "Aisha Okafor" in view.canvas.accessibleDescription()
    qtbot.keyClick(view.canvas, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.open_dialog.isVisible())
    view.open_dialog.close()
    qtbot.keyClick(view.canvas, Qt.Key.Key_Delete)
    dialog = view.cancel_dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.confirm.click()  # the first reason is chosen already
    qtbot.waitUntil(lambda: desk.appointment(second.id).status is AppointmentStatus.CANCELLED)
    assert desk.appointment(second.id).cancel_reason == "Client called to cancel"
    qtbot.waitUntil(lambda: view.canvas.layout_cache.block(second.id) is None)


def test_day_navigation_buttons_keys_and_date_picker(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    view = _view(qtbot, desk)
    view.next_button.click()
    qtbot.waitUntil(lambda: view.shown.day == DAY + timedelta(days=1))
    view.canvas.setFocus()
    qtbot.keyClick(view.canvas, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: view.shown.day == DAY)
    qtbot.keyClick(view.canvas, Qt.Key.Key_T)
    qtbot.waitUntil(lambda: view.shown.day == desk.today)
    assert "(today)" in view.day_label.text()
    from ui.qt import QDate

    view.date_picker.setDate(QDate(2026, 11, 1))
    qtbot.waitUntil(lambda: view.shown.day == date(2026, 11, 1))
    assert len(view.canvas.layout_cache.grid.hours) == 25


def test_flow_board_shows_who_is_waiting_and_in_which_room(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    today = desk.today
    waiting = desk.book(desk.add_client("Maria", "Lopez"), day=today, hour=0, minute=5)
    roomed = desk.book(desk.add_client("Aisha", "Okafor"), day=today, hour=1, service="consult",
                       provider=desk.laser_tech, room="room2")
    desk.run(lambda store: store.set_status(waiting.id, AppointmentStatus.ARRIVED, actor=desk.actor))
    desk.run(lambda store: store.set_status(roomed.id, AppointmentStatus.ARRIVED, actor=desk.actor))
    desk.run(lambda store: store.set_status(roomed.id, AppointmentStatus.IN_ROOM, actor=desk.actor))
    view = _view(qtbot, desk, day=today)
    rows = {row.client: row for row in view.arrivals.rows}
    assert rows["Maria Lopez"].stage == "waiting" and rows["Maria Lopez"].status_lines[0] == "Waiting"
    assert rows["Aisha Okafor"].stage == "in_room" and rows["Aisha Okafor"].status_lines[0] == "Room 2"
    assert view.arrivals.table.item(0, 1).text().split("\n")[0] == "Maria Lopez"


def test_flow_board_lists_those_still_to_come_in_time_order(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    from ui.schedule.arrivals import flow_rows

    day = desk.today + timedelta(days=1)
    for hour, name in ((17, "Late"), (9, "Early"), (13, "Noon")):
        desk.book(desk.add_client(name, "Client"), day=day, hour=hour)
    view = _view(qtbot, desk, day=day)
    rows = flow_rows(view.shown, now=desk.at(day, 7), privacy=False)
    assert [r.client for r in rows] == ["Early Client", "Noon Client", "Late Client"]
    assert [(r.time, r.status_lines) for r in rows] == [(time_of_day(time(h)), ("Due",)) for h in (9, 13, 17)]


def test_privacy_mode_from_the_app_shows_initials_on_the_board_and_grid(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    from ui.events import bus

    appt = desk.book(desk.add_client("Maria", "Lopez"), day=desk.today, hour=0, minute=5)
    view = _view(qtbot, desk, day=desk.today)
    try:
        bus.set_privacy_mode(True)
        assert view.arrivals.rows[0].client == "ML"
        block = view.canvas.layout_cache.block(appt.id)
        assert view.canvas._block_lines(block, 300)[0] == "ML"
    finally:
        bus.set_privacy_mode(False)


def test_on_a_narrow_window_the_day_heading_is_abbreviated_and_whole_in_its_tooltip(
        qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    view = _view(qtbot, desk)
    assert view.day_label.text() == "Tuesday, June 16, 2026"
    # The date picker writes the date the same (US) way, month before day.
    assert view.date_picker.text() == "Tue Jun 16, 2026"
    view.resize(880, 500)
    qtbot.waitUntil(lambda: view.day_label.text() == "Tue Jun 16")
    assert view.day_label.toolTip() == "Tuesday, June 16, 2026"
    assert view.book_button.geometry().right() <= view.width()


def test_a_sync_too_big_to_name_its_clients_redraws_the_day_and_one_elsewhere_does_not(
        qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    from uuid import uuid4

    from medspa_desk.store.changes import Changes
    from ui.events import bus

    view = _view(qtbot, desk)
    asked = view._request

    bus.changes_did_arrive.emit(Changes(days=frozenset({(uuid4(), DAY)}), clients=frozenset({uuid4()})))
    assert view._request == asked
    bus.changes_did_arrive.emit(Changes(everything=True))
    assert view._request == asked + 1


def test_a_provider_sees_their_own_column_first_and_everyone_else_the_practices_order(
        qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    lee = User(username="lee.park", display_name="Lee Park", role=Role.PROVIDER, provider_id=desk.laser_tech.id)
    desk.run(lambda store: store.put_reference(lee, actor=Actor(user_id=desk.user.id, device_id=desk.actor.device_id,
                                                                role=Role.ADMIN)))
    laser_tech = replace(desk, user=lee, actor=Actor(user_id=lee.id, device_id=desk.actor.device_id, role=lee.role))

    theirs = _view(qtbot, laser_tech)
    assert [c.title for c in theirs.canvas.layout_cache.columns] == ["Lee Park", "Dana Reyes"]
    front = _view(qtbot, desk)
    assert [c.title for c in front.canvas.layout_cache.columns] == ["Dana Reyes", "Lee Park"]
    injector = _view(qtbot, desk.as_user("provider"))  # Dana: first in the practice's order already
    assert [c.title for c in injector.canvas.layout_cache.columns] == ["Dana Reyes", "Lee Park"]

    theirs.week_button.click()  # and the week opens on their own week
    qtbot.waitUntil(lambda: theirs.week is not None and theirs.week.shown is not None)
    assert theirs.week.shown.holder.id == desk.laser_tech.id
    assert theirs.week.holder.currentText() == "Lee Park"
