"""The layout check: does a window hold up on a 1366×768 clinic laptop?

A laptop of 1366×768 device pixels leaves about 1366×728 for a window once a
taskbar and a title bar are counted. At a display scaling ``s`` (125 %, 150 %)
Qt lays widgets out in logical pixels, and a logical pixel is ``s`` device
pixels, while fonts keep their size in logical pixels: a window's size hints
are the same at any scaling and the work area shrinks to 1366/s × 728/s. So
the check needs no second process per scaling: it measures the window against
the work area of that scaling. A bigger system font (1.25×) is different: the
application font grows, and the window must be opened after the change.

``check_window`` fails a window (returns violations) when:

- it does not fit the work area (its layout's minimum is bigger);
- a visible child is smaller than its ``minimumSizeHint`` (squeezed, as the
  check-in's requirements list was, to 10 px);
- two visible text widgets overlap (one prints over the other);
- its default (or primary) button is not fully on screen without scrolling;
- a row of a word-wrapping table is shorter than its text wrapped at the column's width
  (what the cell's delegate asks for): the extra line prints over the next row;
- a scrolling area (a dialog's body, a table) is narrower than what it holds, so part of
  it is seen only by scrolling sideways (the charting dialog's totals read "odu…", "12 uni").

The window is sized as the app shows it: the size it asks for, bounded by the
work area, and placed at the work area's top left.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ui.qt import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFont,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPoint,
    QPushButton,
    QRect,
    QSize,
    QSizePolicy,
    QStyleOptionViewItem,
    Qt,
    QTabBar,
    QTableView,
    QTabWidget,
    QTextEdit,
    QWidget,
)

# The laptop's work area in device pixels: 1366×768 less a taskbar and a title bar.
WORK_AREA = (1366, 728)
# A pixel of slack: sizes are rounded to whole pixels at 125 %.
SLACK_PX = 1


@dataclass(frozen=True)
class Display:
    """One way the laptop may be set up: its scaling and the size of its fonts."""

    name: str
    scale: float = 1.0
    font_factor: float = 1.0

    @property
    def work_area(self) -> QSize:
        """The work area in logical pixels at this scaling."""
        width, height = WORK_AREA
        return QSize(int(width / self.scale), int(height / self.scale))


DISPLAYS = (Display("100 %"), Display("125 %", scale=1.25), Display("150 %", scale=1.5),
            Display("100 %, font 1.25×", font_factor=1.25))


@dataclass(frozen=True)
class Violation:
    screen: str
    display: str
    what: str

    def __str__(self) -> str:
        return f"{self.screen} at {self.display}: {self.what}"


@contextmanager
def larger_font(factor: float) -> Iterator[None]:
    """The application font scaled by ``factor`` while the block runs (open windows inside it); the
    point sizes of the app's stylesheet too, which would otherwise hold every widget at its size."""
    app = QApplication.instance()
    saved, sheet = QFont(app.font()), app.styleSheet()
    bigger = QFont(saved)
    bigger.setPointSizeF(saved.pointSizeF() * factor)
    app.setFont(bigger)
    if sheet and factor != 1:
        app.setStyleSheet(re.sub(r"(\d+(?:\.\d+)?)pt", lambda m: f"{float(m.group(1)) * factor:g}pt", sheet))
    try:
        yield
    finally:
        if app.styleSheet() != sheet:
            app.setStyleSheet(sheet)
        app.setFont(saved)


def fit_to(window: QWidget, display: Display) -> None:
    """Size ``window`` as the app shows it on ``display``, at the work area's top left.

    A window that gave itself a size keeps it (the app shows it so, and the
    check reports it if it is bigger than the screen); any other opens at the
    size it asks for, bounded by the work area. Qt keeps a window at least as
    big as its layout's minimum, so a window that cannot shrink is reported.
    """
    QApplication.processEvents()
    if not window.testAttribute(Qt.WidgetAttribute.WA_Resized):
        window.resize(window.sizeHint().boundedTo(display.work_area).expandedTo(window.minimumSizeHint()))
    window.move(0, 0)
    QApplication.processEvents()


