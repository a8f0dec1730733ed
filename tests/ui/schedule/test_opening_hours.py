"""Issue 15: the schedule opens at the practice's working hours, not at "now" when it is closed;
rooms say their kind in words."""

from __future__ import annotations

from datetime import datetime, time

from pytestqt.qtbot import QtBot

from medspa_desk.records import Room
from medspa_desk.scheduling import local_datetime
from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from ui.schedule.day_view import DayScheduleView
from ui.schedule.layout import columns_for
from ui.schedule.model import ColumnMode


def _top_of_view_at(qtbot: QtBot, desk: Desk, now: datetime, *, height: int = 600) -> datetime:  # noqa: F811
    view = DayScheduleView(desk, clock=lambda: now)
    qtbot.addWidget(view)
    view.resize(1000, height)
    view.show()
    qtbot.waitUntil(lambda: view.shown is not None)
    grid = view.canvas._layout.grid
    return grid.instant_at(view.canvas.verticalScrollBar().value(), snap_min=5)


def test_today_before_opening_starts_at_the_first_opening_hour(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    today = desk.today
    three_am = local_datetime(today, time(3), desk.zone)  # the practice opens at 8
    assert _top_of_view_at(qtbot, desk, three_am) == local_datetime(today, time(8), desk.zone)


def test_today_while_open_starts_an_hour_before_now_when_the_day_does_not_fit(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    today = desk.today
    two_pm = local_datetime(today, time(14), desk.zone)
    assert _top_of_view_at(qtbot, desk, two_pm, height=320) == local_datetime(today, time(13), desk.zone)


def test_today_while_open_shows_the_whole_working_day_when_it_fits(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    today = desk.today
    two_pm = local_datetime(today, time(14), desk.zone)  # 8:00-19:00 fits 600 px: now is on screen too
    assert _top_of_view_at(qtbot, desk, two_pm, height=600) == local_datetime(today, time(8), desk.zone)


def test_today_after_closing_starts_at_the_first_opening_hour(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    today = desk.today
    late = local_datetime(today, time(22, 30), desk.zone)  # closed at 19
    assert _top_of_view_at(qtbot, desk, late) == local_datetime(today, time(8), desk.zone)


def test_room_columns_name_their_kind_in_words(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    lounge = Room(location_id=desk.location.id, name="IV Lounge", kind="iv")
    desk.run(lambda store: store.put_reference(lounge, actor=desk.as_user("provider").actor))
    view = DayScheduleView(desk)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.shown is not None)
    kinds = {c.title: c.subtitle for c in columns_for(view.shown, ColumnMode.ROOMS)}
    assert kinds["IV Lounge"] == "IV therapy" and kinds["Laser Suite"] == "Laser"
