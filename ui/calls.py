"""Calls taken at the desk: "Log a call" and the "Calls to return" list (Desk menu).

A call is logged against a client (from their profile) or a new caller (from
the list): name, callback number, why they called, what was promised, and
when to call back. The list shows every call not yet followed up, the first
due first, overdue ones marked; "Followed up" records who, when and what came
of it, and the call leaves the list on every desk once synced. All through the
core's use cases (``medspa_desk.desk.comms``); works offline.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from uuid import UUID

from medspa_desk.desk.comms import calls_to_return, log_call, mark_followed_up
from medspa_desk.desk.context import SignedIn
from medspa_desk.records import CallNote, utc_now
from medspa_desk.scheduling import format_time, local_datetime
from ui.events import bus
from ui.lists import row_table
from ui.locale_time import time_field_format
from ui.operations import CollectionOp, QueryOp, describe_error
from ui.qt import (
    QCheckBox,
    QDate,
    QDateTime,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    Qt,
    QTableWidgetItem,
    QTime,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.schedule.forms import US_DATE_FORMAT, FormDialog
from ui.search import format_birth_date


class LogCallDialog(FormDialog):
    """Who called, their number, why, what was promised, when to call back."""

    did_log = Signal()

    def __init__(self, session: SignedIn, *, parent: QWidget | None = None, client_id: UUID | None = None,
                 caller_name: str = "", callback_number: str = "") -> None:
        super().__init__(parent)
        self._session = session
        self.client_id = client_id
        self.setWindowTitle("Log a call")
        self.setAccessibleName("Log a call")
        self.caller = QLineEdit(caller_name, self)
        self.caller.setAccessibleName("Caller")
        self.caller.setMaxLength(200)
        self.number = QLineEdit(callback_number, self)
        self.number.setAccessibleName("Callback number")
        self.number.setMaxLength(40)
        self.number.setPlaceholderText("e.g. 555-010-2000")
        self.reason = QPlainTextEdit(self)
        self.reason.setAccessibleName("Reason for the call")
        self.reason.setPlaceholderText("Why they called")
        self.promised = QPlainTextEdit(self)
        self.promised.setAccessibleName("What was promised")
        self.promised.setPlaceholderText("e.g. “the nurse calls back before 5 PM”")
        for box in (self.reason, self.promised):
            box.setTabChangesFocus(True)
            box.setFixedHeight(box.fontMetrics().lineSpacing() * 4)
        self.call_back = QCheckBox("Call back by", self)
        self.call_back.setAccessibleName("Call back by")
        now = utc_now().astimezone(session.zone) + timedelta(hours=2)
        self.due = QDateTimeEdit(QDateTime(QDate(now.year, now.month, now.day), QTime(now.hour, 0)), self)
        self.due.setDisplayFormat(f"{US_DATE_FORMAT} {time_field_format()}")
        self.due.setCalendarPopup(True)
        self.due.setAccessibleName("Call back time")
        self.due.setEnabled(False)
        self.call_back.toggled.connect(self.due.setEnabled)
        form = QFormLayout()
        form.addRow("Caller", self.caller)
        form.addRow("Callback number", self.number)
        form.addRow("Reason", self.reason)
        form.addRow("Promised", self.promised)
        due_row = QHBoxLayout()
        due_row.addWidget(self.call_back)
        due_row.addWidget(self.due, 1)
        form.addRow("", due_row)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.save_button = self.buttons.addButton("Save the call", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if client_id is None:
            layout.addWidget(QLabel("A new caller, not on file. To log a client's call, open their profile "
                                    "and press “Log a call…”.", self))
        layout.addLayout(form)
        layout.addWidget(self.problem_label())
        layout.addWidget(self.buttons)

    def due_at(self) -> datetime | None:
        if not self.call_back.isChecked():
            return None
        picked = self.due.dateTime()
        day, clock = picked.date(), picked.time()
        return local_datetime(date(day.year(), day.month(), day.day()), time(clock.hour(), clock.minute()),
                              self._session.zone)

    def save(self) -> None:
        self._clear_problem()
        actor, client_id, due = self._session.actor, self.client_id, self.due_at()
        caller, number = self.caller.text().strip(), self.number.text().strip()
        reason, promised = self.reason.toPlainText().strip(), self.promised.toPlainText().strip()
        CollectionOp(self, body=lambda store: log_call(
            store, actor=actor, client_id=client_id, caller_name=caller, callback_number=number, reason=reason,
            promised=promised, follow_up_due=due),
            success=lambda _changes: self._logged(),
            failure=lambda exc: self._problem(f"Not saved. {describe_error(exc)}")).run()

    def _logged(self) -> None:
        self.did_log.emit()
        self.accept()


class CallsToReturn(QDialog):
    """Every call not yet followed up, the first due first; "Followed up" takes one off the list."""

    did_load = Signal()
    HEADERS = ("Call back by", "Caller", "Number", "About the call", "Taken")

    def __init__(self, session: SignedIn, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.calls: tuple[CallNote, ...] | None = None
        self.setWindowTitle("Calls to return")
        self.setAccessibleName("Calls to return")
        self.summary = QLabel("Loading…", self)
        self.summary.setWordWrap(True)
        self.table = row_table(self, self.HEADERS, "Calls to return")
        header = self.table.horizontalHeader()
        for column in range(len(self.HEADERS)):  # the call's text takes the width and wraps; the rest fit
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch if column == 3
                                        else QHeaderView.ResizeMode.ResizeToContents)
        self.table.setWordWrap(True)
        self.table.setMinimumWidth(self.fontMetrics().averageCharWidth() * 120)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.outcome = QLineEdit(self)
        self.outcome.setAccessibleName("What came of it")
        self.outcome.setPlaceholderText("What came of the call back (optional)")
        self.outcome.setMaxLength(2000)
        self.done_button = QPushButton("&Followed up", self)
        self.done_button.setToolTip("You called back: the call leaves the list (your name and the time are "
                                    "recorded)")
        self.done_button.setEnabled(False)
        self.done_button.clicked.connect(self.follow_up_chosen)
        self.log_button = QPushButton("&Log a call…", self)
        self.log_button.setToolTip("Note a call from a new caller; a client's call is logged from their profile")
        self.log_button.clicked.connect(self.log_new_caller)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.message.hide()
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        follow = QHBoxLayout()
        follow.addWidget(self.outcome, 1)
        follow.addWidget(self.done_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.log_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(follow)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        bus.operation_did_execute.connect(self._on_changes)
        bus.changes_did_arrive.connect(self._on_changes)
        self.reload()

    def _on_changes(self, _changes: object, _initiator: object = None) -> None:
        self.reload()  # a call logged or followed up here or on another desk: the list is short

    def reload(self) -> None:
        actor = self._session.actor
        QueryOp(self, body=lambda store: calls_to_return(store, actor=actor), success=self._show,
                failure=lambda exc: self.summary.setText(describe_error(exc))).run()

    def _show(self, calls: tuple[CallNote, ...]) -> None:
        self.calls = calls
        zone, now = self._session.zone, utc_now()
        overdue = sum(1 for c in calls if c.follow_up_due is not None and c.follow_up_due < now)
        self.summary.setText((f"{len(calls)} call{'s' if len(calls) != 1 else ''} to return"
                              + (f", {overdue} overdue." if overdue else ".")) if calls else
                             "No calls to return.")
        self.table.setRowCount(len(calls))
        for row, call in enumerate(calls):
            due = call.follow_up_due
            when = (f"{format_birth_date(due.astimezone(zone).date())}\n{format_time(due, zone)}"
                    + (" (overdue)" if due < now else "")) if due else "—"
            taken = (f"{format_birth_date(call.taken_at.astimezone(zone).date())} "
                     f"{format_time(call.taken_at, zone)}\n{call.taken_by_name}")
            about = call.reason + (f"\nPromised: {call.promised}" if call.promised else "")
            cells = (when, call.caller_name + ("\n(new caller)" if call.client_id is None else ""),
                     call.callback_number or "—", about, taken)
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, str(call.id))
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        self._selection_changed()
        self.did_load.emit()

    def _selection_changed(self) -> None:
        self.done_button.setEnabled(bool(self.table.selectedItems()))

    def follow_up_chosen(self) -> None:
        items = self.table.selectedItems()
        if not items:
            return
        call_id, actor = UUID(items[0].data(Qt.ItemDataRole.UserRole)), self._session.actor
        note = self.outcome.text().strip()
        self.done_button.setEnabled(False)
        CollectionOp(self, body=lambda store: mark_followed_up(store, actor=actor, call_id=call_id, note=note),
                     success=lambda _changes: self._done(), failure=self._refused).run()

    def _done(self) -> None:
        self.outcome.clear()
        self.message.hide()

    def _refused(self, exc: BaseException) -> None:
        self.message.setText(f"Not marked. {describe_error(exc)}")
        self.message.show()
        self._selection_changed()

    def log_new_caller(self) -> None:
        self.log_dialog = LogCallDialog(self._session, parent=self)
        self.log_dialog.open()


__all__ = ["CallsToReturn", "LogCallDialog"]
