"""The week of one provider or one room (issue 16 item 3): opened from the schedule's Day/Week toggle,
navigable by week, showing visits, breaks and blocked time; a day double-clicked opens in the day view."""

from __future__ import annotations

from datetime import timedelta

from pytestqt.qtbot import QtBot

from medspa_desk.desk.blocked_time import block_time
from medspa_desk.records import BlockedTime, BlockKind
from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from tests.ui.schedule.test_day_view import DAY, _view
from ui.qt import QImage, QPainter, QPoint, Qt
from ui.schedule.model import ColumnMode
from ui.schedule.week_view import WeekScheduleView, week_start

MONDAY = week_start(DAY)


def _week(qtbot: QtBot, view: object) -> WeekScheduleView:
    view.week_button.click()  # type: ignore[attr-defined]
    week = view.week  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: week is not None and week.shown is not None and week.isVisible())
    return week


def _painted_at(week: WeekScheduleView, point: QPoint) -> str:
    image = QImage(week.canvas.size(), QImage.Format.Format_RGB32)
    painter = QPainter(image)
    week.canvas.paint_into(painter)
    painter.end()
    return image.pixelColor(point).name()


def test_the_week_of_a_provider_shows_their_visits_each_day_and_their_break(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    monday = desk.book(desk.add_client("Maria", "Lopez"), day=MONDAY, hour=9)
    thursday = desk.book(desk.add_client("Aisha", "Okafor"), day=MONDAY + timedelta(days=3), hour=15)
    desk.book(desk.add_client("Chen", "Li"), day=MONDAY + timedelta(days=1), hour=10, service="laser",
              provider=desk.laser_tech, room="laser")  # someone else's visit: not in Dana's week
    desk.book(desk.add_client("Next", "Week"), day=MONDAY + timedelta(days=7), hour=10)
    lunch = BlockedTime(location_id=desk.location.id, provider_id=desk.injector.id, kind=BlockKind.BREAK,
                        starts_at=desk.at(MONDAY + timedelta(days=2), 12), ends_at=desk.at(MONDAY + timedelta(days=2), 13))
    desk.run(lambda store: block_time(store, actor=desk.actor, block=lunch))
    view = _view(qtbot, desk)

    week = _week(qtbot, view)
    shown = week.shown
    assert shown.holder.id == desk.injector.id and shown.first_day == MONDAY
    assert {a.id for a in shown.appointments} == {monday.id, thursday.id}
    assert [b.id for b in shown.blocks] == [lunch.id]
    assert not view.previous_button.isVisible() and view.week.isVisible()
    canvas = week.canvas
    visit = canvas.rect_of(thursday.starts_at, thursday.ends_at)
    assert visit.left() > canvas.gutter_width() + 3 * canvas.column_width() - 1
    assert canvas.text_at(visit.center().x(), visit.center().y()).startswith("Aisha Okafor\nBotox")
    held = canvas.rect_of(lunch.starts_at, lunch.ends_at)
    assert canvas.text_at(held.center().x(), held.center().y()).startswith("Break ")
    assert _painted_at(week, held.center().toPoint()) in ("#e3e6eb", "#9aa3b2")

    week.next_button.click()
    qtbot.waitUntil(lambda: week.shown.first_day == MONDAY + timedelta(days=7))
    assert [a.client_id for a in week.shown.appointments] != []
    assert monday.id not in {a.id for a in week.shown.appointments}


def test_the_week_of_a_room_and_a_day_double_clicked_opens_in_the_day_view(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    laser = desk.book(desk.add_client("Chen", "Li"), day=MONDAY + timedelta(days=1), hour=10, service="laser",
                      provider=desk.laser_tech, room="laser")
    view = _view(qtbot, desk)
    view.set_mode(ColumnMode.ROOMS)
    week = _week(qtbot, view)
    week.holder.setCurrentIndex(week.holder.findText("Laser Suite"))
    week.holder.activated.emit(week.holder.currentIndex())
    qtbot.waitUntil(lambda: week.shown.holder is not None and week.shown.holder.name == "Laser Suite")
    assert [a.id for a in week.shown.appointments] == [laser.id]

    canvas = week.canvas
    tuesday = QPoint(int(canvas.gutter_width() + 1.5 * canvas.column_width()), canvas.height() // 2)
    qtbot.mouseDClick(canvas, Qt.MouseButton.LeftButton, pos=tuesday)
    qtbot.waitUntil(lambda: view.day == MONDAY + timedelta(days=1) and view.canvas.isVisible())
    assert view.day_button.isChecked() and view.previous_button.isVisible()