def check_window(window: QWidget, *, screen: str, display: Display) -> list[Violation]:
    """Everything wrong with ``window`` as shown on ``display`` (see the module's docstring)."""
    QApplication.processEvents()
    found: list[Violation] = []

    def report(what: str) -> None:
        found.append(Violation(screen=screen, display=display.name, what=what))

    area = display.work_area
    if window.width() > area.width() + SLACK_PX or window.height() > area.height() + SLACK_PX:
        report(f"the window is {window.width()}×{window.height()} logical px, bigger than the "
               f"{area.width()}×{area.height()} work area")
    on_screen = QRect(0, 0, min(window.width(), area.width()), min(window.height(), area.height()))
    shown = [w for w in visible_children(window)]
    for widget in shown:
        squeezed = _squeezed(widget)
        if squeezed:
            report(f"{describe(widget)} is squeezed: {squeezed}")
    texts = [(w, seen_rect(w, window)) for w in shown if _holds_text(w)]
    texts = [(w, r) for w, r in texts if not r.isEmpty()]
    for index, (first, first_rect) in enumerate(texts):
        for second, second_rect in texts[index + 1:]:
            if _related(first, second):
                continue
            overlap = first_rect.intersected(second_rect)
            if overlap.width() > SLACK_PX and overlap.height() > SLACK_PX:
                report(f"{describe(first)} and {describe(second)} overlap "
                       f"({overlap.width()}×{overlap.height()} px)")
    for view in shown:
        if isinstance(view, QTableView):
            for what in short_rows(view):
                report(what)
        if isinstance(view, QAbstractScrollArea):
            sideways = hidden_sideways(view)
            if sideways > SLACK_PX:
                report(f"{describe(view)} is {sideways} px narrower than what it holds: part of it is "
                       f"seen only by scrolling sideways")
    button = primary_button(window)
    if button is not None:
        full = QRect(button.mapTo(window, QPoint(0, 0)), button.size())
        seen = seen_rect(button, window).intersected(on_screen)
        if seen != full:
            report(f"the default button {describe(button)} is not fully on screen without scrolling "
                   f"(at {full.x()},{full.y()} size {full.width()}×{full.height()}, "
                   f"work area {area.width()}×{area.height()})")
    return found


def hidden_sideways(area: QAbstractScrollArea) -> int:
    """How many pixels of what ``area`` holds are seen only by scrolling sideways. A table that scrolls
    a column at a time counts columns on its scroll bar (one column off the edge reads 1), so its
    columns are measured against its viewport instead."""
    if isinstance(area, QTableView) and area.horizontalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerItem:
        return max(0, area.horizontalHeader().length() - area.viewport().width())
    return area.horizontalScrollBar().maximum()


# Rows looked at per table: the check is about what is on screen, and a long list repeats itself.
ROWS_CHECKED = 200


def short_rows(view: QTableView) -> list[str]:
    """Rows of a word-wrapping table lower than a cell's text needs at its column's width (the
    cell's delegate measures it, given the cell's width, as the view does when it sizes rows)."""
    if not view.wordWrap() or view.model() is None:
        return []
    model, found = view.model(), []
    for row in range(min(model.rowCount(), ROWS_CHECKED)):
        if view.isRowHidden(row):
            continue
        for column in range(model.columnCount()):
            index = model.index(row, column)
            cell = view.visualRect(index)
            if view.isColumnHidden(column) or cell.width() <= 0:
                continue
            option = QStyleOptionViewItem()
            view.initViewItemOption(option)
            option.rect = QRect(cell)
            option.features |= QStyleOptionViewItem.ViewItemFeature.WrapText
            needs = view.itemDelegateForIndex(index).sizeHint(option, index).height()
            if cell.height() + SLACK_PX < needs:
                found.append(f"row {row + 1} of {describe(view)} is {cell.height()} px high; its "
                             f"{model.headerData(column, Qt.Orientation.Horizontal) or 'text'} needs "
                             f"{needs} px (a wrapped line prints over the next row)")
                break
    return found


