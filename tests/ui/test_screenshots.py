"""``--screenshot`` shows what a 1366×768 laptop shows, at whatever scaling the app runs with."""

from __future__ import annotations

from typing import Any

from ui.qt import QDialog, QGuiApplication, QSize
from ui.screenshots import LAPTOP_SCREEN, fit_dialog, laptop_screen


def test_the_screenshot_screen_is_a_1366_by_768_laptop_in_device_pixels(qapp: Any) -> None:
    ratio = QGuiApplication.primaryScreen().devicePixelRatio()
    logical = laptop_screen()
    # Within a device pixel: 1366 / 1.5 is not a whole number of logical pixels.
    assert abs(logical.width() * ratio - LAPTOP_SCREEN[0]) < ratio
    assert abs(logical.height() * ratio - LAPTOP_SCREEN[1]) < ratio


def test_a_dialog_is_shot_at_its_own_size_but_never_bigger_than_the_laptop(qtbot: Any) -> None:
    screen = laptop_screen()
    small = QDialog()
    qtbot.addWidget(small)
    small.setMinimumSize(300, 200)
    fit_dialog(small)
    assert small.size() == small.sizeHint().expandedTo(QSize(300, 200))

    big = _AsksForTwoScreens()
    qtbot.addWidget(big)
    fit_dialog(big)
    assert big.size() == screen


class _AsksForTwoScreens(QDialog):
    def sizeHint(self) -> QSize:
        return laptop_screen() * 2
