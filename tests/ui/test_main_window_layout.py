"""Issue 15: the main window (menus, toolbar, schedule, flow board, status bar) holds up on a
1366×768 laptop at every scaling, by the same layout check as every other screen."""

from __future__ import annotations

from typing import Any

import pytest

from ui.layout_check import DISPLAYS, Display, check_window, fit_to, larger_font
from ui.lock import LockPolicy
from ui.main_window import MainWindow
from ui.screen_fit import laptop_work_area


@pytest.mark.parametrize("display", DISPLAYS, ids=[d.name for d in DISPLAYS])
def test_the_main_window_fits_the_laptop(qtbot: Any, sign_in: Any, display: Display) -> None:
    with larger_font(display.font_factor), laptop_work_area(display.work_area):
        window = MainWindow(sign_in("desk.amy"), policy=LockPolicy(idle_minutes=30))
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: window.schedule is not None and window.schedule.shown is not None, timeout=10_000)
        fit_to(window, display)
        found = [str(v) for v in check_window(window, screen="main window", display=display)]
        assert found == [], "\n".join(found)
