"""The read-only lists the desk's screens show: a table of rows to pick one from, a tree of records.

A table or a tree whose columns, each as wide as its text, add up to more than the view is fitted
to its width by ``fit_columns``: the wide columns share what the narrow ones leave and their text
wraps onto more lines (the rows grow), so nothing is seen only by scrolling sideways (issue 15).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ui.qt import (
    QAbstractItemView,
    QEvent,
    QFontMetrics,
    QHeaderView,
    QListView,
    QListWidget,
    QModelIndex,
    QObject,
    QRect,
    QSize,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    Qt,
    QTableView,
    QTableWidget,
    QTimer,
    QTreeView,
    QTreeWidget,
    QWidget,
)

ColumnView = QTableView | QTreeView

# The name of the helper ``fit_columns`` leaves on a view, to find it again on the next call.
COLUMN_FIT = "columnFit"
# A word up to this many characters keeps its column wide enough to show it whole; a longer one
# (an id) breaks over lines rather than widen its column past the view.
WHOLE_WORD_CHARS = 20
ZERO_WIDTH_SPACE = "\u200b"


def row_table(parent: QWidget, headers: Sequence[str], name: str) -> QTableWidget:
    """A list of rows a person reads and picks one of (a visit to confirm, a call to return); never edited."""
    table = QTableWidget(0, len(headers), parent)
    table.setAccessibleName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    return table


def record_tree(parent: QWidget, headers: Sequence[str], name: str, *, nested: bool = True) -> QTreeWidget:
    """A client's records as a list (``nested``: grouped under headings, such as upcoming and past visits)."""
    tree = QTreeWidget(parent)
    tree.setHeaderLabels(list(headers))
    tree.setAccessibleName(name)
    tree.setRootIsDecorated(nested)
    tree.setAlternatingRowColors(True)
    tree.setUniformRowHeights(True)
    return tree


def wrapping_list(parent: QWidget, name: str) -> QListWidget:
    """A list of sentences (who waits, and for what): a long one wraps onto more lines at the list's
    width instead of running past its right edge behind a sideways scroll bar."""
    listing = QListWidget(parent)
    listing.setAccessibleName(name)
    listing.setWordWrap(True)
    listing.setResizeMode(QListView.ResizeMode.Adjust)
    listing.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return listing


def fit_columns(view: ColumnView) -> None:
    """Fit ``view``'s columns to its width, measured again: call it once the view is filled.

    The first call sets the view up (word wrap, rows as high as their text); from then on it fits
    again by itself when the view's width or its rows change (an edited cell, a narrower window).
    """
    fit = view.findChild(QObject, COLUMN_FIT)
    if not isinstance(fit, ColumnFit):
        fit = ColumnFit(view)
    fit.fit(measure=True)


def share_width(natural: Sequence[int], floors: Sequence[int], available: int) -> list[int]:
    """Each column's width in ``available`` pixels: its ``natural`` width (its text on one line) when
    all fit, the last column taking what is left; otherwise every column is cut to one width at most,
    the widest that fits, never below its floor (its heading, its longest word), so the narrow
    columns keep their width and the wide ones share the rest and wrap. A hidden column's natural
    width is 0."""
    widths = list(natural)
    if sum(natural) <= available:
        shown = [column for column, width in enumerate(natural) if width > 0]
        if shown:
            widths[shown[-1]] += available - sum(natural)
        return widths

    def cut_to(most: int) -> list[int]:
        return [max(floor, min(width, most)) for width, floor in zip(natural, floors, strict=True)]

    low, high = 0, max(natural)
    while low < high:  # the widest cut that fits
        middle = (low + high + 1) // 2
        low, high = (middle, high) if sum(cut_to(middle)) <= available else (low, middle - 1)
    widths = cut_to(low)
    cut = [column for column, width in enumerate(widths) if width < natural[column] and width == low]
    for column in cut[:max(0, available - sum(widths))]:
        widths[column] += 1  # the pixels left over: fewer than the columns cut
    return widths


