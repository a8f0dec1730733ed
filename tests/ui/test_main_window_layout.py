"""Issue 15: the main window (menus, toolbar, schedule, flow board, status bar) holds up on a
1366×768 laptop at every scaling, by the same layout check as every other screen."""

from __future__ import annotations

from typing import Any

import pytest

from ui.layout_check import DISPLAYS, Display, check_window, fit_to, larger_font
from ui.lock import LockPolicy
from ui.main_window import MainWindow
from ui.screen_fit import laptop_work_area


def _main_window(qtbot: Any, sign_in: Any, display: Display) -> MainWindow:
    window = MainWindow(sign_in("desk.amy"), policy=LockPolicy(idle_minutes=30))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.schedule is not None and window.schedule.shown is not None, timeout=10_000)
    fit_to(window, display)
    return window


@pytest.mark.parametrize("display", DISPLAYS, ids=[d.name for d in DISPLAYS])
def test_the_main_window_fits_the_laptop(qtbot: Any, sign_in: Any, display: Display) -> None:
    with larger_font(display.font_factor), laptop_work_area(display.work_area):
        window = _main_window(qtbot, sign_in, display)
        found = [str(v) for v in check_window(window, screen="main window", display=display)]
        assert found == [], "\n".join(found)


@pytest.mark.parametrize("display", DISPLAYS[:1], ids=[d.name for d in DISPLAYS[:1]])
def test_the_schedule_shows_the_whole_working_day_at_100_percent_without_scrolling(
        qtbot: Any, sign_in: Any, display: Display) -> None:
    """Issue 15 item 5: rows fitted to the window, so the practice's opening hours are all on screen."""
    with larger_font(display.font_factor), laptop_work_area(display.work_area):
        window = _main_window(qtbot, sign_in, display)
        canvas = window.schedule.canvas
        qtbot.waitUntil(lambda: canvas.layout_cache is not None)
        opens, closes = canvas.working_hours()
        grid, top = canvas.layout_cache.grid, canvas.verticalScrollBar().value()
        visible = canvas.viewport().height() - canvas._header_h

        assert canvas.shows_working_day()
        assert top <= grid.y_at(opens) and grid.y_at(closes) <= top + visible
        assert grid.px_per_min >= canvas._legible_for_day()  # the day's shortest visit still holds its client's name
