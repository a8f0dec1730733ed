"""The lot recall window: who received a lot (or a product in a date range), with contact details.

Searching is audited as a view and exporting as an export (counts only, never
names). Exports are written atomically with owner-only permissions.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from medspa_desk.clinical.recall_export import ExportFormat, export_recall
from medspa_desk.desk.context import SignedIn
from medspa_desk.scheduling import local_datetime
from medspa_desk.store.recall import RecallCriteria, RecallHit, find_recall_clients
from ui.dates import date_field_format, short_date
from ui.operations import QueryOp, describe_error
from ui.qt import (
    QComboBox,
    QDate,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSize,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.screen_fit import place_over_parent, size_for_screen

ANY_PRODUCT = ""
COLUMNS = ("Client", "Born", "Treated", "Lot", "Phone", "Email", "Address")


class LotRecallWindow(QWidget):
    did_search = Signal()
    did_export = Signal(object)  # Path

    def __init__(self, session: SignedIn, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Lot recall")
        self.setAccessibleName("Lot recall")
        self._session = session
        self.hits: list[RecallHit] = []
        self.criteria: RecallCriteria | None = None
        self._product_names: dict[UUID, str] = {}
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.lot = QLineEdit()
        self.lot.setAccessibleName("Lot number")
        self.lot.setPlaceholderText("Lot number (leave empty to search by product); dates below apply")
        self.product = QComboBox()
        self.product.setAccessibleName("Product")
        self.product.addItem("Any product", ANY_PRODUCT)
        today = datetime.now(session.location.zone).date()
        self.since = QDateEdit(QDate(today.year - 1, today.month, 1))
        self.until = QDateEdit(QDate(today.year, today.month, today.day))
        for edit, name in ((self.since, "From"), (self.until, "To (inclusive)")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat(date_field_format())
            edit.setAccessibleName(name)
        form.addRow("&Lot", self.lot)
        form.addRow("&Product", self.product)
        dates = QHBoxLayout()
        dates.addWidget(self.since)
        dates.addWidget(QLabel("to"))
        dates.addWidget(self.until)
        dates.addStretch(1)  # the two dates side by side, not pushed to the window's edges
        form.addRow("Treated between", dates)
        layout.addLayout(form)
        row = QHBoxLayout()
        self.search_button = QPushButton("Find clients")
        self.search_button.setDefault(True)
        self.csv_button = QPushButton("Export CSV…")
        self.pdf_button = QPushButton("Export PDF…")
        for widget in (self.search_button, self.csv_button, self.pdf_button):
            row.addWidget(widget)
        row.addStretch(1)
        layout.addLayout(row)
        self.summary = QLabel("Enter a lot number, or pick a product and dates.")
        self.summary.setAccessibleName("Recall result")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setAccessibleName("Clients to contact")
        # Who (the birth date tells namesakes apart), what identifies the recall (when, which lot),
        # then how to reach the client.
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        layout.addWidget(self.table, 1)
        self.csv_button.setEnabled(False)
        self.pdf_button.setEnabled(False)
        self.search_button.clicked.connect(self.search)
        self.lot.returnPressed.connect(self.search)
        self.csv_button.clicked.connect(lambda: self.pick_export(ExportFormat.CSV))
        self.pdf_button.clicked.connect(lambda: self.pick_export(ExportFormat.PDF))
        size_for_screen(self, QSize(980, 560))
        place_over_parent(self)
        QueryOp(self, body=lambda store: store.products(), success=self._fill_products).run()

    def _fill_products(self, products: list[Any]) -> None:
        for product in products:
            self._product_names[product.id] = product.name
            self.product.addItem(product.name, str(product.id))

    def _criteria(self) -> RecallCriteria:
        zone = self._session.location.zone
        product = self.product.currentData()
        since, until = self.since.date(), self.until.date()
        start = local_datetime(since.toPython(), time(0), zone)
        end = local_datetime(until.toPython() + timedelta(days=1), time(0), zone)
        # A typed lot keeps to the dates on screen too: what is shown is what is searched.
        return RecallCriteria(lot=self.lot.text(), product_id=UUID(product) if product else None,
                              since=start, until=end)

    def search(self) -> None:
        criteria = self._criteria()
        actor = self._session.actor
        self.summary.setText("Searching…")
        QueryOp(self, body=lambda store: find_recall_clients(store, criteria, actor=actor),
                success=lambda hits: self._show(criteria, hits),
                failure=lambda exc: self.summary.setText(describe_error(exc))).run()

    def _show(self, criteria: RecallCriteria, hits: list[RecallHit]) -> None:
        zone = self._session.location.zone
        self.criteria, self.hits = criteria, hits
        self.summary.setText(f"{len(hits)} client{'s' if len(hits) != 1 else ''} to contact."
                             if hits else "No client received that lot or product in that time.")
        self.table.setRowCount(len(hits))
        for row, hit in enumerate(hits):
            treated = ", ".join(short_date(u.performed_at.astimezone(zone).date()) for u in hit.uses)
            lots = ", ".join(dict.fromkeys(u.lot for u in hit.uses))
            born = short_date(hit.born) if hit.born else ""
            for column, value in enumerate((hit.full_name, born, treated, lots, hit.phone, hit.email, hit.address)):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        self.csv_button.setEnabled(bool(hits))
        self.pdf_button.setEnabled(bool(hits))
        self.did_search.emit()

    def pick_export(self, file_format: ExportFormat) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, "Export the recall list", f"lot-recall.{file_format.value}",
                                                    f"{file_format.value.upper()} (*.{file_format.value})")
        if path:
            self.export(Path(path), file_format)

    def export(self, path: Path, file_format: ExportFormat) -> None:
        if self.criteria is None:
            return
        hits, criteria, names, actor = list(self.hits), self.criteria, dict(self._product_names), self._session.actor
        practice, zone = self._session.location.name, self._session.location.zone
        QueryOp(self, body=lambda store: export_recall(store, hits, path, file_format=file_format, criteria=criteria,
                                                       product_names=names, practice_name=practice, zone=zone,
                                                       actor=actor),
                success=lambda _none: self._exported(path),
                failure=lambda exc: self.summary.setText(f"Not exported. {describe_error(exc)}")).run()

    def _exported(self, path: Path) -> None:
        self.summary.setText(f"Exported {len(self.hits)} clients to {path.name}.")
        self.did_export.emit(path)
