"""The app's look: one stylesheet in resources/style, sized in points so scaling stays readable."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ui.qt import QApplication

STYLE_DIR = Path(__file__).resolve().parents[1] / "resources" / "style"
STYLESHEET = STYLE_DIR / "desk.qss"


def apply_style(app: QApplication) -> None:
    """Use Fusion (the same on every platform) and the desk stylesheet, if it is there."""
    app.setStyle("Fusion")
    if STYLESHEET.exists():
        app.setStyleSheet(STYLESHEET.read_text(encoding="utf-8"))


@contextmanager
def desk_style() -> Iterator[None]:
    """The app's look while the block runs (the layout check and tests see what ``main.py`` shows),
    the application's style and stylesheet as they were afterwards."""
    app = QApplication.instance()
    style, sheet = app.style().name(), app.styleSheet()
    apply_style(app)
    try:
        yield
    finally:
        app.setStyleSheet(sheet)
        app.setStyle(style)
