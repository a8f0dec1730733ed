"""The flow board: who is due, who is waiting and for how long, who is in which room.

The board is the narrow right-hand panel of the day screen, about a quarter of a
1366-pixel window and less at 125% or 150% scaling, so its rows are two lines
and its columns are few: the time; the client over the service and provider;
the status over the minutes ("Waiting" over "12 min"). Text wraps at words and
rows grow to fit, so nothing is cut or elided, whatever the width; each row's
tooltip says the whole of it in a sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from medspa_desk.records import Appointment, AppointmentStatus, utc_now
from medspa_desk.scheduling import format_time
from ui.qt import (
    QAbstractItemView,
    QApplication,
    QEvent,
    QFont,
    QFontMetrics,
    QHeaderView,
    QLabel,
    QModelIndex,
    QObject,
    QPainter,
    QPalette,
    QPoint,
    QRect,
    QResizeEvent,
    QSize,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.schedule.model import ScheduleDay

LATE_AFTER_MIN = 10
_STAGE_ORDER = {"waiting": 0, "in_room": 1, "checkout": 2, "late": 3, "due": 4}


@dataclass(frozen=True)
class FlowRow:
    appointment_id: UUID
    stage: str  # waiting, in_room, checkout (treatment done), late, due
    time: str
    client: str
    service: str
    provider: str
    minutes: int  # waiting / in room for, or late by; 0 for due
    starts_at: datetime
    room: str = ""

    @property
    def status_lines(self) -> tuple[str, ...]:
        """What the Status column shows: the stage (or the room) over the minutes."""
        if self.stage == "due":
            return ("Due",)
        label = {"waiting": "Waiting", "late": "Late", "in_room": self.room,
                 "checkout": "Ready for checkout"}[self.stage]
        return (label, short_duration(self.minutes))

    @property
    def visit_line(self) -> str:
        return f"{self.service} · {self.provider}"

    @property
    def sentence(self) -> str:
        """The row in words, for the tooltip and a screen reader."""
        doing = {"due": f"due at {self.time}",
                 "late": f"booked for {self.time}, late by {_plural_minutes(self.minutes)}",
                 "waiting": f"booked for {self.time}, waiting for {_plural_minutes(self.minutes)}",
                 "in_room": f"booked for {self.time}, in {self.room} for {_plural_minutes(self.minutes)}",
                 "checkout": f"booked for {self.time}, ready for checkout for {_plural_minutes(self.minutes)}",
                 }[self.stage]
        return f"{self.client}: {self.service} with {self.provider}, {doing}."


def short_duration(minutes: int) -> str:
    """For the board: "12 min", "2 h", "2 h 5 min" (a late morning booking is not "831 min")."""
    hours, rest = divmod(max(0, minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" if not rest else f"{hours} h {rest} min"


def _plural_minutes(minutes: int) -> str:
    """For the tooltip, in words: "1 minute", "12 minutes", "2 hours 5 minutes"."""
    hours, rest = divmod(max(0, minutes), 60)
    parts = ([f"{hours} hour" + ("s" if hours != 1 else "")] if hours else []) + (
        [f"{rest} minute" + ("s" if rest != 1 else "")] if rest or not hours else [])
    return " ".join(parts)


def _since(appt: Appointment, status: AppointmentStatus) -> datetime | None:
    return next((c.at for c in reversed(appt.history) if c.status is status), None)


def _minutes(since: datetime | None, now: datetime) -> int:
    return max(0, int((now - since).total_seconds() // 60)) if since else 0


def flow_rows(day: ScheduleDay, *, now: datetime, privacy: bool) -> list[FlowRow]:
    """The board's rows: waiting longest first, then in a room, then late, then due by time."""
    rows = []
    for appt in day.appointments:
        if appt.status in (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED):
            late = _minutes(appt.starts_at, now) if now > appt.starts_at else 0
            stage = "late" if late >= LATE_AFTER_MIN else "due"
            minutes = late if stage == "late" else 0
        elif appt.status is AppointmentStatus.ARRIVED:
            stage, minutes = "waiting", _minutes(_since(appt, AppointmentStatus.ARRIVED), now)
        elif appt.status is AppointmentStatus.IN_ROOM:
            stage, minutes = "in_room", _minutes(_since(appt, AppointmentStatus.IN_ROOM), now)
        elif appt.status is AppointmentStatus.COMPLETED:
            # Treated, not yet gone: the desk still has to take payment and book the next visit.
            stage, minutes = "checkout", _minutes(_since(appt, AppointmentStatus.COMPLETED), now)
        else:
            continue
        rows.append(FlowRow(appointment_id=appt.id, stage=stage, time=format_time(appt.starts_at, day.zone),
                            client=day.client_label(appt.client_id, privacy=privacy),
                            service=day.service_name(appt),
                            provider=day.provider_name(appt.provider_id), minutes=minutes,
                            starts_at=appt.starts_at,
                            room=day.room_name(appt.room_id) if stage == "in_room" else ""))
    rows.sort(key=lambda r: (_STAGE_ORDER[r.stage], -r.minutes if r.stage == "waiting" else 0, r.starts_at))
    return rows


