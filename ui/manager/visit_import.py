"""Manager → Import upcoming appointments: the old system's bookings, after its client list.

The manager chooses the appointments CSV their old system exported. The screen
says how many upcoming visits will be booked, how many are already past (left
out), and every row that cannot be booked with the reason (client, service or
provider not matched, a date or time it cannot read). Import books all of them
or none (``medspa_desk.desk.client_import.import_visits``); a slot already
taken stops it unless the manager ticks the box to leave such rows out.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from medspa_desk.desk.client_import import VisitImportOutcome, import_visits, preview_visit_import
from medspa_desk.desk.context import SignedIn
from medspa_desk.visit_import import VisitPreview
from ui.manager.common import fill, list_table
from ui.operations import CollectionOp, QueryOp, describe_error
from ui.qt import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSize,
    QVBoxLayout,
    QWidget,
)
from ui.screen_fit import size_for_screen


class VisitImportDialog(QDialog):
    def __init__(self, session: SignedIn, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.preview: VisitPreview | None = None
        self.setObjectName("visitImportDialog")
        self.setWindowTitle("Import upcoming appointments")
        self.setAccessibleName("Import upcoming appointments")
        intro = QLabel("Import the client list first (Manager → Import clients…). Then choose the upcoming "
                       "appointments your old system exported as CSV: each row is booked with the practice's "
                       "service and provider of the same name. Nothing is booked until you press Import.", self)
        intro.setWordWrap(True)
        choose = QPushButton("&Choose file…", self)
        choose.clicked.connect(self.ask_for_file)
        self.file_label = QLabel("No file chosen.", self)
        self.file_label.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(choose)
        top.addWidget(self.file_label, 1)
        self.problems = list_table(self, name="Rows to check", headers=("Row", "What to check"))
        self.problems.setWordWrap(False)  # one line a row; the whole reason on hover
        self.summary = QLabel("", self)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Import summary")
        self.leave_out = QCheckBox("Leave out the rows that cannot be booked", self)
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
        layout.addWidget(intro)
        layout.addLayout(top)
        layout.addWidget(self.problems, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.leave_out)
        layout.addLayout(buttons)
        size_for_screen(self, QSize(820, 520))

    def ask_for_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose the appointments export", "", "CSV files (*.csv *.txt)")
        if path:
            self.open_file(Path(path))

    def open_file(self, path: Path) -> None:
        self.import_button.setEnabled(False)
        self.summary.setText("Reading the file…")
        actor, location = self.session.actor, self.session.location
        now = datetime.now(location.zone)
        QueryOp(self, body=lambda store: preview_visit_import(store, actor=actor, path=path, location=location,
                                                              now=now),
                success=self.show_preview, failure=self._failed).run()

    def show_preview(self, preview: VisitPreview) -> None:
        self.preview = preview
        self.file_label.setText(preview.file_name)
        fill(self.problems, [(str(r.line), "; ".join(r.problems)) for r in preview.refused])
        for row in range(self.problems.rowCount()):
            cell = self.problems.item(row, 1)
            cell.setToolTip(cell.text())
        good, refused, past = len(preview.good), len(preview.refused), len(preview.past)
        words = [f"{good:,} upcoming appointment{'s' if good != 1 else ''} ready to book."]
        if past:
            words.append(f"{past:,} already past {'is' if past == 1 else 'are'} left out.")
        if refused:
            words.append(f"{refused:,} row{'s cannot be booked as they are' if refused != 1 else ' cannot be booked as it is'}: fix them in "
                         "the file and choose it again, or tick the box to leave them out.")
        self.summary.setText(" ".join(words))
        self.leave_out.setEnabled(bool(refused))
        self.import_button.setEnabled(good > 0)

    def run_import(self) -> None:
        preview = self.preview
        if preview is None:
            return
        self.import_button.setEnabled(False)
        self.summary.setText("Booking…")
        actor, leave_out = self.session.actor, self.leave_out.isChecked()
        CollectionOp(self, body=lambda store: import_visits(store, actor=actor, preview=preview,
                                                            leave_out_refused=leave_out),
                     success=self._imported, failure=self._failed).run()

    def _imported(self, outcome: VisitImportOutcome) -> None:
        self.summary.setText(f"{outcome.booked:,} appointment{'s' if outcome.booked != 1 else ''} booked"
                             + (f"; {outcome.left_out_refused:,} left out" if outcome.left_out_refused else "")
                             + ". They are on the schedule, and reach the other workstations as soon as this one "
                             "is online.")
        self.preview = None

    def _failed(self, exc: BaseException) -> None:
        self.summary.setText(describe_error(exc))
        self.import_button.setEnabled(self.preview is not None and bool(self.preview.good))
