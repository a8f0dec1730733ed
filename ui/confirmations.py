"""Tomorrow's confirmation calls: who to call, how each client agreed to be reached, one click per "yes".

The list is the core's (``medspa_desk.desk.confirmations``): visits still
booked and not confirmed, in time order. "Confirmed by phone" confirms the
chosen visit through its use case, recording who and when; the row leaves the
list. "Print…" renders the list (initials only while privacy mode is on) in
the viewer, where printing or saving a copy is audited. Works offline; the
confirmations sync after.
"""

from __future__ import annotations

from datetime import date, timedelta

from medspa_desk.desk.confirmations import CallEntry, confirm_by_phone, confirmation_list
from medspa_desk.desk.context import SignedIn
from medspa_desk.documents.call_list import call_list_pdf
from medspa_desk.records import Location, utc_now
from medspa_desk.scheduling import format_time
from medspa_desk.store import Store
from ui.events import bus
from ui.forms.pdf_view import Document, PdfViewer
from ui.lists import row_table
from ui.operations import CollectionOp, QueryOp, describe_error
from ui.qt import (
    QDate,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    Qt,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.schedule.forms import US_DATE_FORMAT


class ConfirmationCalls(QDialog):
    """The day's visits to confirm (tomorrow unless told), with a one-click "Confirmed by phone"."""

    did_load = Signal()
    HEADERS = ("Time", "Client", "Reach by", "Visit")

    def __init__(self, session: SignedIn, *, parent: QWidget | None = None, day: date | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.entries: tuple[CallEntry, ...] | None = None
        self.setWindowTitle("Confirmation calls")
        self.setAccessibleName("Confirmation calls")
        zone = session.location.zone
        day = day or (utc_now().astimezone(zone).date() + timedelta(days=1))
        self.day_picker = QDateEdit(QDate(day.year, day.month, day.day), self)
        self.day_picker.setDisplayFormat(US_DATE_FORMAT)
        self.day_picker.setCalendarPopup(True)
        self.day_picker.setAccessibleName("Day to confirm")
        self.day_picker.dateChanged.connect(lambda _d: self.reload())
        self.summary = QLabel("Loading…", self)
        self.summary.setWordWrap(True)
        self.table = row_table(self, self.HEADERS, "Visits to confirm")
        self.table.horizontalHeader().setStretchLastSection(True)
        # Wide enough for a time, a name, two ways and a number, and "Botox · Dr. Maya Patel" on one line.
        self.table.setMinimumWidth(self.fontMetrics().averageCharWidth() * 104)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.confirm_button = QPushButton("Confirmed by &phone", self)
        self.confirm_button.setToolTip("The client said yes on the phone: mark the visit confirmed "
                                       "(your name and the time are recorded)")
        self.confirm_button.setEnabled(False)
        self.confirm_button.clicked.connect(self.confirm_chosen)
        self.print_button = QPushButton("P&rint…", self)
        self.print_button.setToolTip("Print the list (initials only while privacy mode is on)")
        self.print_button.clicked.connect(self.print_list)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.message.hide()
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(QLabel("Visits on", self))
        top.addWidget(self.day_picker)
        top.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.confirm_button)
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        bus.operation_did_execute.connect(self._on_changes)
        bus.changes_did_arrive.connect(self._on_changes)
        self.reload()

    def _on_changes(self, _changes: object, _initiator: object = None) -> None:
        self.reload()  # a confirmation here or on another desk, a booking moved: the list is short

    @property
    def day(self) -> date:
        picked = self.day_picker.date()
        return date(picked.year(), picked.month(), picked.day())

    @property
    def location(self) -> Location:
        return self._session.location

    def reload(self) -> None:
        actor, location, day = self._session.actor, self.location, self.day
        QueryOp(self, body=lambda store: confirmation_list(store, actor=actor, location=location, day=day),
                success=self._show, failure=lambda exc: self.summary.setText(describe_error(exc))).run()

    def _show(self, entries: tuple[CallEntry, ...]) -> None:
        self.entries = entries
        zone = self.location.zone
        self.summary.setText(f"{len(entries)} visit{'s' if len(entries) != 1 else ''} on {self.day:%A, %B %-d} "
                             "not yet confirmed." if entries else f"Every visit on {self.day:%A, %B %-d} is "
                             "confirmed.")
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            ways = ", ".join(entry.reach_by) or "no way on file"
            cells = (format_time(entry.starts_at, zone), entry.client_name,
                     f"{ways}\n{entry.phone}".strip(), f"{entry.service_name} · {entry.provider_name}")
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, entry.visit_id)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()
        self._selection_changed()
        self.did_load.emit()

    def _selection_changed(self) -> None:
        self.confirm_button.setEnabled(self.table.currentRow() >= 0 and bool(self.table.selectedItems()))

    def confirm_chosen(self) -> None:
        items = self.table.selectedItems()
        if not items:
            return
        visit_id, actor = items[0].data(Qt.ItemDataRole.UserRole), self._session.actor
        self.confirm_button.setEnabled(False)
        CollectionOp(self, body=lambda store: confirm_by_phone(store, actor=actor, visit_id=visit_id),
                     success=lambda _changes: self.message.hide(),
                     failure=self._refused).run()

    def _refused(self, exc: BaseException) -> None:
        self.message.setText(f"Not confirmed. {describe_error(exc)}")
        self.message.show()
        self._selection_changed()

    def print_list(self) -> None:
        """The list in the viewer, where printing or saving a copy is audited."""
        actor, location, day, privacy = self._session.actor, self.location, self.day, bus.privacy_mode

        def render(store: Store) -> Document:
            entries = confirmation_list(store, actor=actor, location=location, day=day)
            kind = "initials" if privacy else "names"
            return Document(pdf=call_list_pdf(entries, location=location, day=day, initials_only=privacy),
                            title=f"Confirmation calls, {day:%A, %B %-d, %Y}", entity=Location.entity,
                            entity_id=location.id, detail=f"confirmation_calls {day.isoformat()} {kind}",
                            file_name=f"confirmation-calls-{day.isoformat()}.pdf")

        def show(document: Document) -> None:
            self.viewer = PdfViewer(self._session, document=document, parent=self)
            self.viewer.open()

        QueryOp(self, body=render, success=show, failure=self._refused).run()


__all__ = ["ConfirmationCalls"]
