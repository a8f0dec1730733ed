"""Everything a person (or a screen reader) could read from the app's widgets, as text."""

from __future__ import annotations

from collections.abc import Iterator

from ui.qt import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QModelIndex,
    Qt,
    QTabWidget,
    QWidget,
    is_alive,
)

ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole,
         Qt.ItemDataRole.StatusTipRole)


def _count(method, parent: QModelIndex) -> int:
    """List and table models make some counts private in PySide6: they have one column, no children."""
    try:
        return method(parent)
    except TypeError:
        return 1 if not parent.isValid() else 0


def _model_texts(model, parent: QModelIndex | None = None) -> Iterator[str]:
    parent = parent or QModelIndex()
    for row in range(model.rowCount(parent)):
        for column in range(max(1, _count(model.columnCount, parent))):
            index = model.index(row, column, parent)
            for role in ROLES:
                value = model.data(index, role)
                if value is not None:
                    yield str(value)
            if column == 0 and _count(model.rowCount, index) > 0:
                yield from _model_texts(model, index)


def widget_texts(widget: QWidget) -> Iterator[str]:
    yield widget.windowTitle()
    yield widget.toolTip()
    yield widget.accessibleName()
    yield widget.accessibleDescription()
    yield widget.statusTip()
    yield widget.whatsThis()
    for getter in ("text", "placeholderText", "toPlainText", "title", "currentText"):
        method = getattr(widget, getter, None)
        if callable(method):
            try:
                value = method()
            except TypeError:
                continue
            if isinstance(value, str):
                yield value
    # Menus and toolbars show their actions' words, not widget text of their own.
    for action in widget.actions():
        yield action.text()
        yield action.toolTip()
        yield action.statusTip()
    if isinstance(widget, QTabWidget):
        for index in range(widget.count()):
            yield widget.tabText(index)
            yield widget.tabToolTip(index)
    if isinstance(widget, QComboBox):
        for index in range(widget.count()):
            yield widget.itemText(index)
    if isinstance(widget, QAbstractItemView) and widget.model() is not None:
        yield from _model_texts(widget.model())


def all_visible_text() -> list[str]:
    """Text of every live widget: all top-level widgets and all their children."""
    texts: list[str] = []
    for widget in QApplication.allWidgets():
        if is_alive(widget):
            texts.extend(t for t in widget_texts(widget) if t)
    return texts


def phi_found(markers: list[str]) -> list[str]:
    texts = all_visible_text()
    return sorted({m for m in markers if m and any(m.lower() in t.lower() for t in texts)})
