"""Issue 15: the check-in's steps need no sideways scroll bar on a 1366×768 laptop at 100 % and 150 %
(clean, flagged, missing consent, and as the provider with the override open)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from tests.ui.screens import SCREENS, check_screen, seed_scene
from ui.layout_check import DISPLAYS, fit_to
from ui.qt import QScrollArea
from ui.screen_fit import laptop_work_area
from ui.style import desk_style

CHECK_INS = [case for case in SCREENS if case.name.startswith("check-in")]


@pytest.mark.parametrize("display", [DISPLAYS[0], DISPLAYS[2]], ids=["100 %", "150 %"])
def test_the_check_in_steps_need_no_sideways_scrolling(qtbot: QtBot, desk: Desk, tmp_path: Path,  # noqa: F811
                                                       display: object) -> None:
    scene = seed_scene(desk, workstation=tmp_path)
    wide = []
    for case in CHECK_INS:
        with desk_style(), laptop_work_area(display.work_area):
            dialog = case.open(scene)
            fit_to(dialog, display)
            body = dialog.findChild(QScrollArea, None)
            steps = next(a for a in dialog.findChildren(QScrollArea) if a.accessibleName() == "Check-in steps")
            bar = steps.horizontalScrollBar()
            if bar.isVisible() and bar.maximum() > 0:
                wide.append(f"{case.name}: the steps are {steps.widget().minimumSizeHint().width()} px wide, "
                            f"{steps.viewport().width()} px shown")
            assert body is not None
            dialog.close()
            dialog.deleteLater()
    assert wide == []
    assert check_screen is not None


@pytest.mark.usefixtures("desk_style")
def test_at_the_size_it_asks_for_the_check_in_needs_no_sideways_scrolling(qtbot: QtBot, desk: Desk,  # noqa: F811
                                                                          tmp_path: Path) -> None:
    """As ``--screenshot`` showed it (and a window manager may): the dialog at its own size hint."""
    scene = seed_scene(desk, workstation=tmp_path)
    wide = []
    for case in CHECK_INS:
        dialog = case.open(scene)
        dialog.resize(dialog.sizeHint())
        qtbot.wait(20)
        steps = next(a for a in dialog.findChildren(QScrollArea) if a.accessibleName() == "Check-in steps")
        if steps.horizontalScrollBar().isVisible():
            wide.append(f"{case.name}: {dialog.width()} px wide, the steps need "
                        f"{steps.widget().minimumSizeHint().width()} px")
        dialog.close()
        dialog.deleteLater()
    assert wide == []
