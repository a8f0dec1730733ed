"""The day schedule screen: navigation, the grid, the legend and the flow board.

Reads go through ``QueryOp`` (one trip for the whole day), writes through
``CollectionOp``; the view redraws when a write or a sync names its day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from uuid import UUID

from medspa_desk.desk.blocked_time import blocked_on
from medspa_desk.desk.context import SignedIn
from medspa_desk.desk.errors import NeedsConfirmation
from medspa_desk.desk.series import cancel_series_from
from medspa_desk.desk.visits import cancel_visit, reschedule_visit
from medspa_desk.records import Appointment, utc_now
from medspa_desk.scheduling import local_datetime
from medspa_desk.store import Changes, Store
from ui.events import bus
from ui.operations import CollectionOp, QueryOp, describe_error
from ui.qt import (
    QButtonGroup,
    QDate,
    QDateEdit,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QMessageBox,
    QPoint,
    QPushButton,
    QResizeEvent,
    QShortcut,
    QSize,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    Qt,
    QTimer,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.schedule.arrivals import ArrivalsBoard
from ui.schedule.cancel import CancelReasonDialog
from ui.schedule.canvas import ScheduleCanvas
from ui.schedule.forms import US_DATE_FORMAT
from ui.schedule.legend import StatusLegend
from ui.schedule.loading import load_schedule_day
from ui.schedule.model import ClientLabel, ColumnMode, ScheduleDay
from ui.schedule.visit_menu import run_visit_step, visit_menu
from ui.schedule.week_view import WeekScheduleView
from ui.waitlist import offer_freed_time

MESSAGE_SECONDS = 15


class DayHeading(QLabel):
    """The day's name in full, or abbreviated when the navigation row is narrow (a laptop at 150%);
    the full text stays in the tooltip and the accessible description."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._long = self._short = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def set_day_text(self, *, long: str, short: str) -> None:
        self._long, self._short = long, short
        self.setToolTip(long)
        self.setAccessibleDescription(long)
        self._fit()
        self.updateGeometry()

    def _fit(self) -> None:
        fits = self.fontMetrics().horizontalAdvance(self._long) <= self.contentsRect().width()
        self.setText(self._long if fits else self._short)

    def sizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance(self._long) + 4, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance(self._short) + 4, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()


