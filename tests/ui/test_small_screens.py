"""The desk on a small laptop: a 1366×768 screen at 150% is 910×512 logical pixels."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from medspa_desk.demo_data import Scale
from tests.ui.conftest import release_worker
from ui.demo import start_demo
from ui.screenshots import busiest_coming_day

# A small practice keeps the test short; the window is the demo's own.
TEST_SCALE = Scale(clients=60, providers=6, rooms=3, months_back=0, months_ahead=1)
FIRST_SYNC_TIMEOUT_MS = 120_000
# 1366 / 1.5 = 910 logical pixels, less a little for the window frame.
LAPTOP_AT_150_PERCENT_WIDTH = 900


@pytest.fixture
def demo(qapp: Any) -> Iterator[Any]:
    desk = start_demo(scale=TEST_SCALE)
    yield desk
    if desk.window is not None:
        desk.window.locker.stop()
        desk.window.close()
    desk.shut_down()
    release_worker()


def test_the_signed_in_demo_window_fits_a_laptop_at_150_percent(qtbot: Any, demo: Any) -> None:
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
    assert window.schedule.day_label.text().startswith(f"{day:%a}")
    assert window.schedule.day_label.toolTip().startswith(f"{day:%A}, {day:%B} {day.day}")
    assert window.schedule.book_button.isVisible()
    assert window.schedule.book_button.geometry().right() <= window.schedule.width()
