"""The week of one provider or one room: seven days side by side, visits, breaks and blocked time.

``load_week`` reads the week in one trip (the visits through the provider's or
room's index, the blocks, the client labels); ``WeekCanvas`` paints it with
rows fitted to the week's opening hours so the whole week shows without
scrolling; ``WeekScheduleView`` is the screen: previous and next week, this
week, provider or room and which one. Double-clicking a day opens that day in
the day view (``day_opened``). Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from medspa_desk.records import Appointment, AppointmentStatus, BlockedTime, Location, utc_now
from medspa_desk.scheduling import block_title, day_bounds, format_span, local_datetime
from medspa_desk.time_words import hour_mark
from ui.events import bus
from ui.operations import QueryOp, describe_error
from ui.qt import (
    QBrush,
    QButtonGroup,
    QColor,
    QComboBox,
    QFontMetrics,
    QHBoxLayout,
    QLabel,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPointF,
    QPushButton,
    QRectF,
    QSize,
    QSizePolicy,
    Qt,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.schedule.colors import BLOCKED_FILL, BLOCKED_HATCH, STATUS_STYLES, status_label
from ui.schedule.forms import add_choice, chosen_id, select_id
from ui.schedule.loading import mine_first, schedule_label
from ui.schedule.model import ClientLabel, ColumnMode

DAYS = 7
HIDDEN = frozenset({AppointmentStatus.CANCELLED})
_HELD_FILL = QColor(BLOCKED_FILL)
_HELD_HATCH = QBrush(QColor(BLOCKED_HATCH), Qt.BrushStyle.BDiagPattern)
_CLOSED = QColor("#f4f5f7")
_LINE = QColor("#c9ced6")


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Holder:
    """Whose week: a provider or a room."""

    id: UUID
    name: str


@dataclass(frozen=True)
class ScheduleWeek:
    location: Location
    first_day: date  # a Monday
    mode: ColumnMode
    holder: Holder | None
    holders: tuple[Holder, ...]  # every active provider (or room), to choose from
    appointments: tuple[Appointment, ...]
    blocks: tuple[BlockedTime, ...]
    services: dict[UUID, str] = field(default_factory=dict)
    clients: dict[UUID, ClientLabel] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return self.location.zone

    @property
    def days(self) -> list[date]:
        return [self.first_day + timedelta(days=i) for i in range(DAYS)]

    def working_hours(self) -> tuple[time, time]:
        """From the week's earliest opening to its latest closing (8:00–18:00 when it never opens)."""
        hours = self.location.opening_hours
        if not hours:
            return time(8), time(18)
        return min(h.opens for h in hours), max(h.closes for h in hours)


def load_week(store: object, *, location: Location, day: date, mode: ColumnMode,
              holder_id: UUID | None, user_id: UUID | None = None) -> ScheduleWeek:
    """One provider's (or room's) week around ``day``; the first holder when ``holder_id`` is None
    (a provider signed in as ``user_id`` is first: their own week)."""
    first = week_start(day)
    starts, _ = day_bounds(first, location.zone)
    ends, _ = day_bounds(first + timedelta(days=DAYS), location.zone)
    if mode is ColumnMode.ROOMS:
        holders = tuple(Holder(r.id, r.name) for r in store.rooms(location.id) if r.active)  # type: ignore[attr-defined]
    else:
        holders = tuple(Holder(p.id, p.display_name) for p in mine_first(
            store, [p for p in store.providers() if p.active], user_id=user_id))  # type: ignore[attr-defined]
    holder = next((h for h in holders if h.id == holder_id), holders[0] if holders else None)
    if holder is None:
        return ScheduleWeek(location, first, mode, None, holders, (), ())
    which = {"room_id" if mode is ColumnMode.ROOMS else "provider_id": holder.id}
    visits = tuple(a for a in store.appointments_between(starts, ends, **which)  # type: ignore[attr-defined]
                   if a.location_id == location.id and a.status not in HIDDEN)
    blocks = tuple(b for b in store.blocked_times(location.id, starts=starts, ends=ends)  # type: ignore[attr-defined]
                   if holder.id in (b.provider_id, b.room_id))
    client_ids = list(dict.fromkeys(a.client_id for a in visits))
    labels = store.client_labels(client_ids) if client_ids else {}  # type: ignore[attr-defined]
    return ScheduleWeek(location, first, mode, holder, holders, visits, blocks,
                        services={s.id: s.name for s in store.services()},  # type: ignore[attr-defined]
                        clients={cid: schedule_label(label) for cid, label in labels.items()})


