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

from ui.qt import QEvent, QFrame, QGuiApplication, QObject, QScrollArea, QSize, Qt, QWidget

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


class UpAndDownScroll(QScrollArea):
    """A scroll area that scrolls up and down only: it asks for its body's width plus the vertical
    scroll bar, so the window holding it is never narrower than its body and no sideways bar appears."""

    def _with_body(self, hint: QSize, body_hint: QSize) -> QSize:
        extra = self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth()
        return QSize(max(hint.width(), body_hint.width() + extra), hint.height())

    def minimumSizeHint(self) -> QSize:
        body = self.widget()
        hint = super().minimumSizeHint()
        return self._with_body(hint, body.minimumSizeHint()) if body is not None else hint

    def sizeHint(self) -> QSize:
        body = self.widget()
        hint = super().sizeHint()
        return self._with_body(hint, body.sizeHint()) if body is not None else hint

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()  # the body's width changed: the window's minimum follows
        return super().eventFilter(watched, event)


def scrolling_body(body: QWidget, *, name: str = "", sideways: bool = True) -> QScrollArea:
    """``body`` in a frameless scroll area: it scrolls when the window is shorter than it
    (``sideways=False``: never narrower than it, so it scrolls up and down only)."""
    scroll = QScrollArea() if sideways else UpAndDownScroll()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded if sideways
                                        else Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setWidget(body)
    if not sideways:
        body.installEventFilter(scroll)
    if name:
        scroll.setAccessibleName(name)
    return scroll


def place_over_parent(window: QWidget) -> None:
    """Centre a top-level ``window`` on its parent's window, kept inside the parent's screen.

    A QDialog does this itself when shown; a plain window (``Qt.Window``) opened from the main
    window would otherwise open where the window system puts it, often the screen's top left,
    over the main window's menus.
    """
    parent = window.parentWidget()
    owner = parent.window() if parent is not None else None
    screen = (owner.screen() if owner is not None else None) or QGuiApplication.primaryScreen()
    if screen is None:
        return
    available = screen.availableGeometry()
    frame = window.frameGeometry()
    centre = owner.frameGeometry().center() if owner is not None and owner.isVisible() else available.center()
    frame.moveCenter(centre)
    # Inside the screen: the left and top edges win, so the title bar is never off screen.
    frame.moveLeft(max(available.left(), min(frame.left(), available.right() - frame.width() + 1)))
    frame.moveTop(max(available.top(), min(frame.top(), available.bottom() - frame.height() + 1)))
    window.move(frame.topLeft())
