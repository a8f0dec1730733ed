"""``python -m tests.ui.render_screens DIR``: every screen of the layout check saved as a PNG.

Each screen of ``tests.ui.screens.SCREENS`` opens on the seeded store, sized
as on a 1366×768 laptop at the scaling the process runs with
(``QT_SCALE_FACTOR=1.5`` for 150 %), and is saved as ``DIR/<screen>.png``:
what the laptop's user sees, for a person to look at.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ui.qt import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    from tests.ui.screens import SCREENS, scene_outside_pytest, settle
    from ui.layout_check import Display, fit_to
    from ui.screen_fit import laptop_work_area
    from ui.style import apply_style

    apply_style(app)
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    scale = float(os.environ.get("QT_SCALE_FACTOR", "1") or 1)
    display = Display(f"{round(scale * 100)} %", scale=scale)
    with scene_outside_pytest() as scene:
        for case in SCREENS:
            with laptop_work_area(display.work_area):
                window = case.open(scene)
                fit_to(window, display)
                settle()
                name = re.sub(r"[^a-z0-9]+", "-", case.name.lower()).strip("-")
                window.grab().save(str(out / f"{name}.png"))
                window.close()
                window.deleteLater()
                settle()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
