"""The audit viewer: the practice's trail, filtered, a page at a time, with its exports and chain check.

Every page shown is audited by the use case (``medspa_desk.desk.compliance``);
the server is reached on the database worker, never on the GUI thread. Offline
the viewer shows this workstation's own trail and says so.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from medspa_desk.compliance.access_report import client_records
from medspa_desk.compliance.audit_trail import (
    MAX_RECORDS,
    TrailFilter,
    TrailFilterError,
    TrailPage,
    TrailRow,
)
from medspa_desk.compliance.trail_pdf import person_words, workstation_words
from medspa_desk.desk import compliance
from medspa_desk.desk.context import SignedIn
from medspa_desk.records import AuditAction
from medspa_desk.scheduling import local_datetime
from medspa_desk.store import Store
from medspa_desk.time_words import time_of_day
from ui.dates import date_field_format, short_date
from ui.lists import fit_columns
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

COLUMNS = ["When", "Sent", "Who", "Workstation", "Did", "Record", "Outcome", "Detail"]
THIS_WORKSTATION = "this"


def trail_cells(row: TrailRow, *, names: dict[UUID, str], zone: ZoneInfo) -> list[str]:
    return [moment_words(row.at, zone),
            "not yet sent" if row.unsent else ("on the server" if row.seq else "this workstation"),
            person_words(row.person_id, names), workstation_words(row.workstation_id),
            row.action.value.replace("_", " "),
            f"{row.entity} {str(row.record_id)[:8]}" if row.record_id else row.entity, row.outcome, row.detail]


def moment_words(moment: datetime, zone: ZoneInfo) -> str:
    """The date in the desk's locale order and the desk's own clock style (12- or 24-hour, as the screens write times)."""
    local = moment.astimezone(zone)
    return f"{short_date(local.date())} {time_of_day(local)}"


def fill_table(table: QTableWidget, rows: list[TrailRow], *, names: dict[UUID, str], zone: ZoneInfo) -> None:
    table.setRowCount(len(rows))
    for number, row in enumerate(rows):
        for column, value in enumerate(trail_cells(row, names=names, zone=zone)):
            table.setItem(number, column, QTableWidgetItem(value))
    fit_columns(table)  # eight columns: a long record or detail wraps within the window's width


def date_range(since: QDateEdit, until: QDateEdit, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The two dates as the location's midnights, the end date included."""
    start = local_datetime(since.date().toPython(), time(0), zone)
    end = local_datetime(until.date().toPython() + timedelta(days=1), time(0), zone)
    return start, end


def read_only_table(headers: list[str], name: str) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setAccessibleName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    return table


