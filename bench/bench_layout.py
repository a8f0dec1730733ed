"""The layout check as figures (issue 15): how many screens it opens, how many violations it finds.

- ui.layout_check_screens: the screens of ``ui.screen_tour.SCREENS`` the
  check opens, each at 100 %, 125 %, 150 % and with a 1.25× font on a
  1366×768 laptop (target ≥ 25);
- ui.layout_violations: what ``ui.layout_check`` finds wrong on all of them
  (target 0). The same code as tests/ui/test_layout_check.py; each violation
  is printed.
"""

from __future__ import annotations

import os

from bench.harness import Report

SCREENS_TARGET = 25


def run(report: Report) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ui.qt import QApplication

    app = QApplication.instance() or QApplication([])
    from ui.layout_check import DISPLAYS
    from ui.screen_tour import check_all, tour_scene

    with tour_scene() as scene:
        screens, violations = check_all(scene, DISPLAYS)
    for violation in violations:
        print(f"   {violation}", flush=True)
    report.figure("ui.layout_check_screens", screens, unit="screens", target=SCREENS_TARGET,
                  higher_is_better=True)
    report.figure("ui.layout_violations", len(violations), unit="violations", target=0)
    del app
