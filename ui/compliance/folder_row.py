"""A folder a compliance dialog writes into or reads from: a label, the path typed, and a chooser."""

from __future__ import annotations

from pathlib import Path

from ui.qt import QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget


def labelled(label: str, field: QWidget) -> QHBoxLayout:
    """``field`` after its label (its mnemonic moves the focus to the field), the field taking the width."""
    row = QHBoxLayout()
    words = QLabel(label)
    words.setBuddy(field)
    row.addWidget(words)
    row.addWidget(field, 1)
    return row


def folder_row(parent: QWidget, *, label: str, name: str, placeholder: str,
               choose_title: str) -> tuple[QHBoxLayout, QLineEdit, QPushButton]:
    """The row, its path field and its "Choose folder…" button (which fills the field)."""
    folder = QLineEdit()
    folder.setAccessibleName(name)
    folder.setPlaceholderText(placeholder)
    choose = QPushButton("&Choose folder…")
    row = labelled(label, folder)
    row.addWidget(choose)

    def choose_folder() -> None:
        chosen = QFileDialog.getExistingDirectory(parent, choose_title, folder.text() or str(Path.home()))
        if chosen:
            folder.setText(chosen)

    choose.clicked.connect(choose_folder)
    return row, folder, choose
