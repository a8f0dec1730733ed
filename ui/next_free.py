"""“Find next free…”: the first free times for a service with any provider who can do it.

The person picks a service (and, if they like, a day to look from); the dialog
lists the first five times in the next 14 days (``desk.free_time.find_next_free``),
each with its provider and room. Picking one opens the booking dialog with the
service, time, provider and room filled in. Works offline: it reads this desk's store.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from medspa_desk.desk.context import SignedIn
from medspa_desk.desk.free_time import CHOICES, DAYS_AHEAD, find_next_free
from medspa_desk.records import Service, utc_now
from medspa_desk.scheduling import Choice, format_span, local_datetime
from ui.booking import BookingDialog
from ui.lists import wrapping_list
from ui.operations import QueryOp, describe_error
from ui.qt import (
    QComboBox,
    QDate,
    QDateEdit,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QListWidgetItem,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.schedule.forms import US_DATE_FORMAT, FormDialog, add_choice, chosen_id


def choice_words(choice: Choice, *, zone: ZoneInfo, room_names: dict[Any, str]) -> str:
    """"Mon Jan 5  10:00–10:30 AM  Dana Reyes, Room 1" in the practice's time zone."""
    local = choice.slot.starts_at.astimezone(zone)
    words = f"{local:%a %b} {local.day}  {format_span(choice.slot.starts_at, choice.slot.ends_at, zone)}  " \
            f"{choice.provider.display_name}"
    room = room_names.get(choice.slot.room_id)
    return f"{words}, {room}" if room else words


class NextFreeDialog(FormDialog):
    """Service, a day to look from, the first free times; “Book this time” opens the booking dialog."""

    picked = Signal(object)  # the Choice the person booked from

    def __init__(self, session: SignedIn, *, parent: QWidget | None = None, day: date | None = None,
                 open_booking: Any = None) -> None:
        super().__init__(parent)
        self._session = session
        self._zone = session.location.zone
        self._choices: list[Choice] = []
        self._room_names: dict[Any, str] = {}
        self._open_booking = open_booking or self._book_in_dialog
        self.setWindowTitle("Find next free time")
        self.setAccessibleName("Find next free time")
        self.service = QComboBox(self)
        self.service.setAccessibleName("Service")
        self.service.setMinimumContentsLength(24)
        self.service.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        today = utc_now().astimezone(self._zone).date()
        start = max(day or today, today)
        self.day = QDateEdit(QDate(start.year, start.month, start.day), self)
        self.day.setDisplayFormat(US_DATE_FORMAT)
        self.day.setCalendarPopup(True)
        self.day.setAccessibleName("Look from")
        self.find_button = QPushButton("Find free times", self)
        self.find_button.setAccessibleName("Find free times")
        form = QFormLayout()
        form.addRow("Service", self.service)
        form.addRow("Look from", self.day)
        self.summary = QLabel(f"The first {CHOICES} free times with any provider who does the service, "
                              f"in the next {DAYS_AHEAD} days.", self)
        self.summary.setAccessibleName("What was found")
        self.summary.setWordWrap(True)
        # A long provider's name on a long date wraps rather than running off the list's right edge.
        self.results = wrapping_list(self, "Free times")
        self.results.setMinimumHeight(self.fontMetrics().height() * 6)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.book_button = self.buttons.addButton("Book this time", QDialogButtonBox.ButtonRole.AcceptRole)
        self.book_button.setAccessibleName("Book this time")
        self.book_button.setEnabled(False)
        self.buttons.accepted.connect(self.book_chosen)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.find_button)
        layout.addWidget(self.summary)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.problem_label())
        layout.addWidget(self.buttons)
        self.find_button.clicked.connect(self.find)
        self.results.itemSelectionChanged.connect(
            lambda: self.book_button.setEnabled(self.results.currentRow() >= 0 and bool(self._choices)))
        self.results.itemActivated.connect(lambda _item: self.book_chosen())
        location_id = session.location.id
        QueryOp(self, body=lambda store: (store.services(), store.rooms(location_id)), success=self._fill,
                failure=lambda exc: self._problem(f"The services could not be loaded. {describe_error(exc)}")).run()

    def _fill(self, found: tuple[list[Service], list[Any]]) -> None:
        services, rooms = found
        self._room_names = {r.id: r.name for r in rooms}
        for service in services:
            if service.active:
                add_choice(self.service, service.name, service.id)
        if self.service.count() == 0:
            self._problem("No services are set up yet. Ask a manager to add them, then try again.")
            self.find_button.setEnabled(False)

    def search_from(self) -> datetime:
        """Now, or the start of the day picked if that is later (the practice's time zone)."""
        picked = self.day.date()
        start = local_datetime(date(picked.year(), picked.month(), picked.day()), datetime.min.time(), self._zone)
        return max(start, utc_now())

    def find(self) -> None:
        service_id = chosen_id(self.service)
        if service_id is None:
            self._problem("Choose a service first.")
            return
        self._clear_problem()
        self.find_button.setEnabled(False)
        self.results.clear()
        self._choices = []
        self.book_button.setEnabled(False)
        actor, location, after = self._session.actor, self._session.location, self.search_from()

        def failed(exc: BaseException) -> None:
            self.find_button.setEnabled(True)
            self._problem(describe_error(exc))

        QueryOp(self, body=lambda store: find_next_free(store, actor=actor, location=location,
                                                        service_id=service_id, after=after),
                success=self._show, failure=failed).run()

    def _show(self, choices: list[Choice]) -> None:
        self.find_button.setEnabled(True)
        self._choices = choices
        if not choices:
            self.summary.setText(f"No free time for {self.service.currentText()} in the next {DAYS_AHEAD} days. "
                                 "Try a later day, another service, or add the client to the waitlist.")
            return
        self.summary.setText(f"The first {len(choices)} free times for {self.service.currentText()}. "
                             "Pick one and press “Book this time”.")
        for choice in choices:
            item = QListWidgetItem(choice_words(choice, zone=self._zone, room_names=self._room_names))
            item.setData(Qt.ItemDataRole.AccessibleTextRole, item.text())
            self.results.addItem(item)
        self.results.setCurrentRow(0)
        self.results.setFocus()

    def book_chosen(self) -> None:
        row = self.results.currentRow()
        if not 0 <= row < len(self._choices):
            self._problem("Find free times, then pick one.")
            return
        choice = self._choices[row]
        self.picked.emit(choice)
        self.accept()
        self._open_booking(choice, chosen_id(self.service))

    def _book_in_dialog(self, choice: Choice, service_id: Any) -> None:
        self.booking = BookingDialog(self._session, self.parentWidget(), starts_at=choice.slot.starts_at,
                                     provider_id=choice.provider.id, room_id=choice.slot.room_id,
                                     service_id=service_id)
        self.booking.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.booking.open()


__all__ = ["NextFreeDialog", "choice_words"]