WRAP = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
# Space between a cell's text and its edges (the style's own text margin is 3 to 4 pixels).
CELL_PAD_X, CELL_PAD_Y = 4, 2


def weighted(font: QFont, *, bold: bool) -> QFont:
    copy = QFont(font)
    copy.setBold(bold)
    return copy


class ClientOverVisit(QStyledItemDelegate):
    """The client's name in bold over the service and provider; each wraps at words, never elides."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Per view font: (bold, its metrics), (regular, its metrics). Sizing 300 rows made
        # 1,200 fonts and metrics objects per refresh before this.
        self._fonts: dict[str, tuple[tuple[QFont, QFontMetrics], tuple[QFont, QFontMetrics]]] = {}

    def _styles(self, font: QFont) -> tuple[tuple[QFont, QFontMetrics], tuple[QFont, QFontMetrics]]:
        key = font.key()
        if key not in self._fonts:
            bold, regular = weighted(font, bold=True), weighted(font, bold=False)
            self._fonts[key] = ((bold, QFontMetrics(bold)), (regular, QFontMetrics(regular)))
        return self._fonts[key]

    def _lines(self, font: QFont, text: str, width: int) -> list[tuple[QFont, str, int, int]]:
        """Each line: its font, its text, its width on one line, its height wrapped to ``width``."""
        first, _, rest = text.partition("\n")
        (bold, bold_metrics), (regular, regular_metrics) = self._styles(font)
        parts = [(bold, bold_metrics, first)] + ([(regular, regular_metrics, rest)] if rest else [])
        lines = []
        for f, metrics, line in parts:
            advance = metrics.horizontalAdvance(line)
            fits = width <= 0 or advance <= width  # the common case: no wrapping to lay out
            height = metrics.height() if fits else metrics.boundingRect(
                QRect(0, 0, width, 100_000), WRAP, line).height()
            lines.append((f, line, advance, height))
        return lines

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        # The view hands the column's width when it sizes rows (word wrap on); otherwise one line each.
        lines = self._lines(option.font, text, option.rect.width() - 2 * CELL_PAD_X)
        return QSize(max(line[2] for line in lines) + 2 * CELL_PAD_X,
                     sum(line[3] for line in lines) + 2 * CELL_PAD_Y)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""  # the style draws the background, selection and focus; the lines are drawn below
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")  # opt.text has U+2028 for "\n"
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        area = opt.rect.adjusted(CELL_PAD_X, CELL_PAD_Y, -CELL_PAD_X, -CELL_PAD_Y)
        painter.save()
        painter.setPen(opt.palette.color(role))
        y = area.top()
        for font, line, _width, height in self._lines(option.font, text, max(1, area.width())):
            painter.setFont(font)
            painter.drawText(QRect(area.left(), y, area.width(), height), WRAP, line)
            y += height
        painter.restore()


class BoardTable(QTableWidget):
    """The board's table: says when the room for its columns (the viewport's width) or its font changed.

    The client column's width is set by the board from the viewport's width, not by the header's
    Stretch mode: the header stretches later (a deferred resize) and tells no one, so rows sized
    for the old width kept their heights and a wrapped third line printed over the next client.
    """

    room_changed = Signal()  # the viewport's width
    text_changed = Signal()  # the font or the style: every cell measures again

    def resizeEvent(self, event: QResizeEvent) -> None:  # the viewport's resizes come here too
        super().resizeEvent(event)
        self.room_changed.emit()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.text_changed.emit()


class ArrivalsBoard(QWidget):
    """A table of today's flow, refreshed every 30 seconds so waiting times stay true."""

    appointment_opened = Signal(object)  # UUID
    visit_menu_requested = Signal(object, object)  # UUID, global QPoint: the visit's steps menu

    HEADERS = ("Time", "Client", "Status")
    TIME, VISIT, STATUS = range(3)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Arrivals")
        self._day: ScheduleDay | None = None
        self._privacy = False
        self._now = utc_now
        self._filling = False  # refresh() is putting rows in: row heights wait for the end
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel()
        self.summary.setAccessibleName("Arrivals summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = BoardTable(0, len(self.HEADERS))
        self.table.setAccessibleName("Arrivals list")
        self.table.setHorizontalHeaderLabels(self.HEADERS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        # Time and status take what they need; client and visit take the rest and wrap at words
        # (rows grow to fit), so a narrow panel or a large scaling never cuts a name. The board sets
        # every width itself (_fit_columns), so it knows when the text must re-wrap.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setStretchLastSection(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        # Rows are sized once per refresh and when the client column's width changes (the text
        # re-wraps), not after every cell set: the header's own ResizeToContents sized every row per cell.
        header.sectionResized.connect(self._column_resized)
        self.table.room_changed.connect(self._fit_columns)
        self.table.text_changed.connect(self._measure_again)
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.setItemDelegateForColumn(self.VISIT, ClientOverVisit(self.table))
        # Wide enough for "Botox Cosmetic · Dr. Maya Patel" on one line beside the time and status.
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 62)
        self.table.itemActivated.connect(self._open_row)
        self.table.itemDoubleClicked.connect(self._open_row)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._menu_at)
        layout.addWidget(self.table)
        self._tick = QTimer(self)
        self._tick.setInterval(30_000)
        self._tick.timeout.connect(self.refresh)
        self._tick.start()
        self._rows: list[FlowRow] = []

    def _column_resized(self, column: int, _old: int, _new: int) -> None:
        if column == self.VISIT and not self._filling:
            self.table.resizeRowsToContents()

    def _measure_again(self) -> None:
        if not self._filling:
            self._fit_columns(contents=True)
            self.table.resizeRowsToContents()

    def _fit_columns(self, *, contents: bool = False) -> None:
        """Time and status as wide as their text (``contents``: measured again), the client column
        the rest of the viewport; a changed client column re-sizes the rows (``_column_resized``)."""
        if self._filling:
            return
        table, header = self.table, self.table.horizontalHeader()
        if contents:
            for column in (self.TIME, self.STATUS):
                header.resizeSection(column, max(table.sizeHintForColumn(column), header.sectionSizeHint(column)))
        rest = table.viewport().width() - header.sectionSize(self.TIME) - header.sectionSize(self.STATUS)
        visit = max(rest, header.sectionSizeHint(self.VISIT))
        if header.sectionSize(self.VISIT) != visit:
            header.resizeSection(self.VISIT, visit)

    def set_day(self, day: ScheduleDay | None) -> None:
        self._day = day
        self.refresh()

    def set_privacy(self, on: bool) -> None:
        self._privacy = on
        self.refresh()

    def set_clock(self, now: object) -> None:
        self._now = now  # type: ignore[assignment]
        self.refresh()

    @property
    def rows(self) -> list[FlowRow]:
        return list(self._rows)

    def refresh(self) -> None:
        day = self._day
        self._rows = flow_rows(day, now=self._now(), privacy=self._privacy) if day else []
        # Emptied and refilled rather than edited in place: a changed item makes the headers size
        # every row again, so replacing 300 rows one cell at a time took minutes.
        self._filling = True
        self.table.setRowCount(0)
        self.table.setRowCount(len(self._rows))
        for r, row in enumerate(self._rows):
            texts = {self.TIME: row.time, self.VISIT: f"{row.client}\n{row.visit_line}",
                     self.STATUS: "\n".join(row.status_lines)}
            sentence = row.sentence
            for c, text in texts.items():
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, row.appointment_id)
                item.setToolTip(sentence)
                item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
                self.table.setItem(r, c, item)
        self._filling = False
        self._fit_columns(contents=True)
        self.table.resizeRowsToContents()
        counts = {stage: sum(1 for r in self._rows if r.stage == stage) for stage in _STAGE_ORDER}
        self.summary.setText(f"<b>Waiting {counts['waiting']}</b> · In a room {counts['in_room']} · "
                             f"Checkout {counts['checkout']} · Late {counts['late']} · "
                             f"Still to come {counts['due']}")

    def _menu_at(self, pos: QPoint) -> None:
        item = self.table.itemAt(pos)
        appointment_id = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if appointment_id is not None:
            self.visit_menu_requested.emit(appointment_id, self.table.viewport().mapToGlobal(pos))

    def _open_row(self, item: QTableWidgetItem) -> None:
        appointment_id = item.data(Qt.ItemDataRole.UserRole)
        if appointment_id is not None:
            self.appointment_opened.emit(appointment_id)
