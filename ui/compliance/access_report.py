"""One client's access report: who viewed, changed, printed or exported their record, printable for them."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID

from medspa_desk.compliance.access_report import AccessReport
from medspa_desk.compliance.trail_pdf import person_words, workstation_words
from medspa_desk.desk import compliance
from medspa_desk.desk.context import SignedIn
from medspa_desk.documents.validity import add_months
from ui.compliance.audit_viewer import date_edit, date_range, moment_words, read_only_table
from ui.lists import fit_columns
from ui.operations import QueryOp, describe_error
from ui.qt import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSize,
    Qt,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.screen_fit import size_for_screen

COLUMNS = ["When", "Who", "From", "Did", "Record", "Sent"]


class AccessReportWindow(QWidget):
    did_show = Signal()
    did_save = Signal(object)  # Path

    def __init__(self, session: SignedIn, *, client_id: UUID, client_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(f"Access report — {client_name}")
        self.setAccessibleName("Access report")
        self._session = session
        self.client_id = client_id
        self.report: AccessReport | None = None
        self.names: dict[UUID, str] = {}
        today = datetime.now(session.location.zone).date()
        # Six years back to the day after: 72 months, which lands on Feb 28 from a leap day.
        self.since = date_edit(add_months(today, -72) + timedelta(days=1), "From")
        self.until = date_edit(today, "To (inclusive)")
        row = QHBoxLayout()
        row.addWidget(QLabel("Between"))
        row.addWidget(self.since)
        row.addWidget(QLabel("and"))
        row.addWidget(self.until)
        self.show_button = QPushButton("Show")
        self.show_button.setDefault(True)
        self.save_button = QPushButton("Save PDF for the client…")
        self.save_button.setEnabled(False)
        row.addWidget(self.show_button)
        row.addWidget(self.save_button)
        row.addStretch(1)
        self.summary = QLabel("Choose a period of up to six years and press Show.")
        self.summary.setAccessibleName("Access report summary")
        self.summary.setWordWrap(True)
        self.table = read_only_table(COLUMNS, "Accesses")
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self.show_button.clicked.connect(self.show_report)
        self.save_button.clicked.connect(self._pick)
        size_for_screen(self, QSize(900, 560))
        QueryOp(self, body=lambda store: store.users(),
                success=lambda users: self.names.update({u.id: u.display_name or u.username for u in users})).run()

    def show_report(self) -> None:
        since, until = date_range(self.since, self.until, self._session.location.zone)
        actor, link, client_id = self._session.actor, self._session.server_link(), self.client_id
        location = self._session.location
        self.summary.setText("Reading the trail…")
        QueryOp(self, body=lambda store: compliance.view_access_report(store, actor=actor, link=link,
                                                                       client_id=client_id, since=since, until=until,
                                                                       location=location),
                success=self._show, failure=lambda exc: self.summary.setText(describe_error(exc))).run()

    def _show(self, report: AccessReport) -> None:
        self.report = report
        zone = self._session.location.zone
        self.table.setRowCount(len(report.rows))
        for number, r in enumerate(report.rows):
            cells = [moment_words(r.at, zone), person_words(r.person_id, self.names),
                     workstation_words(r.workstation_id), r.action.value.replace("_", " "),
                     report.kinds.get(r.record_id, r.entity) if r.record_id else r.entity,
                     "not yet sent" if r.unsent else ""]
            for column, value in enumerate(cells):
                self.table.setItem(number, column, QTableWidgetItem(value))
        fit_columns(self.table)  # with a 1.25× font the six columns were wider than the window
        where = "" if report.online else ("The server cannot be reached: this shows only what was done on this "
                                          "workstation. ")
        told = len(report.disclosures)
        self.summary.setText(f"{where}{len(report.rows)} access{'es' if len(report.rows) != 1 else ''} "
                             f"to this client's record in the period, and {told or 'no'} disclosure"
                             f"{'s' if told != 1 else ''} outside treatment, payment and operations "
                             "(listed in the PDF).")
        self.save_button.setEnabled(True)
        self.did_show.emit()

    def _pick(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, "Save the access report", "access-report.pdf", "PDF (*.pdf)")
        if path:
            self.save(Path(path))

    def save(self, path: Path) -> None:
        if self.report is None:
            return
        report, actor, location = self.report, self._session.actor, self._session.location
        QueryOp(self, body=lambda store: compliance.save_access_report(store, actor=actor, report=report,
                                                                       location=location, path=path),
                success=self._saved, failure=lambda exc: self.summary.setText(f"Not saved. {describe_error(exc)}")
                ).run()

    def _saved(self, path: Path) -> None:
        self.summary.setText(f"Saved to {path.name} to print or send to the client; recorded in the audit trail.")
        self.did_save.emit(path)
