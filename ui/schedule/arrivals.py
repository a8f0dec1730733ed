"""The flow board: who is due, who is waiting and for how long, who is in which room."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from medspa_desk.records import Appointment, AppointmentStatus, utc_now
from medspa_desk.scheduling import format_time
from ui.qt import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
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
_STAGE_ORDER = {"waiting": 0, "in_room": 1, "late": 2, "due": 3}


@dataclass(frozen=True)
class FlowRow:
    appointment_id: UUID
    stage: str  # waiting, in_room, late, due
    time: str
    client: str
    service: str
    provider: str
    where: str
    minutes: int  # waiting / in room for, or late by; 0 for due
    starts_at: datetime


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
            where = f"Late {late} min" if stage == "late" else f"Due {format_time(appt.starts_at, day.zone)}"
            minutes = late if stage == "late" else 0
        elif appt.status is AppointmentStatus.ARRIVED:
            minutes = _minutes(_since(appt, AppointmentStatus.ARRIVED), now)
            stage, where = "waiting", f"Waiting {minutes} min"
        elif appt.status is AppointmentStatus.IN_ROOM:
            minutes = _minutes(_since(appt, AppointmentStatus.IN_ROOM), now)
            stage, where = "in_room", f"{day.room_name(appt.room_id)} · {minutes} min"
        else:
            continue
        rows.append(FlowRow(appointment_id=appt.id, stage=stage, time=format_time(appt.starts_at, day.zone),
                            client=day.client_label(appt.client_id, privacy=privacy),
                            service=day.service_name(appt.service_id),
                            provider=day.provider_name(appt.provider_id), where=where, minutes=minutes,
                            starts_at=appt.starts_at))
    rows.sort(key=lambda r: (_STAGE_ORDER[r.stage], -r.minutes if r.stage == "waiting" else 0, r.starts_at))
    return rows


class ArrivalsBoard(QWidget):
    """A table of today's flow, refreshed every 30 seconds so waiting times stay true."""

    appointment_opened = Signal(object)  # UUID

    HEADERS = ("Time", "Client", "Status", "Service", "Provider")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Arrivals")
        self._day: ScheduleDay | None = None
        self._privacy = False
        self._now = utc_now
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel()
        self.summary.setAccessibleName("Arrivals summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, len(self.HEADERS))
        self.table.setAccessibleName("Arrivals list")
        self.table.setHorizontalHeaderLabels(self.HEADERS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # Time and status always show whole; the client's name gives way (elided) first.
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 62)
        self.table.itemActivated.connect(self._open_row)
        self.table.itemDoubleClicked.connect(self._open_row)
        layout.addWidget(self.table)
        self._tick = QTimer(self)
        self._tick.setInterval(30_000)
        self._tick.timeout.connect(self.refresh)
        self._tick.start()
        self._rows: list[FlowRow] = []

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
        self.table.setRowCount(len(self._rows))
        for r, row in enumerate(self._rows):
            for c, text in enumerate((row.time, row.client, row.where, row.service, row.provider)):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, row.appointment_id)
                self.table.setItem(r, c, item)
        counts = {stage: sum(1 for r in self._rows if r.stage == stage) for stage in _STAGE_ORDER}
        self.summary.setText(f"<b>Waiting {counts['waiting']}</b> · In a room {counts['in_room']} · "
                             f"Late {counts['late']} · Still to come {counts['due']}")

    def _open_row(self, item: QTableWidgetItem) -> None:
        appointment_id = item.data(Qt.ItemDataRole.UserRole)
        if appointment_id is not None:
            self.appointment_opened.emit(appointment_id)
