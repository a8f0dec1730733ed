"""The day grid itself: one custom-painted widget, no widget per appointment.

Painting reads only the cached ``DayLayout`` and a cache of elided labels, and
draws only what the exposed rectangle needs, so a 40-provider day repaints in
a few milliseconds. Drags are previewed as a ghost block; on release the move
is checked against the day's other appointments (``scheduling.clashes``) and
either refused in plain words (the block stays where it was) or handed to the
view as ``move_requested`` to be written through the store.

Columns never get narrower than a usual client's name: when a practice has
more providers (or rooms) than the width holds, at 150% on a laptop or with a
dozen providers, the grid scrolls sideways a column at a time (Shift+Left and
Shift+Right, Shift with the wheel, or the scroll bar) while the hour gutter and
the column headings stay put, painted in the same pass as the blocks so they
cannot drift apart. The corner above the gutter says which columns are shown
("1–4 of 12").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from medspa_desk.records import Appointment, AppointmentStatus, utc_now
from medspa_desk.scheduling import block_title, clashes, format_span, local_datetime
from ui.qt import (
    QAbstractScrollArea,
    QBrush,
    QColor,
    QContextMenuEvent,
    QEvent,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QResizeEvent,
    QSize,
    QStaticText,
    Qt,
    QTimer,
    QWheelEvent,
    QWidget,
    Signal,
)
from ui.schedule.colors import (
    BLOCKED_FILL,
    BLOCKED_HATCH,
    NOW_LINE_COLOR,
    SELECTION_COLOR,
    STATUS_STYLES,
    status_label,
)
from ui.schedule.layout import HIDDEN_STATUSES, DayLayout, PlacedBlock, PlacedHold
from ui.schedule.model import ColumnMode, ScheduleDay

RESIZE_GRIP_PX = 6
BLOCK_PAD = 4
# A column holds this many average bold characters on a line: a usual client's name, whole.
READABLE_CHARS = 16
# Visits shorter than this (a 5- or 10-minute touch-up) may show as a bar: rows are not grown for them.
SHORTEST_LEGIBLE_VISIT_MIN = 15.0


_BRUSHES = {status: (QBrush(QColor(style.fill)), QBrush(QColor(style.border)))
            for status, style in STATUS_STYLES.items()}
_TEXT_COLOR = QColor(STATUS_STYLES[AppointmentStatus.BOOKED].text)
_DRAGGED_VEIL = QColor(255, 255, 255, 150)
_QUARTER_LINE = QColor("#eceef2")
_HELD_FILL = QColor(BLOCKED_FILL)
_HELD_HATCH = QBrush(QColor(BLOCKED_HATCH), Qt.BrushStyle.BDiagPattern)
_HELD_EDGE = QColor(BLOCKED_HATCH)
_HELD_TEXT = QColor("#2f3540")
_HOUR_LINE = QColor("#c9ced6")


@dataclass
class _PaintedBlock:
    block: PlacedBlock
    rect: QRectF
    bar: QRectF
    status: AppointmentStatus
    lines: list[tuple[bool, QPointF, QStaticText]]  # (the client's, bold), where, what


@dataclass
class _Drag:
    appointment_id: UUID
    resize: bool
    press: QPoint
    started: bool = False
    candidate: Appointment | None = None


def _text_pad(height: float, line_h: int) -> int:
    """The padding above and below a block's text: slim when the rows are fitted tight to the window."""
    return BLOCK_PAD if height >= line_h + 2 * BLOCK_PAD else 1


