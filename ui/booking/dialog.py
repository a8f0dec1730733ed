"""The booking dialog: find or add the client, pick the service, see conflicts and blocked time as you choose;
or move a booked visit (``moving``) to any day, time, provider and room through ``reschedule_visit``.

Every read (client search, the day's other appointments, the next free slot)
runs through ``QueryOp``; Save is one ``CollectionOp`` around the core's
``book_visit`` (a new client and the booking in one transaction: both are kept,
or neither). On failure the form keeps everything typed and says what to
change. A doubtful time (in the past, outside hours or the provider's shift)
is explained and booked only when the person presses "Book anyway"; a time the
clocks skip is refused with the gap named.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from html import escape
from uuid import UUID

from pydantic import ValidationError

from medspa_desk.desk.clients import PossibleDuplicate
from medspa_desk.desk.context import SignedIn
from medspa_desk.desk.errors import NeedsConfirmation
from medspa_desk.desk.plausibility import WallTime
from medspa_desk.desk.series import SeriesClashes, book_series, move_series_from
from medspa_desk.desk.visits import book_visit, reschedule_visit
from medspa_desk.records import (
    Appointment,
    Client,
    Location,
    Service,
    utc_now,
)
from medspa_desk.scheduling import (
    Slot,
    format_price,
    format_span,
    local_datetime,
    next_free_slot,
    rooms_for,
)
from medspa_desk.store import Changes, ClientHit, Store
from ui.booking.choices import BookingChoices, load_choices
from ui.booking.new_client import NewClientForm
from ui.booking.repeat import RepeatRow
from ui.booking.slot import DayHeld, load_day, slot_problems
from ui.duplicate_choice import DuplicateClientDialog
from ui.lists import wrapping_list
from ui.locale_time import time_field_format
from ui.operations import CollectionOp, QueryOp, describe_error, validation_message
from ui.qt import (
    QComboBox,
    QDate,
    QDateEdit,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QShortcut,
    QSizePolicy,
    Qt,
    QTime,
    QTimeEdit,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.schedule.forms import (
    OK_STYLE,
    PROBLEM_STYLE,
    US_DATE_FORMAT,
    FormDialog,
    add_choice,
    chosen_id,
    select_id,
)
from ui.schedule.series_scope import SeriesScope
from ui.screen_fit import scrolling_body

SEARCH_DELAY_MS = 120


class BookingDialog(FormDialog):
    """Book one appointment, or (with ``moving``) move one to any day, time, provider and room.

    ``session`` gives ``.location`` and ``.actor``. Moving keeps the client and the service; Save is
    one ``reschedule_visit`` (conflicts, blocked time and doubts checked like a booking).
    """

    booked = Signal(object)  # the Appointment as saved (booked, or moved)

    def __init__(self, session: SignedIn, parent: QWidget | None = None, *, starts_at: datetime | None = None,
                 provider_id: UUID | None = None, room_id: UUID | None = None,
                 client_id: UUID | None = None, client_name: str = "", moving: Appointment | None = None,
                 service_id: UUID | None = None) -> None:
        super().__init__(parent)
        self._moving = moving
        self._verb = "Move" if moving is not None else "Book"
        title = "Move visit" if moving is not None else "New booking"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        if moving is not None:
            starts_at, provider_id, room_id = moving.starts_at, moving.provider_id, moving.room_id
            client_id = moving.client_id
        self._session = session
        self._location: Location = session.location
        self._zone = self._location.zone
        self._choices: BookingChoices | None = None
        self._wanted_provider = provider_id
        self._wanted_room = room_id
        self._wanted_service = service_id  # a time picked in "Find next free…" (ui/next_free.py) is for it
        self._client_id: UUID | None = client_id
        self._day_cache: dict[date, DayHeld] = {}
        self._search_generation = 0
        self._saving = False
        self._doubted: tuple[object, ...] | None = None  # the booking the person was asked to confirm
        self._chosen = False  # the person has picked a service, time, provider or room (ui/booking._chose)
        self._told_new: tuple[str, ...] | None = None  # the new client the person said is not on file
        start = (starts_at or utc_now()).astimezone(self._zone)
        self._build(start)
        if client_id is not None:
            self._show_chosen_client(client_name or "Client chosen")
        if moving is not None:
            self.change_client.hide()  # a moved visit keeps its client and its service
            self.service.setEnabled(False)
            self.notes.setPlainText(moving.notes)
            self.notes.setReadOnly(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._search)
        self._connect()
        location = self._location
        QueryOp(self, body=lambda store: load_choices(store, location=location), success=self._fill_choices,
                failure=lambda exc: self._problem(f"The booking lists could not be loaded. {describe_error(exc)}")
                ).run()

    # --- layout ---------------------------------------------------------------------------

    def _build(self, start: datetime) -> None:
        # The form scrolls when the screen is short (a new client's fields at 150 %); Book stays on screen.
        dialog_layout = QVBoxLayout(self)
        content = QWidget()
        outer = QVBoxLayout(content)
        outer.setContentsMargins(0, 0, 0, 0)
        dialog_layout.addWidget(scrolling_body(content, name="Booking"), 1)
        client_box = QGroupBox("Client")
        client_layout = QVBoxLayout(client_box)
        find_row = QHBoxLayout()
        self.search_field = QLineEdit()
        self.search_field.setAccessibleName("Find client")
        self.search_field.setPlaceholderText("Name, phone or date of birth")
        self.new_client_button = QPushButton("New client…")
        self.new_client_button.setAccessibleName("New client")
        self.new_client_button.setCheckable(True)
        find_row.addWidget(self.search_field, 1)
        find_row.addWidget(self.new_client_button)
        client_layout.addLayout(find_row)
        self.results = wrapping_list(self, "Matching clients")
        self.results.setMaximumHeight(self.fontMetrics().height() * 7)
        self.results.hide()
        client_layout.addWidget(self.results)
        chosen_row = QHBoxLayout()
        self.chosen_client = QLabel()
        self.chosen_client.setAccessibleName("Chosen client")
        self.change_client = QPushButton("Change")
        self.change_client.setAccessibleName("Change client")
        chosen_row.addWidget(self.chosen_client, 1)
        chosen_row.addWidget(self.change_client)
        self.chosen_widget = QWidget()
        self.chosen_widget.setLayout(chosen_row)
        self.chosen_widget.hide()
        client_layout.addWidget(self.chosen_widget)
        self.new_client = NewClientForm()
        self.new_client.hide()
        client_layout.addWidget(self.new_client)
        outer.addWidget(client_box)

        visit = QFormLayout()
        self.service = QComboBox()
        self.service.setAccessibleName("Service")
        self.timing = QLabel()
        self.timing.setAccessibleName("Duration and buffers")
        # One line under the service; spare height goes to the notes, not around this line.
        self.timing.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.date = QDateEdit(QDate(start.year, start.month, start.day))
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat(US_DATE_FORMAT)
        self.date.setAccessibleName("Date")
        self.time = QTimeEdit(QTime(start.hour, start.minute - start.minute % 5))
        self.time.setDisplayFormat(time_field_format())
        self.time.setAccessibleName("Start time")
        self.next_free = QPushButton("Next free slot")
        self.next_free.setAccessibleName("Next free slot")
        self.next_free.setToolTip("Find the first free time for this service and provider (Ctrl+F)")
        when_row = QHBoxLayout()
        when_row.addWidget(self.date)
        when_row.addWidget(self.time)
        when_row.addWidget(self.next_free)
        # A new booking may repeat; a visit of a series may move alone or with the visits after it.
        self.repeat = RepeatRow()
        self.repeat.setVisible(self._moving is None)
        self.series_scope = SeriesScope("Move")
        self.series_scope.setVisible(self._moving is not None and self._moving.series_id is not None)
        self.provider = QComboBox()
        self.provider.setAccessibleName("Provider")
        self.room = QComboBox()
        self.room.setAccessibleName("Room")
        self.conflicts = QLabel()
        self.conflicts.setAccessibleName("Conflicts")
        self.conflicts.setWordWrap(True)
        # Room for two clashes and the hint without the dialog jumping as they come and go.
        self.conflicts.setMinimumHeight(self.fontMetrics().lineSpacing() * 5)
        self.conflicts.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.notes = QPlainTextEdit()
        self.notes.setAccessibleName("Booking notes")
        self.notes.setPlaceholderText("Anything the provider or desk should know")
        self.notes.setMinimumHeight(self.fontMetrics().height() * 3)
        self.notes.setTabChangesFocus(True)
        visit.addRow("Service", self.service)
        visit.addRow("", self.timing)
        visit.addRow("When", when_row)
        visit.addRow("", self.repeat)
        visit.addRow("", self.series_scope)
        visit.addRow("Provider", self.provider)
        visit.addRow("Room", self.room)
        visit.addRow("", self.conflicts)
        visit.addRow("Notes", self.notes)
        outer.addLayout(visit)

        dialog_layout.addWidget(self.problem_label())
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(self._verb, QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setAccessibleName(self._verb)
        self.save_button.setToolTip("Save the booking (Ctrl+S)" if self._moving is None
                                    else "Move the visit here (Ctrl+S)")
        close = buttons.addButton("Close", QDialogButtonBox.ButtonRole.RejectRole)
        close.setAccessibleName("Close without booking" if self._moving is None else "Close without moving")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        dialog_layout.addWidget(buttons)
        self.setTabOrder(self.search_field, self.new_client_button)
        # Wide enough for the clash lines (fonts scale with the setting); the height is the layout's own
        # (the clash lines and notes keep their minimum), so the dialog fits a laptop at 150%.
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 100)

    def _connect(self) -> None:
        self.search_field.textEdited.connect(lambda _t: self._search_timer.start())
        self.search_field.returnPressed.connect(self._choose_first_result)
        self.results.itemActivated.connect(self._choose_result)
        self.results.itemClicked.connect(self._choose_result)
        self.new_client_button.toggled.connect(self._toggle_new_client)
        self.change_client.clicked.connect(self._clear_client)
        self.service.currentIndexChanged.connect(self._service_changed)
        self.provider.currentIndexChanged.connect(self._refresh_conflicts)
        self.room.currentIndexChanged.connect(self._refresh_conflicts)
        self.time.timeChanged.connect(self._refresh_conflicts)
        self.date.dateChanged.connect(self._load_day)
        self.repeat.changed.connect(self._refresh_conflicts)
        self.series_scope.following.toggled.connect(self._refresh_conflicts)  # a doubt is asked afresh
        self.next_free.clicked.connect(self.find_next_free_slot)
        # A clash turns red once the person has chosen something; the slot they opened on is not theirs yet.
        for combo in (self.service, self.provider, self.room):
            combo.activated.connect(self._chose)
        for edit in (self.date, self.time):
            edit.editingFinished.connect(self._chose)
        QShortcut(QKeySequence("Ctrl+S"), self).activated.connect(self.save)
        QShortcut(QKeySequence("Ctrl+F"), self).activated.connect(self.find_next_free_slot)

    # --- reference data -------------------------------------------------------------------

    def _fill_choices(self, choices: BookingChoices) -> None:
        self._choices = choices
        blocker = self.service.blockSignals(True)
        for service in choices.services:
            add_choice(self.service, service.name, service.id)
        self.service.blockSignals(blocker)
        if self._moving is not None:
            select_id(self.service, self._moving.service_id)
        elif self._wanted_room is not None:
            # Booking from a room column: start from a service that room can hold.
            room = next((r for r in choices.rooms if r.id == self._wanted_room), None)
            index = next((i for i, s in enumerate(choices.services)
                          if room is not None and (not s.room_kinds or room.kind in s.room_kinds)), 0)
            self.service.setCurrentIndex(index)
        if self._wanted_service is not None:
            select_id(self.service, self._wanted_service)
        self._service_changed()
        self._load_day()

    def current_service(self) -> Service | None:
        if self._choices is None:
            return None
        service_id = chosen_id(self.service)
        return next((s for s in self._choices.services if s.id == service_id), None)

    def _service_changed(self) -> None:
        service = self.current_service()
        if service is None or self._choices is None:
            return
        parts = [f"{service.duration_min} min"]
        if service.buffer_before_min:
            parts.append(f"{service.buffer_before_min} min set-up")
        if service.buffer_after_min:
            parts.append(f"{service.buffer_after_min} min clean-up")
        price = f" · {format_price(service.price_cents)}" if service.price_cents else ""  # recorded with the visit
        self.timing.setText(" + ".join(parts) + price)
        wanted_provider = chosen_id(self.provider) or self._wanted_provider
        wanted_room = chosen_id(self.room) or self._wanted_room
        for combo in (self.provider, self.room):
            combo.blockSignals(True)
            combo.clear()
        for provider in self._choices.providers:
            if not service.provider_kinds or provider.kind in service.provider_kinds:
                label = f"{provider.display_name}, {provider.credentials}" if provider.credentials \
                    else provider.display_name
                add_choice(self.provider, label, provider.id)
        for room in rooms_for(service, location=self._location, rooms=self._choices.rooms):
            add_choice(self.room, room.name, room.id)
        if not service.room_kinds:
            add_choice(self.room, "No room needed", None)
        for combo, wanted in ((self.provider, wanted_provider), (self.room, wanted_room)):
            if wanted is None or not select_id(combo, wanted):
                combo.setCurrentIndex(0)
            combo.blockSignals(False)
        if self.provider.count() == 0:
            self._problem("No active provider can do this service. Ask a manager to check the provider list.")
        self._refresh_conflicts()

    # --- client -----------------------------------------------------------------------------

    def _search(self) -> None:
        text = self.search_field.text().strip()
        self._search_generation += 1
        generation = self._search_generation
        if len(text) < 2:
            self.results.clear()
            self.results.hide()
            return
        QueryOp(self, body=lambda store: store.search_clients(text, limit=8),
                success=lambda hits: self._show_hits(hits, generation=generation),
                failure=lambda exc: self._problem(describe_error(exc))).run()

    def _show_hits(self, hits: list[ClientHit], *, generation: int) -> None:
        if generation != self._search_generation:
            return  # the receptionist typed more meanwhile
        self.results.clear()
        for hit in hits:
            born = f"{hit.birth_date:%m/%d/%Y}" if hit.birth_date else ""
            item = QListWidgetItem(f"{hit.display_name}   born {born}   {hit.phone}".rstrip())
            item.setData(Qt.ItemDataRole.UserRole, (hit.id, hit.display_name))
            self.results.addItem(item)
        if not hits:
            self.results.addItem(QListWidgetItem("No client found. Use “New client…” to add them."))
        self.results.setVisible(True)

    def _choose_first_result(self) -> None:
        if self.results.count():
            self._choose_result(self.results.item(0))

    def _choose_result(self, item: QListWidgetItem) -> None:
        data = item.data(Qt.ItemDataRole.UserRole)
        if not data:
            return
        self._client_id, name = data
        self._show_chosen_client(name)

    def _show_chosen_client(self, name: str) -> None:
        self.chosen_client.setText(f"<b>{escape(name)}</b>")
        self.chosen_widget.show()
        self.results.hide()
        self.search_field.hide()
        self.new_client_button.hide()
        self.new_client.hide()
        self.service.setFocus()

    def _clear_client(self) -> None:
        self._client_id = None
        self.chosen_widget.hide()
        self.search_field.show()
        self.new_client_button.show()
        self.new_client_button.setChecked(False)
        self.search_field.setFocus()

    def _toggle_new_client(self, on: bool) -> None:
        self.new_client.setVisible(on)
        self.results.hide()
        if on:
            words = self.search_field.text().split()
            if words and not any(ch.isdigit() for ch in self.search_field.text()):
                self.new_client.first_name.setText(words[0].capitalize())
                if len(words) > 1:
                    self.new_client.last_name.setText(" ".join(words[1:]).title())
            self.new_client.first_name.setFocus()

    # --- time, conflicts, next free slot -----------------------------------------------------

    def starts_at(self) -> datetime:
        d, t = self.date.date(), self.time.time()
        return local_datetime(date(d.year(), d.month(), d.day()), time(t.hour(), t.minute()), self._zone)

    def wall_time(self) -> WallTime:
        """The day and time as typed, on the practice's clock (a skipped time is refused, never shifted)."""
        d, t = self.date.date(), self.time.time()
        return WallTime(day=date(d.year(), d.month(), d.day()), at=time(t.hour(), t.minute()))

    def _booking_key(self) -> tuple[object, ...]:
        wall = self.wall_time()
        return (wall.day, wall.at, self.current_service(), chosen_id(self.provider), chosen_id(self.room),
                self.repeat.repeats(), self.series_scope.with_following())

    def prefill(self, *, starts_at: datetime, provider_id: UUID | None = None, room_id: UUID | None = None) -> None:
        """Put the dialog on this time (and provider and room, where given), as a person would pick them.

        The seam for whoever found the slot (next free slot across providers, a waitlist match)."""
        local = starts_at.astimezone(self._zone)
        self.date.setDate(QDate(local.year, local.month, local.day))
        self.time.setTime(QTime(local.hour, local.minute))
        for combo, wanted in ((self.provider, provider_id), (self.room, room_id)):
            if wanted is not None:
                select_id(combo, wanted)
        if provider_id is not None:
            self._wanted_provider = provider_id
        if room_id is not None:
            self._wanted_room = room_id
        self._chose()

    def candidate(self, *, client_id: UUID | None = None) -> Appointment | None:
        service = self.current_service()
        provider_id = chosen_id(self.provider)
        if service is None or provider_id is None:
            return None
        start = self.starts_at()
        if self._moving is not None:
            return self._moving.model_copy(update={
                "provider_id": provider_id, "room_id": chosen_id(self.room), "starts_at": start,
                "ends_at": start + (self._moving.ends_at - self._moving.starts_at)})
        return Appointment(
            location_id=self._location.id, client_id=client_id or self._client_id or self._location.id,
            provider_id=provider_id, room_id=chosen_id(self.room), service_id=service.id,
            starts_at=start, ends_at=start + timedelta(minutes=service.duration_min),
            buffer_before_min=service.buffer_before_min, buffer_after_min=service.buffer_after_min,
            notes=self.notes.toPlainText().strip(), booked_by=self._session.actor.user_id)

    def _load_day(self) -> None:
        day = self.starts_at().astimezone(self._zone).date()
        if day in self._day_cache:
            self._refresh_conflicts()
            return
        location = self._location
        QueryOp(self, body=lambda store: load_day(store, location=location, day=day),
                success=lambda held: self._day_loaded(day, held),
                failure=lambda exc: self._problem(describe_error(exc))).run()

    def _day_loaded(self, day: date, held: DayHeld) -> None:
        self._day_cache[day] = held
        self._refresh_conflicts()

    def current_clashes(self) -> list[str]:
        """Why the chosen slot cannot be had (blocked time, other visits); empty when it is free."""
        candidate = self.candidate()
        day = self.starts_at().astimezone(self._zone).date()
        if candidate is None or self._choices is None or day not in self._day_cache:
            return []
        return slot_problems(candidate, self._day_cache[day], choices=self._choices, zone=self._zone)

    def _chose(self, *_args: object) -> None:
        self._chosen = True
        self._refresh_conflicts()

    def _refresh_conflicts(self) -> None:
        if self._doubted is not None and self._doubted != self._booking_key():
            self._doubted = None  # a changed booking is asked about afresh
            self.save_button.setText(self._verb)
        self.repeat.show_days(self.wall_time())
        if self.starts_at().astimezone(self._zone).date() not in self._day_cache:
            self._load_day()
            return
        messages = self.current_clashes()
        candidate = self.candidate()
        if messages:
            self.conflicts.setStyleSheet(PROBLEM_STYLE if self._chosen else "")
            self.conflicts.setText("\n".join(messages) + "\nTry “Next free slot”.")
        elif candidate is not None:
            self.conflicts.setStyleSheet(OK_STYLE)
            free = f"Free: {format_span(candidate.starts_at, candidate.ends_at, self._zone)}"
            if self.repeat.repeats() is not None:
                free += " on the first date; the others are checked when you book."
            self.conflicts.setText(free)
        else:
            self.conflicts.clear()

    def find_next_free_slot(self) -> None:
        service, provider_id, choices = self.current_service(), chosen_id(self.provider), self._choices
        if service is None or provider_id is None or choices is None:
            self._problem("Choose a service and a provider first.")
            return
        after = max(self.starts_at(), utc_now())
        location = self._location
        self.next_free.setEnabled(False)

        def body(store: Store) -> Slot | None:
            starts, ends = after - timedelta(hours=12), after + timedelta(days=31)
            return next_free_slot(service=service, provider_id=provider_id, location=location,
                                  shifts=choices.shifts, rooms=choices.rooms,
                                  existing=store.appointments_between(starts, ends), after=after,
                                  blocks=store.blocked_times(location.id, starts=starts, ends=ends))

        def found(slot: Slot | None) -> None:
            self.next_free.setEnabled(True)
            if slot is None:
                self._problem("No free time in the next 30 days for this service and provider. "
                              "Try another provider.")
                return
            local = slot.starts_at.astimezone(self._zone)
            self.date.setDate(QDate(local.year, local.month, local.day))
            self.time.setTime(QTime(local.hour, local.minute))
            select_id(self.room, slot.room_id)
            self._day_cache.pop(local.date(), None)
            self._load_day()
            self._clear_problem()

        def failed(exc: BaseException) -> None:
            self.next_free.setEnabled(True)
            self._problem(describe_error(exc))

        QueryOp(self, body=body, success=found, failure=failed).run()

    # --- saving -----------------------------------------------------------------------------------

    def save(self) -> None:
        if self._saving:
            return
        self._chosen = True
        self._clear_problem()
        new_client: Client | None = None
        if self._client_id is None:
            if not self.new_client.isVisible():
                self._problem("Find the client first, or press “New client…” to add them.")
                self.search_field.setFocus()
                return
            try:
                new_client = self.new_client.client()
            except ValueError as exc:
                self._problem(str(exc))
                return
        client_id = self._client_id or (new_client.id if new_client else None)
        try:
            candidate = self.candidate(client_id=client_id)
        except ValidationError as exc:
            self._problem(validation_message(exc))
            return
        if candidate is None:
            self._problem("Choose a service and a provider.")
            return
        if self.current_clashes():
            self._problem("This time is taken. " + " ".join(self.current_clashes())
                          + " Choose another time or press “Next free slot”.")
            return
        actor, wall = self._session.actor, self.wall_time()
        confirmed = self._doubted is not None and self._doubted == self._booking_key()
        not_a_duplicate = new_client is not None and self._told_new == self._new_client_key()
        repeats, with_following = self.repeat.repeats(), self.series_scope.with_following()

        def body(store: Store) -> Changes:
            if self._moving is not None and with_following:
                return move_series_from(store, actor=actor, visit_id=candidate.id, starts_at=candidate.starts_at,
                                        provider_id=candidate.provider_id, room_id=candidate.room_id,
                                        asked_for=wall, confirmed=confirmed)
            if self._moving is not None:
                return reschedule_visit(store, actor=actor, visit_id=candidate.id, starts_at=candidate.starts_at,
                                        ends_at=candidate.ends_at, provider_id=candidate.provider_id,
                                        room_id=candidate.room_id, asked_for=wall, confirmed=confirmed)
            if repeats is not None:
                every_weeks, count = repeats
                return book_series(store, actor=actor, visit=candidate, every_weeks=every_weeks, count=count,
                                   new_client=new_client, asked_for=wall, confirmed=confirmed,
                                   not_a_duplicate=not_a_duplicate)
            return book_visit(store, actor=actor, visit=candidate, new_client=new_client, asked_for=wall,
                              confirmed=confirmed, not_a_duplicate=not_a_duplicate)

        self._saving = True
        self.save_button.setEnabled(False)
        CollectionOp(self, body=body, success=lambda _changes: self._saved(candidate),
                     failure=self._save_failed).run()

    def _new_client_key(self) -> tuple[str, ...]:
        form = self.new_client
        return tuple(w.text().strip().casefold() for w in (form.first_name, form.last_name, form.birth_date,
                                                             form.phone, form.email))

    def _ask_about_duplicate(self, asked: PossibleDuplicate) -> None:
        """Nothing was saved: show the clients on file first; use one, or book with the new client anyway."""
        self._problem(str(asked))
        choice = DuplicateClientDialog(self, asked=asked)
        choice.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        choice.use_client.connect(self._use_client_on_file)
        choice.add_as_new.connect(self._add_as_new_client)
        choice.open()
        self.duplicate_choice = choice

    def _use_client_on_file(self, client_id: UUID, name: str) -> None:
        self._clear_problem()
        self._client_id = client_id
        self._show_chosen_client(name)

    def _add_as_new_client(self) -> None:
        self._told_new = self._new_client_key()
        self.save()

    def _saved(self, appointment: Appointment) -> None:
        self._saving = False
        self.booked.emit(appointment)
        self.accept()

    def _save_failed(self, exc: BaseException) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        if isinstance(exc, PossibleDuplicate):
            self._ask_about_duplicate(exc)
            return
        if isinstance(exc, NeedsConfirmation):
            # Nothing was saved: the same booking, pressed again, goes ahead.
            self._doubted = self._booking_key()
            self.save_button.setText(f"{self._verb} anyway")
            self._problem(str(exc))
            return
        self._day_cache.clear()
        self._load_day()
        if isinstance(exc, SeriesClashes):
            # One line per clashing date, so the person sees which weeks to change.
            self._problem("\n".join([exc.headline, *exc.lines(), exc.advice]))
            return
        self._problem(f"{'Not moved' if self._moving is not None else 'Not booked'}. {describe_error(exc)}")
