"""The waitlist at the desk: who is waiting for a time just freed, booked in one step.

After a cancellation or a move on the schedule, ``offer_freed_time`` asks the
core (``desk.waitlist.waiting_for_freed``) who is waiting for the freed time;
when anyone is, a dialog names them (initials in privacy mode), the service and
the time, and “Book” books the one picked and takes them off the waitlist in
one step (``book_from_waitlist``). Works offline: it reads and writes this
desk's store; the booking syncs later.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from medspa_desk.desk.context import SignedIn
from medspa_desk.desk.waitlist import (
    Offer,
    add_to_waitlist,
    book_from_waitlist,
    remove_from_waitlist,
    waiting_for_freed,
)
from medspa_desk.records import MAX_WAITLIST_DAYS, Appointment, WaitlistEntry, utc_now
from medspa_desk.scheduling import format_span
from medspa_desk.store import Store
from medspa_desk.time_words import time_span
from ui.events import bus
from ui.lists import wrapping_list
from ui.locale_time import time_field_format
from ui.operations import CollectionOp, QueryOp, describe_error
from ui.qt import (
    QComboBox,
    QDate,
    QDateEdit,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidgetItem,
    QPushButton,
    Qt,
    QTime,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.schedule.forms import US_DATE_FORMAT, FormDialog, add_choice, chosen_id


def wish_words(entry: WaitlistEntry) -> str:
    """When a client can come: "Dec 10–Dec 21, 9:00 AM–5:00 PM"; one day as "Dec 10"; the whole day
    (the form's default) as "any time"."""
    first, last = entry.first_day, entry.last_day
    days = f"{first:%b} {first.day}" + ("" if first == last else f"–{last:%b} {last.day}")
    whole_day = entry.earliest == time(0) and entry.latest >= time(23, 59)
    return f"{days}, {'any time' if whole_day else time_span(entry.earliest, entry.latest)}"


def offer_words(offer: Offer, *, zone: ZoneInfo, privacy: bool) -> str:
    """"Ines Morales — Botox, Tue Jun 16 11:00–11:30 AM with Dana Reyes" (initials in privacy mode)."""
    who = (offer.client.initials if offer.client else "?") if privacy else offer.client_name
    slot = offer.choice.slot
    local = slot.starts_at.astimezone(zone)
    words = (f"{who} — {offer.service_name}, {local:%a %b} {local.day} {format_span(slot.starts_at, slot.ends_at, zone)} "
             f"with {offer.choice.provider.display_name}")
    return f"{words}. Note: {offer.entry.note}" if offer.entry.note and not privacy else words


class WaitlistOfferDialog(FormDialog):
    """The clients waiting for the freed time; “Book” books the one picked."""

    did_book = Signal(object)  # the Offer booked

    def __init__(self, session: SignedIn, offers: list[Offer], *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._offers = offers
        self.setWindowTitle("Someone is waiting for this time")
        self.setAccessibleName("Waitlist offer")
        count = len(offers)
        self.heading = QLabel(f"{count} client{'s' if count != 1 else ''} on the waitlist want{'s' if count == 1 else ''} "
                              "this time. Call them, then book the one who takes it.", self)
        self.heading.setWordWrap(True)
        self.heading.setAccessibleName("Who is waiting")
        self.offers = wrapping_list(self, "Clients waiting")
        zone = session.location.zone
        for offer in offers:
            item = QListWidgetItem(offer_words(offer, zone=zone, privacy=bus.privacy_mode))
            item.setData(Qt.ItemDataRole.AccessibleTextRole, item.text())
            self.offers.addItem(item)
        self.offers.setCurrentRow(0)
        self.offers.setMinimumHeight(self.fontMetrics().height() * 5)
        self.buttons = QDialogButtonBox(self)
        self.book_button = self.buttons.addButton("Book", QDialogButtonBox.ButtonRole.AcceptRole)
        self.book_button.setAccessibleName("Book from the waitlist")
        not_now = self.buttons.addButton("Not now", QDialogButtonBox.ButtonRole.RejectRole)
        not_now.setDefault(True)
        self.buttons.accepted.connect(self.book)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.offers, 1)
        layout.addWidget(self.problem_label())
        layout.addWidget(self.buttons)

    def book(self) -> None:
        row = self.offers.currentRow()
        if not 0 <= row < len(self._offers):
            self._problem("Pick the client who takes the time.")
            return
        offer = self._offers[row]
        actor, slot = self._session.actor, offer.choice.slot
        self.book_button.setEnabled(False)

        def failed(exc: BaseException) -> None:
            self.book_button.setEnabled(True)
            self._problem(f"Not booked. {describe_error(exc)}")

        # The time was found free on the practice's hours a moment ago: booked as offered.
        CollectionOp(self, body=lambda store: book_from_waitlist(
            store, actor=actor, entry_id=offer.entry.id, starts_at=slot.starts_at, provider_id=offer.choice.provider.id,
            room_id=slot.room_id, confirmed=True),
            success=lambda _changes: self._booked(offer), failure=failed).run()

    def _booked(self, offer: Offer) -> None:
        self.did_book.emit(offer)
        self.accept()


def offer_freed_time(parent: QWidget, session: SignedIn, freed: Appointment | None,
                     shown: Any = None) -> None:
    """After a cancellation or a move: if anyone waits for the time ``freed`` held, ask whether to book them.

    ``shown`` is given the dialog when one opens (tests and the screen list hold on to it).
    """
    if freed is None:
        return
    actor = session.actor

    def found(offers: list[Offer]) -> None:
        if not offers:
            return
        dialog = WaitlistOfferDialog(session, offers, parent=parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        parent.waitlist_offer = dialog  # type: ignore[attr-defined]
        if shown is not None:
            shown(dialog)
        dialog.open()

    QueryOp(parent, body=lambda store: waiting_for_freed(store, actor=actor, freed=freed), success=found,
            failure=lambda _exc: None).run()




class WaitlistDialog(FormDialog):
    """The clients waiting at this location, and a form to add one (client, service, provider, days, times)."""

    did_change = Signal()

    def __init__(self, session: SignedIn, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._entries: list[WaitlistEntry] = []
        self._names: dict[Any, str] = {}
        self._client_id: Any = None
        self.setWindowTitle("Waitlist")
        self.setAccessibleName("Waitlist")
        self.waiting = wrapping_list(self, "Clients waiting")
        self.waiting.setMinimumHeight(self.fontMetrics().height() * 5)
        self.reason = QLineEdit(self)
        self.reason.setAccessibleName("Why they come off the waitlist")
        self.reason.setPlaceholderText("Why they come off the list, e.g. “booked elsewhere”")
        self.reason.setMaxLength(200)
        self.remove_button = QPushButton("Take off the waitlist", self)
        remove_row = QHBoxLayout()
        remove_row.addWidget(self.reason, 1)
        remove_row.addWidget(self.remove_button)
        self.find = QLineEdit(self)
        self.find.setAccessibleName("Find client")
        self.find.setPlaceholderText("Client: name, phone or date of birth")
        self.hits = wrapping_list(self, "Matching clients")
        self.hits.setFixedHeight(max(self.fontMetrics().height() * 4, self.hits.minimumSizeHint().height()))
        self.service = QComboBox(self)
        self.service.setAccessibleName("Service")
        self.provider = QComboBox(self)
        self.provider.setAccessibleName("Provider")
        today = utc_now().astimezone(session.location.zone).date()
        self.first_day = self._date_field("From day", today)
        self.last_day = self._date_field("To day", today + timedelta(days=14))
        self.earliest = self._time_field("Not before", QTime(9, 0))
        self.latest = self._time_field("Done by", QTime(17, 0))
        self.note = QLineEdit(self)
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("e.g. “mornings only, call the mobile”")
        self.note.setMaxLength(500)
        days = QHBoxLayout()
        days.addWidget(self.first_day)
        days.addWidget(QLabel("to", self))
        days.addWidget(self.last_day)
        times = QHBoxLayout()
        times.addWidget(self.earliest)
        times.addWidget(QLabel("to", self))
        times.addWidget(self.latest)
        form = QFormLayout()
        form.addRow("Client", self.find)
        form.addRow("", self.hits)
        form.addRow("Service", self.service)
        form.addRow("Provider", self.provider)
        form.addRow("Days", days)
        form.addRow("Times", times)
        form.addRow("Note", self.note)
        self.add_button = QPushButton("Add to the waitlist", self)
        self.add_button.setAccessibleName("Add to the waitlist")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)
        # Who waits beside the form to add one: the dialog stays short enough for a laptop at 150 %.
        waiting = QVBoxLayout()
        waiting.addWidget(QLabel("Waiting now (oldest first):", self))
        waiting.addWidget(self.waiting, 1)
        waiting.addLayout(remove_row)
        adding = QVBoxLayout()
        adding.addWidget(QLabel("Add a client:", self))
        adding.addLayout(form)
        adding.addWidget(self.add_button)
        adding.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(waiting, 1)
        columns.addLayout(adding, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(self.problem_label())
        layout.addWidget(self.buttons)
        self.find.textEdited.connect(self._search)
        self.hits.itemClicked.connect(self._choose)
        self.add_button.clicked.connect(self.add)
        self.remove_button.clicked.connect(self.remove)
        QueryOp(self, body=lambda store: (store.services(), store.providers()), success=self._fill,
                failure=lambda exc: self._problem(describe_error(exc))).run()
        self.refresh()

    def _date_field(self, name: str, day: date) -> QDateEdit:
        field = QDateEdit(QDate(day.year, day.month, day.day), self)
        field.setDisplayFormat(US_DATE_FORMAT)
        field.setCalendarPopup(True)
        field.setAccessibleName(name)
        return field

    def _time_field(self, name: str, at: QTime) -> QTimeEdit:
        field = QTimeEdit(at, self)
        field.setDisplayFormat(time_field_format())
        field.setAccessibleName(name)
        return field

    def _fill(self, found: tuple[list[Any], list[Any]]) -> None:
        services, providers = found
        for service in services:
            if service.active:
                add_choice(self.service, service.name, service.id)
        add_choice(self.provider, "Any provider", None)
        for provider in providers:
            if provider.active:
                add_choice(self.provider, provider.display_name, provider.id)
        self._names = {**{s.id: s.name for s in services}, **{p.id: p.display_name for p in providers}}

    def refresh(self) -> None:
        location_id = self._session.location.id

        def body(store: Store) -> tuple[list[WaitlistEntry], dict[Any, Any]]:
            entries = store.waiting(location_id)
            return entries, store.client_labels([e.client_id for e in entries])

        QueryOp(self, body=body, success=self._show, failure=lambda exc: self._problem(describe_error(exc))).run()

    def _show(self, found: tuple[list[WaitlistEntry], dict[Any, Any]]) -> None:
        self._entries, labels = found
        self.waiting.clear()
        for entry in self._entries:
            label = labels.get(entry.client_id)
            who = (label.initials if bus.privacy_mode else label.shown_name) if label else "A client not yet on this desk"
            text = (f"{who} — {self._names.get(entry.service_id, 'a service')} with "
                    f"{self._names.get(entry.provider_id, 'any provider')}, {wish_words(entry)}")
            item = QListWidgetItem(f"{text}. {entry.note}" if entry.note and not bus.privacy_mode else text)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, item.text())
            self.waiting.addItem(item)
        self.remove_button.setEnabled(bool(self._entries))

    def _search(self, text: str) -> None:
        self._client_id = None
        if len(text.strip()) < 2:
            self.hits.clear()
            return
        QueryOp(self, body=lambda store: store.search_clients(text.strip(), limit=8), success=self._show_hits,
                failure=lambda exc: self._problem(describe_error(exc))).run()

    def _show_hits(self, hits: list[Any]) -> None:
        self.hits.clear()
        for hit in hits:
            item = QListWidgetItem(f"{hit.display_name}, born {hit.birth_date:%b} {hit.birth_date.day}, "
                                   f"{hit.birth_date.year}")
            item.setData(Qt.ItemDataRole.UserRole, str(hit.id))
            self.hits.addItem(item)

    def _choose(self, item: QListWidgetItem) -> None:
        self._client_id = UUID(item.data(Qt.ItemDataRole.UserRole))
        self.find.setText(item.text().split(",")[0])
        self.hits.clear()

    def entry(self) -> WaitlistEntry:
        """The entry as filled in; raises ValueError with what to fix."""
        if self._client_id is None:
            raise ValueError("Find the client and pick them from the list first.")
        service_id = chosen_id(self.service)
        if service_id is None:
            raise ValueError("Choose the service the client wants.")
        first, last = (self._day(edit) for edit in (self.first_day, self.last_day))
        start, end = (time(edit.time().hour(), edit.time().minute()) for edit in (self.earliest, self.latest))
        if last < first:
            raise ValueError("“To day” must be on or after “From day”.")
        if end <= start:
            raise ValueError("“Done by” must be after “Not before”.")
        if (last - first).days > MAX_WAITLIST_DAYS:
            raise ValueError(f"Keep the days within {MAX_WAITLIST_DAYS} days; add the client again later.")
        return WaitlistEntry(client_id=self._client_id, location_id=self._session.location.id, service_id=service_id,
                             provider_id=chosen_id(self.provider), first_day=first, last_day=last, earliest=start,
                             latest=end, note=self.note.text().strip(), created_by=self._session.actor.user_id)

    @staticmethod
    def _day(edit: QDateEdit) -> date:
        picked = edit.date()
        return date(picked.year(), picked.month(), picked.day())

    def add(self) -> None:
        try:
            entry = self.entry()
        except ValueError as exc:
            self._problem(str(exc))
            return
        self._clear_problem()
        actor = self._session.actor
        CollectionOp(self, body=lambda store: add_to_waitlist(store, actor=actor, entry=entry),
                     success=lambda _changes: self._changed(),
                     failure=lambda exc: self._problem(f"Not added. {describe_error(exc)}")).run()

    def remove(self) -> None:
        row = self.waiting.currentRow()
        if not 0 <= row < len(self._entries):
            self._problem("Pick the client to take off the waitlist.")
            return
        entry_id, reason, actor = self._entries[row].id, self.reason.text(), self._session.actor
        CollectionOp(self, body=lambda store: remove_from_waitlist(store, actor=actor, entry_id=entry_id,
                                                                   reason=reason),
                     success=lambda _changes: self._changed(),
                     failure=lambda exc: self._problem(f"Not taken off. {describe_error(exc)}")).run()

    def _changed(self) -> None:
        self._clear_problem()
        self.reason.clear()
        self.note.clear()
        self.find.clear()
        self._client_id = None
        self.did_change.emit()
        self.refresh()


__all__ = ["WaitlistDialog", "WaitlistOfferDialog", "offer_freed_time", "offer_words"]