class WeekCanvas(QWidget):
    """Seven day columns under their headings; rows fitted to the week's opening hours."""

    day_opened = Signal(object)  # date

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Week schedule")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self._week: ScheduleWeek | None = None
        self._privacy = False
        self.today: date | None = None  # set by the view from its clock: that day's heading is bold

    def set_week(self, week: ScheduleWeek | None) -> None:
        self._week = week
        self.setAccessibleDescription(self.describe())
        self.update()

    def set_privacy(self, on: bool) -> None:
        self._privacy = on
        self.update()

    @property
    def week(self) -> ScheduleWeek | None:
        return self._week

    # --- geometry -------------------------------------------------------------------------

    def _fm(self) -> QFontMetrics:
        return QFontMetrics(self.font())

    def gutter_width(self) -> int:
        return self._fm().horizontalAdvance("12 AM") + 12

    def header_height(self) -> int:
        return self._fm().height() + 10

    def minimumSizeHint(self) -> QSize:
        # Seven days of a few characters each, and twelve hours of one line each.
        fm = self._fm()
        return QSize(self.gutter_width() + DAYS * fm.averageCharWidth() * 9, self.header_height() + fm.height() * 12)

    def sizeHint(self) -> QSize:
        return QSize(900, 560)

    def _span(self) -> tuple[int, int]:
        """Minutes after midnight of the first and last row."""
        assert self._week is not None
        opens, closes = self._week.working_hours()
        return opens.hour * 60 + opens.minute, closes.hour * 60 + closes.minute + (1 if closes.minute else 0)

    def px_per_min(self) -> float:
        first, last = self._span()
        return max(0.1, (self.height() - self.header_height() - 1) / max(60, last - first))

    def column_width(self) -> float:
        return (self.width() - self.gutter_width()) / DAYS

    def y_at(self, instant: datetime) -> float:
        """Height of ``instant`` (on whichever day) in the week's rows, clamped to them."""
        assert self._week is not None
        local = instant.astimezone(self._week.zone)
        first, last = self._span()
        minutes = min(max(local.hour * 60 + local.minute, first), last)
        return self.header_height() + (minutes - first) * self.px_per_min()

    def rect_of(self, starts_at: datetime, ends_at: datetime) -> QRectF | None:
        """Where a visit or a block is drawn (its start's day); None outside the week."""
        assert self._week is not None
        day = starts_at.astimezone(self._week.zone).date()
        index = (day - self._week.first_day).days
        if not 0 <= index < DAYS:
            return None
        x = self.gutter_width() + index * self.column_width()
        top = self.y_at(starts_at)
        end_day = ends_at.astimezone(self._week.zone).date()
        bottom = self.y_at(ends_at) if end_day == day else self.height() - 1.0
        return QRectF(x + 2, top, self.column_width() - 4, max(3.0, bottom - top))

    def day_at(self, x: float) -> date | None:
        if self._week is None or x < self.gutter_width():
            return None
        index = int((x - self.gutter_width()) // self.column_width())
        return self._week.days[index] if 0 <= index < DAYS else None

    # --- words --------------------------------------------------------------------------------

    def visit_text(self, visit: Appointment) -> str:
        assert self._week is not None
        label = self._week.clients.get(visit.client_id)
        who = (label.initials if self._privacy else label.name) if label else "Client"
        return (f"{who}\n{self._week.services.get(visit.service_id, 'Service')}\n"
                f"{format_span(visit.starts_at, visit.ends_at, self._week.zone)} · {status_label(visit.status)}")

    def block_text(self, block: BlockedTime) -> str:
        assert self._week is not None
        note = f" · {block.note}" if block.note else ""
        return f"{block_title(block.kind)} {format_span(block.starts_at, block.ends_at, self._week.zone)}{note}"

    def describe(self) -> str:
        """The week in words, for a screen reader: visits and blocks per day."""
        week = self._week
        if week is None or week.holder is None:
            return ""
        counts = {d: 0 for d in week.days}
        for visit in week.appointments:
            day = visit.starts_at.astimezone(week.zone).date()
            if day in counts:
                counts[day] += 1
        return f"{week.holder.name}: " + "; ".join(f"{d:%a} {n} visits" for d, n in counts.items())

    def text_at(self, x: float, y: float) -> str:
        week = self._week
        if week is None:
            return ""
        for visit in week.appointments:
            rect = self.rect_of(visit.starts_at, visit.ends_at)
            if rect is not None and rect.contains(x, y):
                return self.visit_text(visit)
        for block in week.blocks:
            rect = self.rect_of(block.starts_at, block.ends_at)
            if rect is not None and rect.contains(x, y):
                return self.block_text(block)
        return ""

    # --- painting -------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            self.paint_into(painter)
        finally:
            painter.end()

    def paint_into(self, painter: QPainter) -> None:
        """The whole week (also used by the benchmark)."""
        painter.fillRect(self.rect(), QColor("#ffffff"))
        week = self._week
        fm = self._fm()
        if week is None:
            painter.setPen(QColor("#444a55"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Loading the week…")
            return
        gutter, header, col_w = self.gutter_width(), self.header_height(), self.column_width()
        self._paint_closed(painter, week)
        first, last = self._span()
        painter.setPen(_LINE)
        for minutes in range(first - first % 60 + (60 if first % 60 else 0), last + 1, 60):
            y = header + (minutes - first) * self.px_per_min()
            painter.drawLine(int(gutter), int(y), self.width(), int(y))
            painter.setPen(QColor("#3d4350"))
            if y + fm.height() <= self.height():
                painter.drawText(QRectF(0, y + 1, gutter - 6, fm.height()),
                                 int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop),
                                 hour_mark(time(minutes // 60 % 24)))
            painter.setPen(_LINE)
        today = self.today
        for index, day in enumerate(week.days):
            x = gutter + index * col_w
            painter.setPen(_LINE)
            painter.drawLine(int(x), 0, int(x), self.height())
            font = painter.font()
            font.setBold(day == today)
            painter.setFont(font)
            painter.setPen(QColor("#16181d"))
            painter.drawText(QRectF(x + 4, 4, col_w - 8, fm.height()),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
                             fm.elidedText(f"{day:%a} {day:%b} {day.day}", Qt.TextElideMode.ElideRight,
                                           int(col_w) - 8))
            font.setBold(False)
            painter.setFont(font)
        for block in week.blocks:
            for part_start, part_end in _per_day(block.starts_at, block.ends_at, week):
                rect = self.rect_of(part_start, part_end)
                if rect is None:
                    continue
                painter.fillRect(rect, _HELD_FILL)
                painter.fillRect(rect, _HELD_HATCH)
                self._label(painter, rect, block_title(block.kind))
        for visit in week.appointments:
            rect = self.rect_of(visit.starts_at, visit.ends_at)
            if rect is None:
                continue
            style = STATUS_STYLES[visit.status]
            painter.fillRect(rect, QColor(style.fill))
            painter.fillRect(QRectF(rect.left(), rect.top(), 3, rect.height()), QColor(style.border))
            label = week.clients.get(visit.client_id)
            who = (label.initials if self._privacy else label.name) if label else "Client"
            self._label(painter, rect.adjusted(3, 0, 0, 0), who)

    def _paint_closed(self, painter: QPainter, week: ScheduleWeek) -> None:
        """Closed hours shaded, day by day."""
        for day in week.days:
            periods = [h for h in week.location.opening_hours if h.weekday == day.weekday()]
            opens, closes = week.working_hours()
            edges = [local_datetime(day, opens, week.zone)]
            for period in sorted(periods, key=lambda p: p.opens):
                edges += [local_datetime(day, period.opens, week.zone), local_datetime(day, period.closes, week.zone)]
            edges.append(local_datetime(day, closes, week.zone))
            for top, bottom in zip(edges[::2], edges[1::2], strict=True):
                if bottom > top and (rect := self.rect_of(top, bottom)) is not None:
                    painter.fillRect(rect.adjusted(-2, 0, 2, 0), _CLOSED)

    def _label(self, painter: QPainter, rect: QRectF, text: str) -> None:
        fm = self._fm()
        if rect.height() < fm.height():
            return
        painter.setPen(QColor("#16181d"))
        painter.drawText(QRectF(rect.left() + 3, rect.top(), rect.width() - 5, fm.height()),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
                         fm.elidedText(text, Qt.TextElideMode.ElideRight, int(rect.width()) - 5))

    # --- mouse --------------------------------------------------------------------------------

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        point: QPointF = event.position()
        self.setToolTip(self.text_at(point.x(), point.y()))

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        day = self.day_at(event.position().x())
        if day is not None:
            self.day_opened.emit(day)


def _per_day(starts: datetime, ends: datetime, week: ScheduleWeek) -> list[tuple[datetime, datetime]]:
    """A span cut at local midnights: time off over three days is drawn in each of them."""
    parts = []
    cursor = starts
    while cursor < ends:
        _, midnight = day_bounds(cursor.astimezone(week.zone).date(), week.zone)
        parts.append((cursor, min(ends, midnight)))
        cursor = midnight
    return parts


class WeekScheduleView(QWidget):
    """One provider's or one room's week. ``session`` gives ``.location`` and ``.actor``."""

    week_did_load = Signal(object)  # ScheduleWeek
    day_opened = Signal(object)  # date

    def __init__(self, session: object, parent: QWidget | None = None, *, day: date | None = None,
                 clock: Callable[[], datetime] = utc_now) -> None:
        super().__init__(parent)
        self.setAccessibleName("Week")
        self._session = session
        self._location: Location = session.location  # type: ignore[attr-defined]
        self._clock = clock
        self._day = day or clock().astimezone(self._location.zone).date()
        self._mode = ColumnMode.PROVIDERS
        self._holder: UUID | None = None
        self._request = 0
        self._build()
        bus.operation_did_execute.connect(self._on_changes)
        bus.changes_did_arrive.connect(self._on_changes)
        bus.privacy_mode_did_change.connect(self.canvas.set_privacy)
        self.canvas.set_privacy(bus.privacy_mode)
        self.reload()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        nav = QHBoxLayout()
        # Arrows only, named and tipped: the week's dates keep room beside them at 150 %.
        self.previous_button = QPushButton("◀")
        self.previous_button.setAccessibleName("Previous week")
        self.previous_button.setToolTip("Previous week")
        self.this_week_button = QPushButton("This week")
        self.this_week_button.setAccessibleName("This week")
        self.next_button = QPushButton("▶")
        self.next_button.setAccessibleName("Next week")
        self.next_button.setToolTip("Next week")
        self.heading = QLabel()
        self.heading.setAccessibleName("Week shown")
        self.heading.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.by_provider = QToolButton()
        self.by_provider.setText("Provider")
        self.by_provider.setAccessibleName("Week of a provider")
        self.by_room = QToolButton()
        self.by_room.setText("Room")
        self.by_room.setAccessibleName("Week of a room")
        self.mode_group = QButtonGroup(self)
        for button in (self.by_provider, self.by_room):
            button.setCheckable(True)
            self.mode_group.addButton(button)
        self.by_provider.setChecked(True)
        self.holder = QComboBox()
        self.holder.setAccessibleName("Whose week")
        self.holder.setMinimumContentsLength(14)
        self.holder.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        for widget in (self.previous_button, self.this_week_button, self.next_button):
            nav.addWidget(widget)
        nav.addSpacing(8)
        nav.addWidget(self.heading, 1)
        nav.addWidget(self.by_provider)
        nav.addWidget(self.by_room)
        nav.addWidget(self.holder)
        layout.addLayout(nav)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.hide()
        layout.addWidget(self.problem)
        self.canvas = WeekCanvas()
        layout.addWidget(self.canvas, 1)
        self.previous_button.clicked.connect(lambda: self.go_to(self._day - timedelta(days=DAYS)))
        self.next_button.clicked.connect(lambda: self.go_to(self._day + timedelta(days=DAYS)))
        self.this_week_button.clicked.connect(
            lambda: self.go_to(self._clock().astimezone(self._location.zone).date()))
        self.by_provider.toggled.connect(lambda on: on and self.set_mode(ColumnMode.PROVIDERS))
        self.by_room.toggled.connect(lambda on: on and self.set_mode(ColumnMode.ROOMS))
        self.holder.activated.connect(lambda _index: self._holder_chosen())
        self.canvas.day_opened.connect(self.day_opened)

    def _on_changes(self, *_changes: object) -> None:
        """A write or a sync: read the week again if it is on screen (toggling to it reads it anyway)."""
        if self.isVisible():
            self.reload()

    @property
    def shown(self) -> ScheduleWeek | None:
        return self.canvas.week

    @property
    def day(self) -> date:
        return self._day

    def go_to(self, day: date) -> None:
        self._day = day
        self.reload()

    def set_mode(self, mode: ColumnMode, holder_id: UUID | None = None) -> None:
        self._mode, self._holder = mode, holder_id
        (self.by_room if mode is ColumnMode.ROOMS else self.by_provider).setChecked(True)
        self.reload()

    def show_holder(self, holder_id: UUID) -> None:
        self._holder = holder_id
        self.reload()

    def _holder_chosen(self) -> None:
        self._holder = chosen_id(self.holder)
        self.reload()

    def reload(self) -> None:
        self._request += 1
        request = self._request
        location, day, mode, holder = self._location, self._day, self._mode, self._holder
        first = week_start(day)
        last = first + timedelta(days=DAYS - 1)
        self.heading.setText(f"{first:%b} {first.day} – {last:%b} {last.day}, {last.year}")
        self.heading.setToolTip(self.heading.text())
        user_id = self._session.actor.user_id  # type: ignore[attr-defined]
        QueryOp(self, body=lambda store: load_week(store, location=location, day=day, mode=mode, holder_id=holder,
                                                   user_id=user_id),
                success=lambda week: self._show(week, request=request), failure=self._failed).run()

    def _show(self, week: ScheduleWeek, *, request: int) -> None:
        if request != self._request:
            return
        self.problem.hide()
        blocker = self.holder.blockSignals(True)
        self.holder.clear()
        for holder in week.holders:
            add_choice(self.holder, holder.name, holder.id)
        if week.holder is not None:
            select_id(self.holder, week.holder.id)
            self._holder = week.holder.id
        self.holder.blockSignals(blocker)
        self.canvas.today = self._clock().astimezone(self._location.zone).date()
        self.canvas.set_week(week)
        self.week_did_load.emit(week)

    def _failed(self, exc: BaseException) -> None:
        self.problem.setText(f"The week could not be loaded. {describe_error(exc)}")
        self.problem.show()
