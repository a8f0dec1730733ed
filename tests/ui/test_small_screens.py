"""The desk on a small laptop: a 1366×768 screen at 150% is 910×512 logical pixels."""

from __future__ import annotations

from typing import Any

from tests.ui.test_demo import FIRST_SYNC_TIMEOUT_MS, demo  # noqa: F401 (the demo desk, a small practice)
from ui.screenshots import busiest_coming_day

# 1366 / 1.5 = 910 logical pixels, less a little for the window frame.
LAPTOP_AT_150_PERCENT_WIDTH = 900


def test_the_signed_in_demo_window_fits_a_laptop_at_150_percent(qtbot: Any, demo: Any) -> None:  # noqa: F811
    qtbot.addWidget(demo.sign_in)
    demo.show_sign_in()
    qtbot.waitUntil(lambda: demo.window is not None and demo.window.schedule is not None,
                    timeout=FIRST_SYNC_TIMEOUT_MS)
    window = demo.window
    qtbot.addWidget(window)
    day = busiest_coming_day(demo.session)
    window.schedule.go_to(day)
    qtbot.waitUntil(lambda: window.schedule.shown is not None and window.schedule.shown.day == day,
                    timeout=15_000)
    assert window.minimumSizeHint().width() <= LAPTOP_AT_150_PERCENT_WIDTH
    # Today's heading is the longest ("… (today)"): it fits too.
    window.schedule.go_to(window.schedule.today())
    qtbot.waitUntil(lambda: window.schedule.shown.day == window.schedule.today(), timeout=15_000)
    assert window.minimumSizeHint().width() <= LAPTOP_AT_150_PERCENT_WIDTH
    window.schedule.go_to(day)
    qtbot.waitUntil(lambda: window.schedule.shown.day == day, timeout=15_000)
    window.resize(LAPTOP_AT_150_PERCENT_WIDTH, 500)
    qtbot.waitUntil(lambda: window.width() <= LAPTOP_AT_150_PERCENT_WIDTH, timeout=5000)
    # The day heading is abbreviated rather than cut; the whole of it is its tooltip.
    # Short, it names the day ("Tue Jun 16"), or says "Today" when the busiest coming day is today.
    short = "Today" if day == window.schedule.today() else f"{day:%a}"
    assert window.schedule.day_label.text().startswith(short)
    assert window.schedule.day_label.toolTip().startswith(f"{day:%A}, {day:%B} {day.day}")
    assert window.schedule.book_button.isVisible()
    assert window.schedule.book_button.geometry().right() <= window.schedule.width()
