"""What the Manager screens share: a read-only list, and a question asked before a change."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ui.qt import (
    QAbstractItemView,
    QHeaderView,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)


def list_table(parent: QWidget, *, name: str, headers: Sequence[str]) -> QTableWidget:
    """A read-only table of whole rows, one selected at a time, columns as wide as their contents."""
    table = QTableWidget(0, len(headers), parent)
    table.setAccessibleName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def fill(table: QTableWidget, rows: Sequence[Sequence[str]]) -> None:
    table.setRowCount(len(rows))
    for row, cells in enumerate(rows):
        for column, text in enumerate(cells):
            table.setItem(row, column, QTableWidgetItem(text))


def ask_first(parent: QWidget, *, title: str, question: str, then: Callable[[], None]) -> QMessageBox:
    """A Yes/Cancel question (Cancel by default), not modal to the app; ``then`` runs on Yes."""
    box = QMessageBox(QMessageBox.Icon.Question, title, question,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, parent)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)

    def answered(_result: int) -> None:
        if box.clickedButton() is box.button(QMessageBox.StandardButton.Yes):
            then()

    box.finished.connect(answered)
    box.open()
    return box
