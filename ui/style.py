"""The app's look: one stylesheet in resources/style, sized in points so scaling stays readable."""

from __future__ import annotations

from pathlib import Path

from ui.qt import QApplication

STYLE_DIR = Path(__file__).resolve().parents[1] / "resources" / "style"
STYLESHEET = STYLE_DIR / "desk.qss"


def apply_style(app: QApplication) -> None:
    """Use Fusion (the same on every platform) and the desk stylesheet, if it is there."""
    app.setStyle("Fusion")
    if STYLESHEET.exists():
        app.setStyleSheet(STYLESHEET.read_text(encoding="utf-8"))
