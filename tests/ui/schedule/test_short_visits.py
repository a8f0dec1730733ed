"""A day of 15-minute visits in the grid of a laptop at 150 %: every visit shows its client's name.

At the rows' old least height (a 30-minute visit holds one line) a 15-minute visit was a bar too thin
for any text; the rows now grow for the day's shortest visit, and the grid scrolls instead.
"""

from __future__ import annotations

from datetime import date

from pytestqt.qtbot import QtBot

from tests.ui.schedule.factory import busy_day
from ui.schedule.canvas import ScheduleCanvas

# The grid's share of a 1366x768 laptop at 150% (910 logical pixels), beside the flow board.
GRID_AT_150_PERCENT = (513, 480)


def _canvas(qtbot: QtBot, *, minutes: int) -> ScheduleCanvas:
    canvas = ScheduleCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(*GRID_AT_150_PERCENT)
    canvas.set_day(busy_day(day=date(2026, 3, 10), providers=2, per_provider=28, minutes=minutes))
    canvas.show()
    qtbot.waitExposed(canvas)
    return canvas


def _names_shown(canvas: ScheduleCanvas) -> list[bool]:
    day = canvas.day
    shown = []
    for painted in canvas._painted_blocks():
        appointment = day.appointment(painted.block.appointment_id)
        name = day.client_label(appointment.client_id, privacy=False)
        shown.append(bool(painted.lines) and painted.lines[0][2].text() == name)
    return shown


def test_every_fifteen_minute_visit_shows_its_clients_name_at_150_percent(qtbot: QtBot) -> None:
    canvas = _canvas(qtbot, minutes=15)
    shown = _names_shown(canvas)
    assert len(shown) == len(canvas.layout_cache.blocks) > 20 and all(shown)
    assert canvas.verticalScrollBar().maximum() > 0  # the taller rows scroll rather than squeeze


def test_a_day_of_thirty_minute_visits_keeps_its_rows(qtbot: QtBot) -> None:
    fifteen = _canvas(qtbot, minutes=15)._px_per_min
    thirty = _canvas(qtbot, minutes=30)
    assert all(_names_shown(thirty))
    assert thirty._px_per_min < fifteen