def breakable(text: str, metrics: QFontMetrics, width: int) -> str:
    """``text`` as shown in ``width`` pixels: a word wider than that (a record's id in an audit
    detail) may break anywhere (zero-width spaces between its letters), so it wraps onto more lines
    instead of being cut short; the item's own text is unchanged."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    return re.sub(r"\S+", lambda word: ZERO_WIDTH_SPACE.join(word[0]) if metrics.horizontalAdvance(word[0]) > width
                  else word[0], text)


class WrapAtColumnWidth(QStyledItemDelegate):
    """Measures a cell wrapped at its column's width, so its row grows to hold the wrapped text (a
    tree view measures every cell as if on one line). While ``measuring`` a column it measures the
    cell's text on one line (``LINE``: the width the column needs not to wrap) or its longest word
    (``WORD``: the narrowest the column may be to show every word whole)."""

    LINE, WORD = "line", "word"

    def __init__(self, view: ColumnView) -> None:
        super().__init__(view)
        self.view = view
        self.measuring = ""

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().initStyleOption(option, index)
        if not option.text.strip() or self.measuring == self.LINE:
            return
        if self.measuring == self.WORD:
            option.text = max(option.text.split(), key=option.fontMetrics.horizontalAdvance)
            return
        margin = self.view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self.view) + 1
        option.text = breakable(option.text, option.fontMetrics, self._text_width(index) - 2 * margin)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        measured = QStyleOptionViewItem(option)
        wrap = QStyleOptionViewItem.ViewItemFeature.WrapText
        if self.measuring:
            measured.features &= ~wrap
        else:
            measured.features |= wrap
            measured.rect = QRect(option.rect.x(), option.rect.y(), self._text_width(index),
                                  max(option.rect.height(), 1))
        return super().sizeHint(measured, index)

    def _text_width(self, index: QModelIndex) -> int:
        """The width the cell's text is drawn in: its column's."""
        width = self.view.columnWidth(index.column())
        if isinstance(self.view, QTableView) and self.view.showGrid():
            width -= 1  # the grid line is drawn inside the cell: a row measured without it was a line short
        if isinstance(self.view, QTreeView) and index.column() == 0:
            # A tree's first column is indented by the item's depth (and the branch, if drawn).
            depth, parent = 0, index.parent()
            while parent.isValid():
                depth, parent = depth + 1, parent.parent()
            width -= self.view.indentation() * (depth + int(self.view.rootIsDecorated()))
        return max(width, 1)


class ColumnFit(QObject):
    """Keeps a view's columns inside its width (``fit_columns``): it sets every width itself."""

    def __init__(self, view: ColumnView) -> None:
        super().__init__(view)
        self.setObjectName(COLUMN_FIT)
        self.view = view
        self.delegate = WrapAtColumnWidth(view)
        view.setItemDelegate(self.delegate)
        view.setWordWrap(True)
        if isinstance(view, QTreeView):
            view.setUniformRowHeights(False)  # a wrapped row is higher than the others
        header = self._header()
        # Every width is set here, the last column's too: a header stretching its last section does
        # so later, at a width the rows were not measured at.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setStretchLastSection(False)
        self._natural: list[int] = []
        self._floors: list[int] = []
        self._width = -1
        self._fitting = False
        # Rows added or a cell edited: measured again once the changes are made, not after each cell.
        self._changed = QTimer(self)
        self._changed.setSingleShot(True)
        self._changed.setInterval(0)
        self._changed.timeout.connect(lambda: self.fit(measure=True))
        model = view.model()
        for signal in (model.dataChanged, model.rowsInserted, model.rowsRemoved, model.modelReset,
                       model.layoutChanged):
            signal.connect(self._changed.start)
        view.viewport().installEventFilter(self)

    def _header(self) -> QHeaderView:
        return self.view.horizontalHeader() if isinstance(self.view, QTableView) else self.view.header()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched.width() != self._width:
            self.fit()
        return False

    def fit(self, *, measure: bool = False) -> None:
        """Share the view's width among the columns (``measure``: their text measured again first)."""
        if self._fitting:
            return
        self._fitting = True
        try:
            if measure or len(self._natural) != self._header().count():
                self._changed.stop()
                self._measure()
            header = self._header()
            # Rows grown or shrunk may bring or take away the up-and-down scroll bar: the columns are
            # fitted again to the width it leaves (at most twice more; the view settles either way).
            for _ in range(3):
                self._width = self.view.viewport().width()
                for column, width in enumerate(share_width(self._natural, self._floors, self._width)):
                    if not header.isSectionHidden(column) and header.sectionSize(column) != width:
                        header.resizeSection(column, width)
                self._rows_again()
                if self.view.viewport().width() == self._width:
                    break
        finally:
            self._fitting = False

    def _measure(self) -> None:
        """Each column's width with its text on one line, and the narrowest it may be: its heading
        and its longest word whole (cut short, "desk-2026-1" read "desk-202…"), up to
        ``WHOLE_WORD_CHARS`` characters (a longer one breaks, see ``breakable``)."""
        header = self._header()
        shown = [column for column in range(header.count()) if not header.isSectionHidden(column)]
        self._floors = [0] * header.count()
        self._natural = [0] * header.count()
        try:
            self.delegate.measuring = WrapAtColumnWidth.WORD
            longest_whole = self.view.fontMetrics().averageCharWidth() * WHOLE_WORD_CHARS
            for column in shown:
                word = min(self.view.sizeHintForColumn(column), longest_whole)
                self._floors[column] = max(header.sectionSizeHint(column), word)
            self.delegate.measuring = WrapAtColumnWidth.LINE
            for column in shown:
                self._natural[column] = max(self.view.sizeHintForColumn(column), self._floors[column])
        finally:
            self.delegate.measuring = ""

    def _rows_again(self) -> None:
        """Rows as high as their text wrapped at the new widths."""
        if isinstance(self.view, QTableView):
            self.view.resizeRowsToContents()
        else:
            self.view.doItemsLayout()
