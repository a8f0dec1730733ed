"""Windows that fit the screen they open on (issue 15).

A dialog asks for the size that suits it (``size_for_screen``) and gets it,
bounded by the screen's work area; a body taller than that scrolls
(``scrolling_body``) while the buttons under it stay on screen.

The layout check and ``--screenshot`` stand in for a 1366×768 laptop at 100,
125 and 150 % on whatever screen they run on (``laptop_work_area``): a
QScreen cannot be resized once the application runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ui.qt import QFrame, QGuiApplication, QScrollArea, QSize, Qt, QWidget

_stand_in: list[QSize] = []


def work_area(widget: QWidget | None = None) -> QSize:
    """The logical size of the screen ``widget`` opens on, less taskbars."""
    if _stand_in:
        return QSize(_stand_in[-1])
    screen = (widget.screen() if widget is not None else None) or QGuiApplication.primaryScreen()
    return screen.availableGeometry().size() if screen is not None else QSize(1366, 728)


@contextmanager
def laptop_work_area(size: QSize) -> Iterator[None]:
    """Windows opened inside the block size themselves for a screen of ``size``."""
    _stand_in.append(QSize(size))
    try:
        yield
    finally:
        _stand_in.pop()


def size_for_screen(window: QWidget, wanted: QSize) -> None:
    """Resize ``window`` to ``wanted``, bounded by its screen's work area (never below its layout's minimum)."""
    window.resize(wanted.boundedTo(work_area(window)).expandedTo(window.minimumSizeHint()))


def scrolling_body(body: QWidget, *, name: str = "") -> QScrollArea:
    """``body`` in a frameless scroll area: it scrolls when the window is shorter than it."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    scroll.setWidget(body)
    if name:
        scroll.setAccessibleName(name)
    return scroll