class ScheduleCanvas(QAbstractScrollArea):
    """The time grid with its sticky column header and hour gutter."""

    appointment_opened = Signal(object)  # UUID
    slot_opened = Signal(object, object)  # column key (provider or room id), UTC start
    move_requested = Signal(object)  # the Appointment as it would be after the move
    move_refused = Signal(str)
    cancel_requested = Signal(object)  # UUID
    selection_changed = Signal(object)  # UUID | None
    visit_menu_requested = Signal(object, object)  # UUID, global QPoint: the visit's steps menu

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Day schedule")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setMouseTracking(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.horizontalScrollBar().setAccessibleName("Scroll the columns")
        self.verticalScrollBar().setAccessibleName("Scroll the day")
        self.horizontalScrollBar().valueChanged.connect(lambda _value: self._describe_columns_shown())
        self._day: ScheduleDay | None = None
        self._mode = ColumnMode.PROVIDERS
        self._privacy = False
        self._layout: DayLayout | None = None
        self._painted: list[_PaintedBlock] | None = None
        self._selected: UUID | None = None
        self._drag: _Drag | None = None
        self._now = utc_now
        self._col_w = 120.0
        self._measure_fonts()
        # The current-time line moves on its own; a minute is precise enough.
        self._clock = QTimer(self)
        self._clock.setInterval(60_000)
        self._clock.timeout.connect(self.viewport().update)
        self._clock.start()

    # --- what to show -------------------------------------------------------------

    def set_day(self, day: ScheduleDay | None) -> None:
        self._day = day
        if day is not None and self._selected and day.appointment(self._selected) is None:
            self._set_selected(None)
        self._drag = None
        self._relayout()

    def set_mode(self, mode: ColumnMode) -> None:
        self._mode = mode
        self._relayout()

    def set_privacy(self, on: bool) -> None:
        self._privacy = on
        self._painted = None
        self._describe_selection()
        self.viewport().update()

    def set_clock(self, now: object) -> None:
        """Replace the clock the current-time line reads (screenshots, tests of 'now')."""
        self._now = now  # type: ignore[assignment]
        self.viewport().update()

    @property
    def day(self) -> ScheduleDay | None:
        return self._day

    @property
    def layout_cache(self) -> DayLayout | None:
        return self._layout

    @property
    def mode(self) -> ColumnMode:
        return self._mode

    @property
    def selected(self) -> UUID | None:
        return self._selected

    def select(self, appointment_id: UUID | None) -> None:
        self._set_selected(appointment_id)
        self._ensure_visible(appointment_id)

    # --- geometry ---------------------------------------------------------------------

    def _measure_fonts(self) -> None:
        base = self.font()
        self._font = QFont(base)
        self._bold = QFont(base)
        self._bold.setBold(True)
        self._fm = QFontMetrics(self._font)
        self._fm_bold = QFontMetrics(self._bold)
        self._line_h = self._fm_bold.height()
        self._header_h = self._header_height(title_lines=1)
        self._gutter_w = self._fm.horizontalAdvance("12 AM") + 16
        # The block's text starts BLOCK_PAD + 4 in from a rectangle 4 narrower than the column.
        self._min_col_w = max(self._fm_bold.averageCharWidth() * READABLE_CHARS + 2 * BLOCK_PAD + 8, 110)
        # Roomy: a 30-minute appointment (the usual visit) holds its three lines whole. Legible (per day,
        # ``_legible_for_day``), the least the rows shrink to so the working day fits the window: the day's
        # shortest visit still holds its client's name (with a slim padding, ``_text_pad``).
        self._roomy_px_per_min = max(1.5, (self._line_h * 3 + 2 * BLOCK_PAD + 2) / 30)
        self._px_per_min = self._roomy_px_per_min

    def _header_height(self, *, title_lines: int) -> int:
        return self._line_h * (title_lines + 1) + 10

    def _title_lines(self, title: str, avail: int) -> list[str]:
        """A column's name on one line, or broken at a space onto two (the second elided if need be)."""
        fm = self._fm_bold
        if fm.horizontalAdvance(title) <= avail:
            return [title]
        words = title.split()
        first = ""
        for count in range(len(words) - 1, 0, -1):
            candidate = " ".join(words[:count])
            if fm.horizontalAdvance(candidate) <= avail:
                first = candidate
                break
        if not first:
            return [fm.elidedText(title, Qt.TextElideMode.ElideRight, avail)]
        rest = title[len(first):].strip()
        return [first, fm.elidedText(rest, Qt.TextElideMode.ElideRight, avail)]

    def _relayout(self) -> None:
        self._painted = None
        if self._day is None:
            self._layout = None
        else:
            self._px_per_min = self._fitted_px_per_min()
            self._layout = DayLayout.build(self._day, mode=self._mode, px_per_min=self._px_per_min)
        self._update_geometry()
        self.viewport().update()

    def working_hours(self) -> tuple[datetime, datetime] | None:
        """The day's opening hours, first opening to last closing (None on a closed day)."""
        day = self._day
        periods = [h for h in day.location.opening_hours if h.weekday == day.day.weekday()] if day else []
        if day is None or not periods:
            return None
        return (min(local_datetime(day.day, p.opens, day.zone) for p in periods),
                max(local_datetime(day.day, p.closes, day.zone) for p in periods))

    def shows_working_day(self) -> bool:
        """Does the whole working day fit the window at the rows' height (no scrolling needed)?"""
        hours = self.working_hours()
        if hours is None or self._layout is None:
            return False
        grid = self._layout.grid
        return grid.y_at(hours[1]) - grid.y_at(hours[0]) <= self.viewport().height() - self._header_h

    def _legible_for_day(self) -> float:
        """The least the rows shrink to on this day: its shortest visit (of 15 to 30 minutes) still holds its
        client's name. A 15-minute visit at the 30-minute scale was a bar too thin for any text at 150 %."""
        shown = [a for a in self._day.appointments if a.status not in HIDDEN_STATUSES] if self._day else []
        shortest = min(((a.ends_at - a.starts_at).total_seconds() / 60 for a in shown), default=30.0)
        return (self._line_h + 4) / max(SHORTEST_LEGIBLE_VISIT_MIN, min(30.0, shortest))

    def _fitted_px_per_min(self) -> float:
        """Rows as tall as lets the working day fit the window without scrolling, between legible and
        roomy: a long day on a short screen stays legible (and scrolls); a short one is never stretched."""
        legible = self._legible_for_day()
        roomy = max(self._roomy_px_per_min, legible)
        hours = self.working_hours()
        if hours is None:
            return roomy
        minutes = (hours[1] - hours[0]).total_seconds() / 60
        visible_h = self.viewport().height() - self._header_h - 2
        if minutes <= 0 or visible_h <= 0:
            return roomy
        return max(legible, min(roomy, visible_h / minutes))

    def _update_geometry(self) -> None:
        columns = len(self._layout.columns) if self._layout else 0
        available = max(1, self.viewport().width() - self._gutter_w)
        width = max(self._min_col_w, available / columns) if columns else available
        if abs(width - self._col_w) > 0.5:
            self._painted = None
        self._col_w = width
        # Two lines for the names when one of them does not fit the column on one.
        avail = int(width) - 12
        titles = self._layout.columns if self._layout else ()
        wrap = any(self._fm_bold.horizontalAdvance(c.title) > avail for c in titles)
        self._header_h = self._header_height(title_lines=2 if wrap else 1)
        content_w = columns * width
        content_h = self._layout.grid.height if self._layout else 0
        self.horizontalScrollBar().setRange(0, max(0, int(content_w - available)))
        self.horizontalScrollBar().setPageStep(int(available))
        self.horizontalScrollBar().setSingleStep(int(width))
        visible_h = max(1, self.viewport().height() - self._header_h)
        self.verticalScrollBar().setRange(0, max(0, int(content_h - visible_h)))
        self.verticalScrollBar().setPageStep(visible_h)
        self.verticalScrollBar().setSingleStep(int(self._px_per_min * 15))
        self._describe_columns_shown()

    def sizeHint(self) -> QSize:
        return QSize(900, 600)

    def columns_shown(self) -> range:
        """The columns wholly in view (at least the one at the left edge, however narrow the grid)."""
        count = len(self._layout.columns) if self._layout else 0
        if not count:
            return range(0)
        left = self.horizontalScrollBar().value() / self._col_w
        right = left + max(1, self.viewport().width() - self._gutter_w) / self._col_w
        # A scroll value is whole pixels, a column edge may not be: a hundredth of a column is an edge.
        first = min(count - 1, math.ceil(left - 0.01))
        last = max(first, min(count - 1, math.floor(right + 0.01) - 1))
        return range(first, last + 1)

    def scroll_columns(self, step: int) -> None:
        """Scroll sideways by ``step`` columns, landing with a whole column at the left edge."""
        bar = self.horizontalScrollBar()
        left = bar.value() / self._col_w
        edge = math.floor(left + 0.01) if step > 0 else math.ceil(left - 0.01)
        bar.setValue(round((edge + step) * self._col_w))

    def _describe_columns_shown(self) -> None:
        """The scroll bar tells a screen reader which columns are in view, as the corner shows."""
        count = len(self._layout.columns) if self._layout else 0
        shown = self.columns_shown()
        kind = "rooms" if self._mode is ColumnMode.ROOMS else "providers"
        self.horizontalScrollBar().setAccessibleDescription(
            f"Showing {kind} {shown.start + 1} to {shown.stop} of {count}. Shift+Left and Shift+Right "
            "scroll a column at a time." if shown else "")

    def _origin(self) -> tuple[float, float]:
        """Viewport position of content (0, 0)."""
        return (self._gutter_w - self.horizontalScrollBar().value(),
                self._header_h - self.verticalScrollBar().value())

    def block_rect(self, block: PlacedBlock) -> QRectF:
        """Where a block is drawn, in viewport coordinates."""
        ox, oy = self._origin()
        lane_w = self._col_w / block.lanes
        x = ox + block.column * self._col_w + block.lane * lane_w
        return QRectF(x + 2, oy + block.top + 1, lane_w - 4, max(4.0, block.bottom - block.top - 2))

    def block_at(self, pos: QPoint) -> tuple[PlacedBlock | None, bool]:
        """The block under ``pos`` and whether ``pos`` is on its bottom (resize) edge."""
        if self._layout is None or pos.y() < self._header_h or pos.x() < self._gutter_w:
            return None, False
        for block in self._layout.blocks:
            rect = self.block_rect(block)
            if rect.contains(pos.x(), pos.y()):
                return block, rect.bottom() - pos.y() <= RESIZE_GRIP_PX
        return None, False

    def text_at(self, pos: QPoint, block: PlacedBlock | None = None) -> str:
        """The whole text of what is under ``pos`` (a block, or a column heading): its tooltip."""
        if block is not None:
            return self.appointment_text(block.appointment_id)
        for held in self._layout.held if self._layout else ():
            if self.held_rect(held).contains(pos.x(), pos.y()) and pos.y() >= self._header_h:
                return self.held_text(held)
        column = self._column_at(pos.x()) if pos.y() < self._header_h and pos.x() >= self._gutter_w else None
        if column is None or self._layout is None:
            return ""
        info = self._layout.columns[column]
        return f"{info.title}\n{info.subtitle}" if info.subtitle else info.title

    def _column_at(self, x: float) -> int | None:
        if self._layout is None:
            return None
        ox, _ = self._origin()
        column = int((x - ox) // self._col_w)
        return column if 0 <= column < len(self._layout.columns) else None

    def scroll_to_time(self, instant: datetime) -> None:
        if self._layout is not None:
            self.verticalScrollBar().setValue(int(self._layout.grid.y_at(instant)))

    def _ensure_visible(self, appointment_id: UUID | None) -> None:
        block = self._layout.block(appointment_id) if self._layout and appointment_id else None
        if block is None:
            return
        visible_h = self.viewport().height() - self._header_h
        bar = self.verticalScrollBar()
        if block.top < bar.value() or block.bottom > bar.value() + visible_h:
            bar.setValue(int(block.top - self._line_h * 2))
        hbar = self.horizontalScrollBar()
        left = block.column * self._col_w
        visible_w = self.viewport().width() - self._gutter_w
        if left < hbar.value() or left + self._col_w > hbar.value() + visible_w:
            hbar.setValue(int(left))

    # --- painting -----------------------------------------------------------------------

    def _block_lines(self, block: PlacedBlock, width: float, *, max_lines: int = 0) -> list[str]:
        """Client, service, room and time, most important first, each elided to the block's width.

        Time and room share a line when both fit; otherwise the room keeps its own line and the time
        (which the block's place on the grid already shows) goes last, the first to be dropped when
        the block is short. A client's name too long for one line wraps onto a second when the block
        has ``max_lines`` for it besides service and room. The whole text is in the tooltip and the
        accessible description.
        """
        return [text for _bold, text in self._block_label(block, width, max_lines=max_lines)]

    def _block_label(self, block: PlacedBlock, width: float, *, max_lines: int = 0) -> list[tuple[bool, str]]:
        """The lines of ``_block_lines``, each with whether it is the client's (bold)."""
        day = self._day
        appt = day.appointment(block.appointment_id) if day else None
        if appt is None or day is None:
            return []
        avail = int(width) - 2 * BLOCK_PAD - 4
        span = format_span(appt.starts_at, appt.ends_at, day.zone)
        place = self._place_of(appt)
        together = f"{span} · {place}"
        client = day.client_label(appt.client_id, privacy=self._privacy)
        others = [day.service_name(appt)]
        others += [together] if self._fm.horizontalAdvance(together) <= avail else [place, span]
        # Room for service and room (or "time · room") under a two-line name: wrap it.
        wrap = max_lines >= 4
        names = (self._title_lines(client, avail) if wrap
                 else [self._fm_bold.elidedText(client, Qt.TextElideMode.ElideRight, avail)])
        return [(True, name) for name in names] + [
            (False, self._fm.elidedText(t, Qt.TextElideMode.ElideRight, avail)) for t in others]

    def _place_of(self, appt: Appointment) -> str:
        """The other axis of the grid: the room in provider columns, the provider in room columns."""
        assert self._day is not None
        return (self._day.room_name(appt.room_id) if self._mode is ColumnMode.PROVIDERS
                else self._day.provider_name(appt.provider_id))

    def appointment_text(self, appointment_id: UUID) -> str:
        """Everything a block says, unelided, one part a line (its tooltip)."""
        day = self._day
        appt = day.appointment(appointment_id) if day else None
        if appt is None or day is None:
            return ""
        # The booking's notes may name the client: left out while privacy mode hides names.
        notes = () if self._privacy or not appt.notes.strip() else (f"Notes: {appt.notes.strip()}",)
        return "\n".join((day.client_label(appt.client_id, privacy=self._privacy), day.service_name(appt),
                          f"{format_span(appt.starts_at, appt.ends_at, day.zone)}",
                          f"{day.room_name(appt.room_id)} · {day.provider_name(appt.provider_id)}",
                          status_label(appt.status), *notes))

    def _painted_blocks(self) -> list[_PaintedBlock]:
        """Every block's rectangle and prepared label lines in content coordinates, built once per
        layout, column width, mode and privacy setting: painting then only blits."""
        if self._painted is not None:
            return self._painted
        day, layout = self._day, self._layout
        painted: list[_PaintedBlock] = []
        if day is None or layout is None:
            return painted
        for block in layout.blocks:
            appt = day.appointment(block.appointment_id)
            if appt is None:
                continue
            lane_w = self._col_w / block.lanes
            rect = QRectF(block.column * self._col_w + block.lane * lane_w + 2, block.top + 1, lane_w - 4,
                          max(4.0, block.bottom - block.top - 2))
            lines: list[tuple[bool, QPointF, QStaticText]] = []
            pad = _text_pad(rect.height(), self._line_h)
            y = rect.top() + pad
            bottom = rect.bottom() - pad + 1
            max_lines = int((bottom - y) // self._line_h)
            for bold, text in self._block_label(block, rect.width(), max_lines=max_lines):
                # A line is drawn only if it fits whole: never clipped mid-glyph.
                h = self._line_h if bold else self._fm.height()
                if y + h > bottom:
                    break
                static = QStaticText(text)
                static.setTextFormat(Qt.TextFormat.PlainText)
                static.prepare(font=self._bold if bold else self._font)
                lines.append((bold, QPointF(rect.left() + BLOCK_PAD + 4, y), static))
                y += h
            painted.append(_PaintedBlock(block, rect, QRectF(rect.left(), rect.top(), 4, rect.height()),
                                         appt.status, lines))
        self._painted = painted
        return painted

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self.viewport())
        try:
            self.paint_into(painter, event.rect())
        finally:
            painter.end()

    def paint_into(self, painter: QPainter, exposed: QRect) -> None:
        """Paint the exposed part of the viewport (also used by the benchmark)."""
        painter.fillRect(exposed, QColor("#ffffff"))
        layout = self._layout
        if layout is None or self._day is None:
            painter.setPen(QColor("#444a55"))
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, "Loading the day…")
            return
        ox, oy = self._origin()
        width = self.viewport().width()
        height = self.viewport().height()
        first_col = max(0, int((self._gutter_w - ox) // self._col_w))
        last_col = min(len(layout.columns) - 1, int((width - ox) // self._col_w))
        self._paint_closed_hours(painter, ox, oy, width)
        quarter = 15 * self._px_per_min
        y_first = max(0, int((self._header_h - oy) // quarter))
        y_last = int((height - oy) // quarter) + 1
        # Lines as 1-pixel rectangles: a solid fill is the cheapest thing a raster painter does.
        hours: list[QRectF] = []
        quarters: list[QRectF] = []
        for i in range(y_first, min(y_last, int(layout.grid.height / quarter)) + 1):
            y = int(oy + i * quarter)
            (hours if i % 4 == 0 else quarters).append(QRectF(self._gutter_w, y, width - self._gutter_w, 1))
        hours += [QRectF(int(ox + c * self._col_w), self._header_h, 1, height - self._header_h)
                  for c in range(first_col, last_col + 2)]
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_QUARTER_LINE)
        painter.drawRects(quarters)
        painter.setBrush(_HOUR_LINE)
        painter.drawRects(hours)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        self._paint_held(painter, width, height)
        self._paint_blocks(painter, ox, oy, width, height)
        self._paint_now_line(painter, oy, width)
        self._paint_ghost(painter)
        self._paint_header(painter, first_col, last_col, ox, width)
        self._paint_gutter(painter, oy, height)

    def _paint_closed_hours(self, painter: QPainter, ox: float, oy: float, width: int) -> None:
        day = self._day
        layout = self._layout
        assert day is not None and layout is not None
        periods = [h for h in day.location.opening_hours if h.weekday == day.day.weekday()]
        shade = QColor("#f4f5f7")
        left = int(self._gutter_w)
        if not periods:
            painter.fillRect(QRectF(left, oy, width - left, layout.grid.height), shade)
            return
        edges = [0.0]
        for period in sorted(periods, key=lambda p: p.opens):
            edges += [layout.grid.y_at(local_datetime(day.day, period.opens, day.zone)),
                      layout.grid.y_at(local_datetime(day.day, period.closes, day.zone))]
        edges.append(layout.grid.height)
        for top, bottom in zip(edges[::2], edges[1::2], strict=True):
            if bottom > top:
                painter.fillRect(QRectF(left, oy + top, width - left, bottom - top), shade)

    def held_rect(self, held: PlacedHold) -> QRectF:
        """Where blocked time is drawn, in viewport coordinates: its column's whole width."""
        ox, oy = self._origin()
        return QRectF(ox + held.column * self._col_w + 1, oy + held.top, self._col_w - 2, held.bottom - held.top)

    def held_text(self, held: PlacedHold) -> str:
        """What blocked time says: "Break 12:00–1:00 PM", and the staff note when there is one."""
        day = self._day
        span = format_span(held.block.starts_at, held.block.ends_at, day.zone) if day else ""
        note = f" · {held.block.note}" if held.block.note else ""
        return f"{block_title(held.block.kind)} {span}{note}"

    def _paint_held(self, painter: QPainter, width: int, height: int) -> None:
        """Blocked time as a hatched band across its column, titled, under any visit still in it."""
        layout = self._layout
        if layout is None or not layout.held:
            return
        painter.save()
        painter.setClipRect(QRectF(self._gutter_w, self._header_h, width - self._gutter_w, height - self._header_h))
        painter.setFont(self._font)
        for held in layout.held:
            rect = self.held_rect(held)
            painter.fillRect(rect, _HELD_FILL)
            painter.fillRect(rect, _HELD_HATCH)
            painter.setPen(_HELD_EDGE)
            painter.drawRect(rect.adjusted(0, 0, -1, -1))
            if rect.height() >= self._fm.height() + 2:
                painter.setPen(_HELD_TEXT)
                text = self._fm.elidedText(self.held_text(held), Qt.TextElideMode.ElideRight, int(rect.width()) - 8)
                painter.drawText(rect.adjusted(4, 1, -4, 0),
                                 int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), text)
        painter.restore()

    def _paint_blocks(self, painter: QPainter, ox: float, oy: float, width: int, height: int) -> None:
        """Fills, bars and borders batched per status, then labels batched per font."""
        visible = QRectF(self._gutter_w - ox, self._header_h - oy, width - self._gutter_w, height - self._header_h)
        shown = [b for b in self._painted_blocks() if b.rect.intersects(visible)]
        dragged = self._drag.appointment_id if self._drag and self._drag.started else None
        painter.save()
        painter.translate(ox, oy)
        painter.setClipRect(visible)
        by_status: dict[AppointmentStatus, list[_PaintedBlock]] = {}
        for painted in shown:
            by_status.setdefault(painted.status, []).append(painted)
        for status, group in by_status.items():
            fill, border = _BRUSHES[status]
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRects([b.rect for b in group])
            painter.setBrush(border)
            painter.drawRects([b.bar for b in group])
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(border.color())
            painter.drawRects([b.rect.adjusted(0, 0, -1, -1) for b in group])
        painter.setPen(_TEXT_COLOR)
        for bold, font in ((True, self._bold), (False, self._font)):
            painter.setFont(font)
            for painted in shown:
                for clients, point, static in painted.lines:
                    if clients == bold:
                        painter.drawStaticText(point, static)
        for painted in shown:
            if painted.block.appointment_id == dragged:
                painter.fillRect(painted.rect, _DRAGGED_VEIL)
            if painted.block.appointment_id == self._selected:
                painter.setPen(QPen(QColor(SELECTION_COLOR), 3))
                painter.drawRect(painted.rect.adjusted(1, 1, -1, -1))
        painter.restore()
        painter.setFont(self._font)

    def _paint_now_line(self, painter: QPainter, oy: float, width: int) -> None:
        layout = self._layout
        assert layout is not None
        now = self._now()
        if not layout.grid.start <= now < layout.grid.end:
            return
        y = oy + layout.grid.y_at(now)
        if y < self._header_h:
            return
        painter.setPen(QPen(QColor(NOW_LINE_COLOR), 2))
        painter.drawLine(int(self._gutter_w), int(y), width, int(y))
        painter.setBrush(QColor(NOW_LINE_COLOR))
        painter.drawEllipse(QRectF(self._gutter_w - 5, y - 5, 10, 10))
        painter.setBrush(Qt.BrushStyle.NoBrush)

    def _paint_ghost(self, painter: QPainter) -> None:
        drag = self._drag
        if drag is None or not drag.started or drag.candidate is None or self._layout is None:
            return
        column = self._layout_column_of(drag.candidate)
        if column is None:
            return
        grid = self._layout.grid
        ghost = PlacedBlock(drag.appointment_id, column, 0, 1, grid.y_at(drag.candidate.starts_at),
                            grid.y_at(drag.candidate.ends_at))
        rect = self.block_rect(ghost)
        painter.setPen(QPen(QColor(SELECTION_COLOR), 2, Qt.PenStyle.DashLine))
        painter.fillRect(rect, QColor(255, 255, 255, 200))
        painter.drawRect(rect)
        painter.setPen(QColor("#16181d"))
        painter.setFont(self._bold)
        label = format_span(drag.candidate.starts_at, drag.candidate.ends_at, grid.zone)
        if rect.height() >= self._line_h:
            painter.drawText(int(rect.left()) + BLOCK_PAD + 4, int(rect.top() + BLOCK_PAD + self._fm_bold.ascent()),
                             label)
        painter.setFont(self._font)

    def _paint_header(self, painter: QPainter, first_col: int, last_col: int, ox: float, width: int) -> None:
        layout = self._layout
        assert layout is not None
        painter.fillRect(QRectF(0, 0, width, self._header_h), QColor("#f7f8fa"))
        painter.setPen(QColor("#c9ced6"))
        painter.drawLine(0, self._header_h - 1, width, self._header_h - 1)
        for column in range(first_col, last_col + 1):
            info = layout.columns[column]
            x = ox + column * self._col_w
            avail = int(self._col_w) - 12
            painter.setPen(QColor("#16181d"))
            painter.setFont(self._bold)
            for row, line in enumerate(self._title_lines(info.title, avail)):
                painter.drawText(int(x) + 6, 5 + row * self._line_h + self._fm_bold.ascent(), line)
            painter.setFont(self._font)
            painter.setPen(QColor("#4a5160"))
            painter.drawText(int(x) + 6, self._header_h - 5 - self._line_h + self._fm.ascent(),
                             self._fm.elidedText(info.subtitle, Qt.TextElideMode.ElideRight, avail))
            painter.setPen(QColor("#c9ced6"))
            painter.drawLine(int(x), 0, int(x), self._header_h)

    def _paint_gutter(self, painter: QPainter, oy: float, height: int) -> None:
        layout = self._layout
        assert layout is not None
        painter.fillRect(QRectF(0, self._header_h, self._gutter_w, height), QColor("#f7f8fa"))
        painter.setPen(QColor("#3d4350"))
        painter.setFont(self._font)
        for mark in layout.grid.hours:
            y = oy + mark.y
            if y + self._line_h < self._header_h or y > height:
                continue
            if y < self._header_h:
                continue
            painter.drawText(QRectF(0, y + 2, self._gutter_w - 8, self._line_h),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop), mark.label)
        painter.fillRect(QRectF(0, 0, self._gutter_w, self._header_h), QColor("#f7f8fa"))
        self._paint_columns_shown(painter)
        painter.setPen(QColor("#c9ced6"))
        painter.drawLine(int(self._gutter_w) - 1, 0, int(self._gutter_w) - 1, height)

    def columns_shown_label(self) -> list[str]:
        """What the corner says when not every column fits: "1–4" over "of 12"; nothing otherwise."""
        count = len(self._layout.columns) if self._layout else 0
        shown = self.columns_shown()
        if self.horizontalScrollBar().maximum() == 0 or not shown:
            return []
        first, last = shown.start + 1, shown.stop
        return [f"{first}–{last}" if last > first else f"{first}", f"of {count}"]

    def _paint_columns_shown(self, painter: QPainter) -> None:
        lines = self.columns_shown_label()
        if not lines:
            return
        painter.setPen(QColor("#4a5160"))
        painter.setFont(self._font)
        for row, line in enumerate(lines):
            painter.drawText(QRectF(0, 5 + row * self._line_h, self._gutter_w - 8, self._line_h),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop), line)

    # --- mouse ---------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        self.setFocus()
        block, on_edge = self.block_at(event.position().toPoint())
        self._set_selected(block.appointment_id if block else None)
        self._drag = _Drag(block.appointment_id, on_edge, event.position().toPoint()) if block else None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        drag = self._drag
        if drag is None:
            block, on_edge = self.block_at(pos)
            self.viewport().setCursor(Qt.CursorShape.SizeVerCursor if on_edge else Qt.CursorShape.ArrowCursor)
            self.viewport().setToolTip(self.text_at(pos, block))
            return
        if not drag.started and (pos - drag.press).manhattanLength() < 4:
            return
        drag.started = True
        drag.candidate = self._candidate_for(drag, pos)
        self.viewport().update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, self._drag = self._drag, None
        if drag is None or not drag.started:
            return
        candidate = self._candidate_for(drag, event.position().toPoint())
        self.viewport().update()
        if candidate is not None:
            self.propose_move(candidate)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        block, _ = self.block_at(pos)
        if block is not None:
            self.appointment_opened.emit(block.appointment_id)
            return
        column = self._column_at(pos.x())
        if column is None or self._layout is None or pos.y() < self._header_h:
            return
        _, oy = self._origin()
        start = self._layout.grid.instant_at(pos.y() - oy - self._px_per_min * 7, snap_min=15)
        self.slot_opened.emit(self._layout.columns[column].key, start)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        """Right-click (or the menu key) on a block: its status steps, through the day view."""
        block, _ = self.block_at(event.pos())
        appointment_id = block.appointment_id if block else self._selected
        if appointment_id is None:
            return
        self._set_selected(appointment_id)
        self.visit_menu_requested.emit(appointment_id, event.globalPos())

    def _candidate_for(self, drag: _Drag, pos: QPoint) -> Appointment | None:
        day, layout = self._day, self._layout
        original = day.appointment(drag.appointment_id) if day else None
        if original is None or layout is None:
            return None
        grid = layout.grid
        if drag.resize:
            _, oy = self._origin()
            end = grid.instant_at(pos.y() - oy)
            end = max(end, original.starts_at + timedelta(minutes=5))
            return original.model_copy(update={"ends_at": end})
        delta = grid.snap_delta(pos.y() - drag.press.y())
        length = original.ends_at - original.starts_at
        start = min(max(original.starts_at + delta, grid.start), grid.end - length)
        update: dict[str, object] = {"starts_at": start, "ends_at": start + length}
        column = self._column_at(pos.x())
        if column is not None:
            key = layout.columns[column].key
            update["room_id" if self._mode is ColumnMode.ROOMS else "provider_id"] = key
        return original.model_copy(update=update)

    def _layout_column_of(self, appt: Appointment) -> int | None:
        assert self._layout is not None
        key = appt.room_id if self._mode is ColumnMode.ROOMS else appt.provider_id
        return next((i for i, c in enumerate(self._layout.columns) if c.key == key), None)

    def propose_move(self, candidate: Appointment) -> None:
        """Refuse a move that overlaps (the block stays put, the reason is shown), else request it."""
        day = self._day
        if day is None:
            return
        original = day.appointment(candidate.id)
        if original is None or (original.starts_at, original.ends_at, original.provider_id, original.room_id) == (
                candidate.starts_at, candidate.ends_at, candidate.provider_id, candidate.room_id):
            return
        found = clashes(candidate, day.appointments, zone=day.zone,
                        service_names={k: s.name for k, s in day.services.items()},
                        room_names={r.id: r.name for r in day.rooms})
        if found:
            self.move_refused.emit(f"Can't move the appointment there. {found[0].message}")
            return
        self.move_requested.emit(candidate)

    # --- keyboard ------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        modifiers = event.modifiers()
        arrows = {Qt.Key.Key_Up: "up", Qt.Key.Key_Down: "down", Qt.Key.Key_Left: "left",
                  Qt.Key.Key_Right: "right"}
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and modifiers & Qt.KeyboardModifier.ShiftModifier:
            self.scroll_columns(1 if key == Qt.Key.Key_Right else -1)
            return
        if key in arrows and not modifiers & Qt.KeyboardModifier.ControlModifier and self._layout:
            self.select(self._layout.neighbour(self._selected, key=arrows[key]))
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._selected:
            self.appointment_opened.emit(self._selected)
            return
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self._selected:
            self.cancel_requested.emit(self._selected)
            return
        if key == Qt.Key.Key_Escape and self._drag is not None:
            self._drag = None
            self.viewport().update()
            return
        super().keyPressEvent(event)

    # --- selection -----------------------------------------------------------------------

    def _set_selected(self, appointment_id: UUID | None) -> None:
        if appointment_id == self._selected:
            return
        self._selected = appointment_id
        self._describe_selection()
        self.selection_changed.emit(appointment_id)
        self.viewport().update()

    def _describe_selection(self) -> None:
        """Screen readers hear the selected appointment, since it is painted, not a widget."""
        day = self._day
        appt = day.appointment(self._selected) if day and self._selected else None
        if appt is None or day is None:
            self.setAccessibleDescription("No appointment selected. Use the arrow keys to move between appointments, "
                                          "Shift+Left and Shift+Right to scroll the columns.")
            return
        self.setAccessibleDescription(
            f"{format_span(appt.starts_at, appt.ends_at, day.zone)}, "
            f"{day.client_label(appt.client_id, privacy=self._privacy)}, {day.service_name(appt)}, "
            f"{day.room_name(appt.room_id)}, {status_label(appt.status)}")

    # --- size -----------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # Refitted whenever the grid's height changes (the window, the first-sync page, a message above it).
        if self._layout is not None and abs(self._fitted_px_per_min() - self._px_per_min) > 0.005:
            top = self._layout.grid.instant_at(self.verticalScrollBar().value(), snap_min=1)
            self._relayout()  # the rows follow the window's height; the hour at the top stays there
            self.scroll_to_time(top)
            return
        self._update_geometry()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        self.viewport().update()

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Shift with the wheel scrolls the columns, as in a spreadsheet; a sideways wheel does anyway."""
        delta = event.angleDelta()
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier and delta.x() == 0 and delta.y():
            self.scroll_columns(-1 if delta.y() > 0 else 1)
            event.accept()
            return
        super().wheelEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._measure_fonts()
            self._relayout()

    def now(self) -> datetime:
        return self._now()
