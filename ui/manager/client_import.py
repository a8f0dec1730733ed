"""Manager → Import clients: the client list from the system the practice leaves, checked before it is saved.

The manager chooses the CSV their old system exported. The screen shows which
system it looks like, which desk field each column fills (each can be changed
or left out), how many clients are ready, and every row that cannot be
imported or looks like someone already on file, with the reason. Import saves
all of them or none (``medspa_desk.desk.client_import``); rows with problems
stop it unless the manager ticks the box to leave them out.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from medspa_desk.client_import import FIELDS, ImportPreview
from medspa_desk.desk.client_import import ImportOutcome, import_clients, preview_client_import
from medspa_desk.desk.context import SignedIn
from ui.manager.common import fill, list_table
from ui.operations import CollectionOp, QueryOp, describe_error
from ui.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSize,
    QSplitter,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from ui.screen_fit import size_for_screen

LEAVE_OUT = "(leave out)"
SHOWN_PROBLEMS = 500  # rows listed on screen; the count says how many there are in all


class ClientImportDialog(QDialog):
    def __init__(self, session: SignedIn, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.path: Path | None = None
        self.preview: ImportPreview | None = None
        self.setObjectName("clientImportDialog")
        self.setWindowTitle("Import clients")
        self.setAccessibleName("Import clients")

        self.intro = QLabel("Choose the client list your old system exported as a CSV file (Boulevard, "
                            "Mangomint, Vagaro, Jane, or a spreadsheet with the columns in docs/client-import.md). "
                            "Nothing is saved until you press Import.", self)
        self.intro.setWordWrap(True)
        choose = QPushButton("&Choose file…", self)
        choose.clicked.connect(self.ask_for_file)
        self.file_label = QLabel("No file chosen.", self)
        self.file_label.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(choose)
        top.addWidget(self.file_label, 1)

        self.columns = QTableWidget(0, 2, self)
        self.columns.setAccessibleName("Columns")
        self.columns.setHorizontalHeaderLabels(["Column in the file", "Goes to"])
        self.columns.verticalHeader().setVisible(False)
        self.columns.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.columns.horizontalHeader().setStretchLastSection(True)
        self.problems = list_table(self, name="Rows to check", headers=("Row", "What to check"))
        self.problems.setWordWrap(False)  # one line a row; the whole reason on hover
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.columns)
        split.addWidget(self.problems)
        split.setStretchFactor(1, 2)

        self.summary = QLabel("", self)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Import summary")
        self.leave_out_refused = QCheckBox("Leave out the rows that cannot be imported", self)
        self.leave_out_duplicates = QCheckBox("Leave out the rows that look like someone already on file", self)
        self.import_button = QPushButton("&Import", self)
        self.import_button.setDefault(True)
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.run_import)
        close = QPushButton("Close", self)
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.leave_out_refused)
        layout.addWidget(self.leave_out_duplicates)
        layout.addLayout(buttons)
        size_for_screen(self, QSize(900, 600))

    def ask_for_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose the client list", "", "CSV files (*.csv *.txt)")
        if path:
            self.open_file(Path(path))

    def open_file(self, path: Path, mapping: tuple[str | None, ...] | None = None) -> None:
        """Read ``path`` into a preview on the database worker (``mapping``: the manager's column choices)."""
        self.path = path
        self.import_button.setEnabled(False)
        self.summary.setText("Reading the file…")
        actor, zone = self.session.actor, self.session.location.zone
        today = datetime.now(zone).date()
        QueryOp(self, body=lambda store: preview_client_import(store, actor=actor, path=path, today=today,
                                                               mapping=mapping),
                success=self.show_preview, failure=self._failed).run()

    def show_preview(self, preview: ImportPreview) -> None:
        self.preview = preview
        self.file_label.setText(f"{preview.file_name}: looks like an export from {preview.source}.")
        self._show_columns(preview)
        listed = [(str(r.line), "; ".join(r.problems)) for r in preview.refused]
        listed += [(str(r.line), f"Looks like {r.duplicate_of}") for r in preview.duplicates]
        listed.sort(key=lambda row: int(row[0]))
        fill(self.problems, listed[:SHOWN_PROBLEMS])
        for row in range(self.problems.rowCount()):  # a long reason is cut at the edge: the whole of it on hover
            cell = self.problems.item(row, 1)
            cell.setToolTip(cell.text())
        good, refused, duplicates = len(preview.good), len(preview.refused), len(preview.duplicates)
        words = [f"{good:,} client{'s' if good != 1 else ''} ready to import."]
        if refused:
            words.append(f"{refused:,} row{'s cannot be imported as they are' if refused != 1 else ' cannot be imported as it is'}: fix them in "
                         "the file and choose it again, or tick the box to leave them out.")
        if duplicates:
            words.append(f"{duplicates:,} row{'s look' if duplicates != 1 else ' looks'} like someone already on file or "
                         "earlier in the file: check them, or tick the box to leave them out.")
        if len(listed) > SHOWN_PROBLEMS:
            words.append(f"The first {SHOWN_PROBLEMS} rows to check are listed.")
        self.summary.setText(" ".join(words))
        self.leave_out_refused.setEnabled(bool(refused))
        self.leave_out_duplicates.setEnabled(bool(duplicates))
        self.import_button.setEnabled(good > 0)

    def _show_columns(self, preview: ImportPreview) -> None:
        self.columns.setRowCount(len(preview.headers))
        choices = [LEAVE_OUT, *FIELDS.values()]
        fields = [None, *FIELDS]
        widest = 0
        for row, (header, field) in enumerate(zip(preview.headers, preview.mapping, strict=True)):
            name = QTableWidgetItem(header)
            name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.columns.setItem(row, 0, name)
            box = QComboBox(self.columns)
            box.setAccessibleName(f"Column {header}")
            box.addItems(choices)
            box.setCurrentIndex(fields.index(field))
            box.currentIndexChanged.connect(self._columns_changed)
            self.columns.setCellWidget(row, 1, box)
            widest = max(widest, box.sizeHint().width())
        self.columns.setColumnWidth(1, widest)  # a choice is never cut short (the view ignores cell widgets)
        frame = 2 * self.columns.frameWidth() + self.columns.verticalScrollBar().sizeHint().width()
        self.columns.setMinimumWidth(self.columns.columnWidth(0) + widest + frame)

    def chosen_mapping(self) -> tuple[str | None, ...]:
        fields = [None, *FIELDS]
        return tuple(fields[self.columns.cellWidget(row, 1).currentIndex()]
                     for row in range(self.columns.rowCount()))

    def _columns_changed(self, _index: int) -> None:
        if self.path is not None:
            self.open_file(self.path, self.chosen_mapping())

    def run_import(self) -> None:
        preview = self.preview
        if preview is None:
            return
        self.import_button.setEnabled(False)
        self.summary.setText("Importing…")
        actor = self.session.actor
        refused, duplicates = self.leave_out_refused.isChecked(), self.leave_out_duplicates.isChecked()
        CollectionOp(self, body=lambda store: import_clients(store, actor=actor, preview=preview,
                                                             leave_out_refused=refused,
                                                             leave_out_duplicates=duplicates),
                     success=self._imported, failure=self._failed).run()

    def _imported(self, outcome: ImportOutcome) -> None:
        left = outcome.left_out_refused + outcome.left_out_duplicates
        self.summary.setText(f"{outcome.imported:,} client{'s' if outcome.imported != 1 else ''} imported"
                             + (f"; {left:,} row{'s' if left != 1 else ''} left out" if left else "")
                             + ". They reach the other workstations as soon as this one is online.")
        self.preview = None

    def _failed(self, exc: BaseException) -> None:
        self.summary.setText(describe_error(exc))
        self.import_button.setEnabled(self.preview is not None and bool(self.preview.good))