class DayScheduleView(QWidget):
    """One location's day. ``session`` gives ``.location`` and ``.actor`` (a ``SignedIn``: the app's session or the tour's desk)."""

    day_did_load = Signal(object)  # ScheduleDay
    appointment_opened = Signal(object)  # UUID, after the view opened it

    def __init__(self, session: SignedIn, parent: QWidget | None = None, *, day: date | None = None,
                 clock: Callable[[], datetime] = utc_now) -> None:
        super().__init__(parent)
        self._clock = clock
        self.setAccessibleName("Schedule")
        self._session = session
        # Read once: a session may look its location up in the store.
        self._location = session.location
        self._zone = self._location.zone
        self._day = day or self.today()
        self._shown: ScheduleDay | None = None
        self._request = 0
        self._labels: dict[UUID, ClientLabel] = {}
        self._build()
        self._connect()
        self.reload()

    # --- building ---------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)  # the navigation row fits 150 % with a long day name
        nav = QHBoxLayout()
        self.previous_button = QPushButton("◀")  # the words are its name and tip: the row fits 150 %
        self.previous_button.setAccessibleName("Previous day")
        self.previous_button.setToolTip("Previous day (Ctrl+Left)")
        self.today_button = QPushButton("Today")
        self.today_button.setAccessibleName("Today")
        self.today_button.setToolTip("Go to today (T)")
        self.next_button = QPushButton("▶")
        self.next_button.setAccessibleName("Next day")
        self.next_button.setToolTip("Next day (Ctrl+Right)")
        self.date_picker = QDateEdit()
        self.date_picker.setCalendarPopup(True)
        self.date_picker.setDisplayFormat(US_DATE_FORMAT)
        self.date_picker.setAccessibleName("Go to date")
        self.day_label = DayHeading()
        self.day_label.setAccessibleName("Day shown")
        font = self.day_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.day_label.setFont(font)
        self.by_provider = QToolButton()
        self.by_provider.setText("By provider")
        self.by_provider.setAccessibleName("Columns by provider")
        self.by_room = QToolButton()
        self.by_room.setText("By room")
        self.by_room.setAccessibleName("Columns by room")
        self.mode_group = QButtonGroup(self)
        for button in (self.by_provider, self.by_room):
            button.setCheckable(True)
            self.mode_group.addButton(button)
        self.by_provider.setChecked(True)
        # Day or week: the week of one provider or room (ui/schedule/week_view), made when first asked for.
        self.day_button = QToolButton()
        self.day_button.setText("Day")
        self.day_button.setAccessibleName("Show the day")
        self.week_button = QToolButton()
        self.week_button.setText("Week")
        self.week_button.setAccessibleName("Show the week")
        self.week_button.setToolTip("The week of one provider or one room (W)")
        self.span_group = QButtonGroup(self)
        for button in (self.day_button, self.week_button):
            button.setCheckable(True)
            self.span_group.addButton(button)
        self.day_button.setChecked(True)
        self.week: WeekScheduleView | None = None
        self.book_button = QPushButton("New booking…")
        self.book_button.setAccessibleName("New booking")
        self.book_button.setToolTip("Book an appointment (Ctrl+N)")
        for widget in (self.previous_button, self.today_button, self.next_button, self.date_picker):
            nav.addWidget(widget)
        nav.addWidget(self.day_label, 1)
        nav.addWidget(self.day_button)
        nav.addWidget(self.week_button)
        nav.addWidget(self.by_provider)
        nav.addWidget(self.by_room)
        nav.addWidget(self.book_button)
        layout.addLayout(nav)

        self.message = QLabel()
        self.message.setAccessibleName("Schedule message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("QLabel { background: #fff4d6; color: #3b2a00; border: 1px solid #c99a00;"
                                   " padding: 6px; }")
        self.message.hide()
        layout.addWidget(self.message)
        self.blocked_line = QLabel()
        self.blocked_line.setAccessibleName("Blocked time")
        self.blocked_line.setWordWrap(True)
        self.blocked_line.hide()
        layout.addWidget(self.blocked_line)
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(self.message.hide)

        self.canvas = ScheduleCanvas()
        self.arrivals = ArrivalsBoard()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.canvas)
        self.splitter.addWidget(self.arrivals)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)

        self.pages = QStackedWidget()
        self.pages.addWidget(self.splitter)
        layout.addWidget(self.pages, 1)
        self.legend = StatusLegend()
        layout.addWidget(self.legend)
        self.setTabOrder(self.previous_button, self.today_button)
        self.setTabOrder(self.today_button, self.next_button)
        self.setTabOrder(self.next_button, self.date_picker)
        self.setTabOrder(self.date_picker, self.by_provider)
        self.setTabOrder(self.by_provider, self.by_room)
        self.setTabOrder(self.by_room, self.book_button)
        self.setTabOrder(self.book_button, self.canvas)
        self.setTabOrder(self.canvas, self.arrivals.table)

    def _connect(self) -> None:
        self.previous_button.clicked.connect(lambda: self.go_to(self._day - timedelta(days=1)))
        self.next_button.clicked.connect(lambda: self.go_to(self._day + timedelta(days=1)))
        self.today_button.clicked.connect(lambda: self.go_to(self.today()))
        self.date_picker.dateChanged.connect(lambda d: self.go_to(date(d.year(), d.month(), d.day())))
        self.by_provider.toggled.connect(lambda on: on and self.set_mode(ColumnMode.PROVIDERS))
        self.by_room.toggled.connect(lambda on: on and self.set_mode(ColumnMode.ROOMS))
        self.week_button.toggled.connect(self.show_week)
        self.book_button.clicked.connect(lambda: self.new_booking())
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, action in ((QKeySequence("Ctrl+Left"), lambda: self.go_to(self._day - timedelta(days=1))),
                             (QKeySequence("Ctrl+Right"), lambda: self.go_to(self._day + timedelta(days=1))),
                             (QKeySequence("Ctrl+N"), lambda: self.new_booking())):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(context)
            shortcut.activated.connect(action)
        # T is a plain letter, so it belongs to the grid only (never steals typing in a field).
        today = QShortcut(QKeySequence("T"), self.canvas)
        today.setContext(Qt.ShortcutContext.WidgetShortcut)
        today.activated.connect(lambda: self.go_to(self.today()))
        week = QShortcut(QKeySequence("W"), self.canvas)
        week.setContext(Qt.ShortcutContext.WidgetShortcut)
        week.activated.connect(lambda: self.show_week(True))
        self.canvas.appointment_opened.connect(self.open_appointment)
        self.arrivals.appointment_opened.connect(self.open_appointment)
        self.canvas.slot_opened.connect(self._book_at)
        self.canvas.move_requested.connect(self.move_appointment)
        self.canvas.move_refused.connect(self.show_message)
        self.canvas.cancel_requested.connect(self.ask_to_cancel)
        self.canvas.visit_menu_requested.connect(self.show_visit_menu)
        self.arrivals.visit_menu_requested.connect(self.show_visit_menu)
        bus.operation_did_execute.connect(self._on_changes)
        bus.changes_did_arrive.connect(self._on_sync_changes)
        bus.privacy_mode_did_change.connect(self.set_privacy)
        self.set_privacy(bus.privacy_mode)

    # --- navigation -----------------------------------------------------------------------

    def today(self) -> date:
        return self._clock().astimezone(self._zone).date()

    @property
    def day(self) -> date:
        return self._day

    @property
    def shown(self) -> ScheduleDay | None:
        return self._shown

    def go_to(self, day: date) -> None:
        if day == self._day and self._shown is not None:
            return
        self._day = day
        self.reload()

    def show_week(self, on: bool = True) -> None:
        """The week of one provider or room (the column mode's first, or the selected visit's), or the day."""
        (self.week_button if on else self.day_button).setChecked(True)
        for widget in (self.previous_button, self.today_button, self.next_button, self.date_picker, self.day_label,
                       self.by_provider, self.by_room, self.legend):
            widget.setVisible(not on)
        if not on:
            self.blocked_line.setVisible(bool(self.blocked_line.text().removeprefix("Blocked: ")))
            self.pages.setCurrentWidget(self.splitter)
            return
        self.blocked_line.hide()
        selected = self._shown.appointment(self.canvas.selected) if self._shown and self.canvas.selected else None
        holder = None
        if selected is not None:
            holder = selected.room_id if self.canvas.mode is ColumnMode.ROOMS else selected.provider_id
        if self.week is None:
            self.week = WeekScheduleView(self._session, day=self._day, clock=self._clock)
            self.week.day_opened.connect(self._open_day_of_week)
            self.pages.addWidget(self.week)
        self.week.go_to(self._day)
        self.week.set_mode(self.canvas.mode, holder)
        self.pages.setCurrentWidget(self.week)

    def _open_day_of_week(self, day: date) -> None:
        self.show_week(False)
        self.go_to(day)

    def set_mode(self, mode: ColumnMode) -> None:
        self.canvas.set_mode(mode)
        (self.by_room if mode is ColumnMode.ROOMS else self.by_provider).setChecked(True)

    def set_privacy(self, on: bool) -> None:
        self.canvas.set_privacy(on)
        self.arrivals.set_privacy(on)

    def reload(self) -> None:
        self._request += 1
        request, day = self._request, self._day
        self._show_day_heading(day)
        location, actor = self._location, self._session.actor
        known = dict(self._labels)
        QueryOp(self, body=lambda store: load_schedule_day(store, location=location, day=day, actor=actor,
                                                           known=known),
                success=lambda loaded: self._show(loaded, request=request),
                failure=self._load_failed).run()
        QueryOp(self, body=lambda store: blocked_on(store, location=location, day=day),
                success=lambda lines: self._show_blocked(lines, request=request), failure=self._load_failed).run()

    def _show_blocked(self, lines: tuple[str, ...], *, request: int) -> None:
        if request == self._request:
            self.blocked_line.setText("Blocked: " + " · ".join(lines))
            self.blocked_line.setVisible(bool(lines) and not self.week_button.isChecked())

    def _show_day_heading(self, day: date) -> None:
        today = day == self.today()
        suffix = " (today)" if today else ""
        # Short, the date picker beside it already shows the date: "Today", or "Tue Jun 16".
        self.day_label.set_day_text(long=f"{day:%A}, {day:%B} {day.day}, {day.year}{suffix}",
                                    short="Today" if today else f"{day:%a} {day:%b} {day.day}")
        blocker_state = self.date_picker.blockSignals(True)
        self.date_picker.setDate(QDate(day.year, day.month, day.day))
        self.date_picker.blockSignals(blocker_state)

    def _show(self, loaded: ScheduleDay, *, request: int) -> None:
        if request != self._request:
            return  # a later day was asked for meanwhile
        first_load = self._shown is None or self._shown.day != loaded.day
        self._shown = loaded
        self._labels.update(loaded.clients)
        self.canvas.set_day(loaded)
        self.arrivals.set_day(loaded)
        if first_load:
            self._scroll_to_start_of_day(loaded)
        self.day_did_load.emit(loaded)

    def _scroll_to_start_of_day(self, loaded: ScheduleDay) -> None:
        """At the first opening hour; today while the practice is open, at the hour before now, unless
        the whole working day fits the window."""
        now = self._clock()
        periods = [(local_datetime(loaded.day, h.opens, loaded.zone), local_datetime(loaded.day, h.closes, loaded.zone))
                   for h in loaded.location.opening_hours if h.weekday == loaded.day.weekday()]
        opens = min((start for start, _end in periods), default=local_datetime(loaded.day, time(8), loaded.zone))
        open_now = any(start <= now < end for start, end in periods)
        # The whole working day on screen (canvas rows fitted to it): from its start, whatever the time.
        if self.canvas.shows_working_day():
            open_now = False
        self.canvas.scroll_to_time(max(opens, now - timedelta(hours=1)) if open_now else opens)

    def _load_failed(self, exc: BaseException) -> None:
        self.show_message(f"The schedule could not be loaded. {describe_error(exc)}")

    def _on_changes(self, changes: Changes, _initiator: object = None) -> None:
        for client_id in changes.clients:
            self._labels.pop(client_id, None)
        if self._concerns_me(changes):
            self.reload()

    def _on_sync_changes(self, changes: Changes) -> None:
        # A long pull names no days (``everything``): then reloading is the safe answer.
        if self._concerns_me(changes):
            self.reload()

    def _concerns_me(self, changes: Changes) -> bool:
        if changes.reference or changes.everything or (self._location.id, self._day) in changes.days:
            return True
        shown = self._shown.clients if self._shown else {}
        return any(client_id in shown for client_id in changes.clients)

    # --- messages ------------------------------------------------------------------------------

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
        self._message_timer.start(MESSAGE_SECONDS * 1000)

    # --- actions --------------------------------------------------------------------------------

    def move_appointment(self, candidate: Appointment, *, confirmed: bool = False) -> None:
        actor = self._session.actor

        def body(store: Store) -> Changes:
            return reschedule_visit(store, actor=actor, visit_id=candidate.id, starts_at=candidate.starts_at,
                                    ends_at=candidate.ends_at, provider_id=candidate.provider_id,
                                    room_id=candidate.room_id, confirmed=confirmed)

        def failed(exc: BaseException) -> None:
            # The grid still shows the stored day: the block is back where it was.
            self.canvas.set_day(self._shown)
            if isinstance(exc, NeedsConfirmation):
                self._confirm_move(candidate, exc)
                return
            self.show_message(f"Can't move the appointment there. {describe_error(exc)}")

        freed = self._shown.appointment(candidate.id) if self._shown else None  # where it was: the waitlist may want it
        CollectionOp(self, body=body, success=lambda _changes: offer_freed_time(self, self._session, freed),
                     failure=failed).run()

    def _confirm_move(self, candidate: Appointment, doubt: NeedsConfirmation) -> None:
        """Ask (without blocking the window) before a move the core doubts; move only on "Move anyway"."""
        box = QMessageBox(QMessageBox.Icon.Question, "Move this appointment?",
                          "\n".join(doubt.reasons), QMessageBox.StandardButton.Cancel, self)
        anyway = box.addButton("Move anyway", QMessageBox.ButtonRole.AcceptRole)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: self.move_appointment(candidate, confirmed=True)
                                  if button is anyway else None)
        box.open()
        self.confirm_box = box

    def ask_to_cancel(self, appointment_id: UUID) -> None:
        visit = self._shown.appointment(appointment_id) if self._shown else None
        dialog = CancelReasonDialog(self, in_series=visit is not None and visit.series_id is not None)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.cancel_appointment(appointment_id, reason=dialog.reason(),
                                                                with_following=dialog.with_following()))
        dialog.open()
        self.cancel_dialog = dialog

    def cancel_appointment(self, appointment_id: UUID, *, reason: str, with_following: bool = False) -> None:
        """Cancel the visit (with the later visits of its series when ``with_following``)."""
        actor = self._session.actor
        freed = self._shown.appointment(appointment_id) if self._shown else None
        cancel = cancel_series_from if with_following else cancel_visit
        CollectionOp(self, body=lambda store: cancel(store, actor=actor, visit_id=appointment_id, reason=reason),
                     success=lambda _changes: offer_freed_time(self, self._session, freed),
                     failure=lambda exc: self.show_message(f"The appointment was not cancelled. {describe_error(exc)}")
                     ).run()

    def show_visit_menu(self, appointment_id: UUID, at: QPoint) -> None:
        """The block's menu: status steps (refused ones greyed with the reason), check-in, cancel."""
        visit = self._shown.appointment(appointment_id) if self._shown else None
        if visit is None:
            return
        self.visit_menu = visit_menu(
            self, role=self._session.actor.role, visit=visit,
            run_step=lambda step: run_visit_step(self, actor=self._session.actor, visit_id=appointment_id,
                                                 step=step, refused=self.show_message),
            check_in=lambda: self.open_appointment(appointment_id),
            cancel=lambda: self.ask_to_cancel(appointment_id),
            move=lambda: self.move_in_dialog(appointment_id))
        self.visit_menu.popup(at)

    def move_in_dialog(self, appointment_id: UUID) -> None:
        """The booking dialog on this visit, to move it to any day, time, provider and room."""
        from ui.booking import BookingDialog

        visit = self._shown.appointment(appointment_id) if self._shown else None
        if visit is None:
            return
        name = self._shown.client_label(visit.client_id, privacy=False) if self._shown else ""
        dialog = BookingDialog(self._session, parent=self, moving=visit, client_name=name)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.open_dialog = dialog

    def open_appointment(self, appointment_id: UUID) -> None:
        from ui.checkin import CheckInDialog

        dialog = CheckInDialog(self._session, appointment_id=appointment_id, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.open_dialog = dialog
        self.appointment_opened.emit(appointment_id)

    def new_booking(self, *, starts_at: datetime | None = None, provider_id: UUID | None = None,
                    room_id: UUID | None = None) -> None:
        from ui.booking import BookingDialog

        when = starts_at or local_datetime(self._day, time(9), self._zone)
        dialog = BookingDialog(self._session, parent=self, starts_at=when, provider_id=provider_id, room_id=room_id)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.open_dialog = dialog

    def _book_at(self, column_key: UUID, starts_at: datetime) -> None:
        if self.canvas.mode is ColumnMode.ROOMS:
            self.new_booking(starts_at=starts_at, room_id=column_key)
        else:
            self.new_booking(starts_at=starts_at, provider_id=column_key)