def visible_children(window: QWidget) -> Iterator[QWidget]:
    for widget in window.findChildren(QWidget):
        if widget.isWindow() or not widget.isVisibleTo(window) or not widget.isVisible():
            continue
        yield widget


def seen_rect(widget: QWidget, window: QWidget) -> QRect:
    """The part of ``widget`` a person can see without scrolling, in ``window`` coordinates."""
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        rect = rect.intersected(QRect(parent.mapTo(window, QPoint(0, 0)), parent.size()))
        parent = parent.parentWidget()
    return rect.intersected(window.rect())


def primary_button(window: QWidget) -> QPushButton | None:
    """The button Return presses (the default one), else a button box's accept button."""
    buttons = [b for b in window.findChildren(QPushButton) if b.isVisibleTo(window) and b.window() is window]
    default = next((b for b in buttons if b.isDefault()), None)
    if default is not None:
        return default
    for box in window.findChildren(QDialogButtonBox):
        for button in box.buttons():
            if box.buttonRole(button) == QDialogButtonBox.ButtonRole.AcceptRole and button.isVisibleTo(window):
                return button if isinstance(button, QPushButton) else None
    if isinstance(window, QDialog):
        return next((b for b in buttons if b.property("primary")), None)
    return None


def describe(widget: QWidget) -> str:
    name = widget.accessibleName() or widget.objectName()
    text = ""
    if isinstance(widget, (QLabel, QAbstractButton)):
        text = widget.text().replace("&", "").replace("\n", " ")[:40]
    elif isinstance(widget, QLineEdit):
        text = widget.placeholderText()[:40]
    label = " ".join(part for part in (name, f"“{text}”" if text else "") if part)
    return f"{type(widget).__name__}{' ' + label if label else ''}"


def _squeezed(widget: QWidget) -> str:
    if _inside_item_view_internals(widget):
        return ""
    hint = widget.minimumSizeHint()
    policy = widget.sizePolicy()
    needs_width = widget.minimumWidth() or hint.width()
    needs_height = widget.minimumHeight() or hint.height()
    if isinstance(widget, QLabel) and widget.wordWrap():
        # A wrapped label trades width for height: it needs the height its width asks for.
        needs_height = widget.heightForWidth(widget.width()) if widget.width() > 0 else needs_height
    short = []
    if policy.horizontalPolicy() != QSizePolicy.Policy.Ignored and widget.width() + SLACK_PX < needs_width:
        short.append(f"{widget.width()} px wide of {needs_width}")
    if policy.verticalPolicy() != QSizePolicy.Policy.Ignored and widget.height() + SLACK_PX < needs_height:
        short.append(f"{widget.height()} px high of {needs_height}")
    return ", ".join(short)


def _inside_item_view_internals(widget: QWidget) -> bool:
    """Parts a composite widget lays out itself: a view's header, scroll bars and viewport, a line
    edit's clear button, a tab bar's scroll arrows, a tab widget's tab bar, a spin box's or combo
    box's inner editor."""
    child, parent = widget, widget.parentWidget()
    if isinstance(widget, QTabBar) and isinstance(parent, QTabWidget):
        return True  # a tab widget sizes its own tab bar (its pages are checked like any child)
    while parent is not None:
        if isinstance(parent, (QAbstractSpinBox, QComboBox, QLineEdit, QTabBar)):
            return True
        if isinstance(parent, QAbstractScrollArea) and child is not parent.viewport():
            return True
        if isinstance(parent, QAbstractScrollArea) and child is widget:
            return True  # the viewport itself: sized by its scroll area
        child, parent = parent, parent.parentWidget()
    return False


def _holds_text(widget: QWidget) -> bool:
    if isinstance(widget, QLabel):
        return bool(widget.text().strip())
    if isinstance(widget, QAbstractButton):
        return bool(widget.text().strip())
    return isinstance(widget, (QLineEdit, QAbstractSpinBox, QComboBox, QTextEdit, QPlainTextEdit))


def _related(first: QWidget, second: QWidget) -> bool:
    return first.isAncestorOf(second) or second.isAncestorOf(first)