def date_edit(day: Any, name: str) -> QDateEdit:
    edit = QDateEdit(QDate(day.year, day.month, day.day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat(date_field_format())
    edit.setAccessibleName(name)
    return edit


def filter_from(store: Store, form: dict[str, Any]) -> TrailFilter:
    """The form's filter; a client's name becomes that client's record (one match only)."""
    records: tuple[UUID, ...] = ()
    if form["client"]:
        hits = store.search_clients(form["client"], limit=2)
        if len(hits) != 1:
            raise TrailFilterError("No client matches that name; check the spelling." if not hits else
                                   "More than one client matches that name; type more of it.")
        records = tuple(client_records(store, hits[0].id))
        if len(records) > MAX_RECORDS:
            raise TrailFilterError("This client's record has too many parts to filter here; use "
                                   "Compliance > Access report for a client, which reads them all.")
    return TrailFilter(since=form["since"], until=form["until"], person_id=form["person_id"],
                       workstation_id=form["workstation_id"], record_ids=records, actions=form["actions"])


class AuditViewer(QWidget):
    did_show = Signal()
    did_export = Signal(object)  # Path

    def __init__(self, session: SignedIn, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Audit trail")
        self.setAccessibleName("Audit trail")
        self._session = session
        self.rows: list[TrailRow] = []
        self.page: TrailPage | None = None
        self.chosen: TrailFilter | None = None
        self.names: dict[UUID, str] = {}
        zone = session.location.zone
        today = datetime.now(zone).date()
        self.since = date_edit(today - timedelta(days=30), "From")
        self.until = date_edit(today, "To (inclusive)")
        self.person = QComboBox()
        self.person.setAccessibleName("Person")
        self.person.addItem("Anyone", None)
        self.workstation = QComboBox()
        self.workstation.setAccessibleName("Workstation")
        self.workstation.addItem("Any workstation", None)
        self.workstation.addItem("This workstation", THIS_WORKSTATION)
        self.client = QLineEdit()
        self.client.setAccessibleName("Client")
        self.client.setPlaceholderText("Any client (or type a name)")
        self.action = QComboBox()
        self.action.setAccessibleName("Action")
        self.action.addItem("Anything", None)
        for action in AuditAction:
            self.action.addItem(action.value.replace("_", " ").capitalize(), action.value)
        form = QFormLayout()
        dates = QHBoxLayout()
        dates.addWidget(self.since)
        dates.addWidget(QLabel("to"))
        dates.addWidget(self.until)
        dates.addStretch(1)  # the two dates side by side, not pushed to the window's edges
        form.addRow("Between", dates)
        form.addRow("&Person", self.person)
        form.addRow("&Workstation", self.workstation)
        form.addRow("&Client", self.client)
        form.addRow("&Action", self.action)
        buttons = QHBoxLayout()
        self.show_button = QPushButton("Show")
        self.show_button.setDefault(True)
        self.more_button = QPushButton("Next page")
        self.csv_button = QPushButton("Export CSV…")
        self.pdf_button = QPushButton("Export PDF…")
        self.chain_button = QPushButton("Check the chain")
        self.chain_button.setEnabled(session.server_link() is not None)
        for button in (self.show_button, self.more_button, self.csv_button, self.pdf_button, self.chain_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.summary = QLabel("Choose a filter and press Show.")
        self.summary.setAccessibleName("Audit summary")
        self.summary.setWordWrap(True)
        self.chain = QLabel("")
        self.chain.setAccessibleName("Chain verification")
        self.chain.setWordWrap(True)
        self.table = read_only_table(COLUMNS, "Audit events")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.summary)
        layout.addWidget(self.chain)
        layout.addWidget(self.table, 1)
        self._enable(False)
        self.show_button.clicked.connect(lambda: self.show_trail())
        self.client.returnPressed.connect(lambda: self.show_trail())
        self.more_button.clicked.connect(self.next_page)
        self.csv_button.clicked.connect(lambda: self._pick("csv"))
        self.pdf_button.clicked.connect(lambda: self._pick("pdf"))
        self.chain_button.clicked.connect(self.check_chain)
        size_for_screen(self, QSize(1100, 640))
        place_over_parent(self)
        QueryOp(self, body=lambda store: store.users(), success=self._fill_people).run()

    def _fill_people(self, users: list[Any]) -> None:
        for user in users:
            self.names[user.id] = user.display_name or user.username
            self.person.addItem(self.names[user.id], str(user.id))

    def _enable(self, shown: bool) -> None:
        self.more_button.setEnabled(shown and self.page is not None and self.page.has_more)
        self.csv_button.setEnabled(shown)
        self.pdf_button.setEnabled(shown)

    def _form(self) -> dict[str, Any]:
        """What the form says, read on the GUI thread."""
        since, until = date_range(self.since, self.until, self._session.location.zone)
        person, action, where = self.person.currentData(), self.action.currentData(), self.workstation.currentData()
        return {"since": since, "until": until, "person_id": UUID(person) if person else None,
                "workstation_id": self._session.actor.device_id if where == THIS_WORKSTATION
                else UUID(where) if where else None,
                "actions": (AuditAction(action),) if action else (), "client": self.client.text().strip()}

    def show_trail(self, *, after: int = 0) -> None:
        actor, link = self._session.actor, self._session.server_link()
        form = None if after and self.chosen is not None else self._form()
        kept = self.chosen  # the next page is of what is shown, whatever the form says now
        self.summary.setText("Loading…")

        def body(store: Store) -> tuple[TrailFilter, TrailPage]:
            chosen = kept if form is None else filter_from(store, form)
            return chosen, compliance.view_audit_page(store, actor=actor, link=link, chosen=chosen, after=after)
        QueryOp(self, body=body, success=lambda answer: self._show(*answer, appended=after > 0),
                failure=lambda exc: self.summary.setText(describe_error(exc))).run()

    def next_page(self) -> None:
        if self.page is not None and self.page.has_more:
            self.show_trail(after=self.page.next_after)

    def _show(self, chosen: TrailFilter, page: TrailPage, *, appended: bool) -> None:
        self.chosen, self.page = chosen, page
        self.rows = [*(self.rows if appended else []), *page.rows, *([] if appended else page.unsent)]
        fill_table(self.table, self.rows, names=self.names, zone=self._session.location.zone)
        self._offer_workstations(self.rows)
        waiting = f" {len(page.unsent)} of them are this workstation's, not yet sent." if page.unsent else ""
        more = " Press Next page for more." if page.has_more else ""
        self.summary.setText((page.note + " " if page.note else "")
                             + f"{len(self.rows)} event{'s' if len(self.rows) != 1 else ''} shown.{waiting}{more}")
        self._enable(True)
        self.did_show.emit()

    def _offer_workstations(self, rows: list[TrailRow]) -> None:
        """Each workstation the trail shows becomes a choice of the workstation filter."""
        known = {self.workstation.itemData(i) for i in range(self.workstation.count())}
        for row in rows:
            key = str(row.workstation_id) if row.workstation_id else None
            if key and key not in known and row.workstation_id != self._session.actor.device_id:
                known.add(key)
                self.workstation.addItem(workstation_words(row.workstation_id).capitalize(), key)

    def check_chain(self) -> None:
        link = self._session.server_link()
        if link is None:
            self.chain.setText("The chain is checked by the server; connect to check it.")
            return
        actor = self._session.actor
        QueryOp(self, body=lambda store: compliance.view_chain_status(store, actor=actor, link=link),
                success=lambda status: self.chain.setText(status.words()),
                failure=lambda exc: self.chain.setText(describe_error(exc))).run()

    def _pick(self, kind: str) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, "Export the audit trail", f"audit-trail.{kind}",
                                                    f"{kind.upper()} (*.{kind})")
        if path:
            self.export(Path(path), kind)

    def export(self, path: Path, kind: str) -> None:
        if self.chosen is None:
            return
        chosen, actor, link, location = self.chosen, self._session.actor, self._session.server_link(), \
            self._session.location

        def body(store: Store) -> Path:
            if kind == "csv":
                return compliance.export_audit_csv(store, actor=actor, link=link, chosen=chosen, path=path)
            return compliance.export_audit_pdf(store, actor=actor, link=link, chosen=chosen, path=path,
                                               location=location)
        QueryOp(self, body=body, success=self._exported,
                failure=lambda exc: self.summary.setText(f"Not exported. {describe_error(exc)}")).run()

    def _exported(self, path: Path) -> None:
        self.summary.setText(f"Exported to {path.name}; the export is recorded in the audit trail.")
        self.did_export.emit(path)
