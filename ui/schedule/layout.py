"""Geometry of the day schedule, free of Qt so it can be tested and cached.

The vertical axis is *elapsed* time from local midnight to the next local
midnight (``scheduling.day_bounds``), so a spring-forward day is 23 hours tall
and a fall-back day 25: every instant has exactly one place, and the hour
labels say the local time (2 AM is missing on one day, 1 AM shows twice on the
other). Snapping happens on elapsed minutes from local midnight, which equals
local-clock snapping for every zone whose offset is a whole number of 5 minutes.

Content coordinates: x = 0 is the left edge of the first column, y = 0 is
local midnight. The canvas adds the header and the time gutter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from medspa_desk.records import Appointment, AppointmentStatus, BlockedTime
from medspa_desk.scheduling import day_bounds
from medspa_desk.time_words import hour_mark
from ui.schedule.model import ColumnMode, ScheduleDay

SNAP_MIN = 5
HIDDEN_STATUSES = frozenset({AppointmentStatus.CANCELLED})


@dataclass(frozen=True)
class HourMark:
    y: float
    label: str
    instant: datetime


@dataclass(frozen=True)
class TimeGrid:
    day: date
    zone: ZoneInfo
    start: datetime
    end: datetime
    px_per_min: float

    @classmethod
    def for_day(cls, day: date, zone: ZoneInfo, *, px_per_min: float) -> TimeGrid:
        start, end = day_bounds(day, zone)
        return cls(day=day, zone=zone, start=start, end=end, px_per_min=px_per_min)

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def height(self) -> float:
        return self.minutes * self.px_per_min

    @property
    def hours(self) -> list[HourMark]:
        """One mark per elapsed hour, labelled in local time."""
        marks = []
        for index in range(self.minutes // 60):
            instant = self.start + timedelta(hours=index)
            local = instant.astimezone(self.zone)
            label = hour_mark(local)
            marks.append(HourMark(y=index * 60 * self.px_per_min, label=label, instant=instant))
        return marks

    def y_at(self, instant: datetime) -> float:
        return (instant - self.start).total_seconds() / 60 * self.px_per_min

    def instant_at(self, y: float, *, snap_min: int = SNAP_MIN) -> datetime:
        """The instant at height ``y``, snapped to the nearest ``snap_min`` and kept in the day."""
        minutes = round(y / self.px_per_min / snap_min) * snap_min
        minutes = max(0, min(self.minutes, minutes))
        return self.start + timedelta(minutes=minutes)

    def snap_delta(self, dy: float, *, snap_min: int = SNAP_MIN) -> timedelta:
        return timedelta(minutes=round(dy / self.px_per_min / snap_min) * snap_min)


@dataclass(frozen=True)
class Column:
    key: UUID
    title: str
    subtitle: str


@dataclass(frozen=True)
class PlacedBlock:
    appointment_id: UUID
    column: int
    lane: int
    lanes: int
    top: float
    bottom: float


@dataclass(frozen=True)
class PlacedHold:
    """Blocked time (a break, time off, maintenance) in its provider's or room's column."""

    block: BlockedTime
    column: int
    top: float
    bottom: float


# Kinds in the clinic's words; a kind not listed reads as itself, with its first letter raised.
KIND_WORDS = {"iv": "IV therapy", "iv_lounge": "IV therapy", "laser": "Laser", "treatment": "Treatment",
              "iv_nurse": "IV nurse", "laser_technician": "Laser technician", "injector": "Injector",
              "aesthetician": "Aesthetician"}


def kind_words(kind: str) -> str:
    """``"iv"`` → ``"IV therapy"``, ``"laser_technician"`` → ``"Laser technician"``."""
    words = kind.replace("_", " ").strip()
    return KIND_WORDS.get(kind.strip().lower(), words[:1].upper() + words[1:])


def columns_for(day: ScheduleDay, mode: ColumnMode) -> list[Column]:
    if mode is ColumnMode.ROOMS:
        return [Column(r.id, r.name, kind_words(r.kind)) for r in day.rooms]
    return [Column(p.id, p.display_name, p.credentials or kind_words(p.kind.value)) for p in day.providers]


def column_key(appointment: Appointment, mode: ColumnMode) -> UUID | None:
    return appointment.room_id if mode is ColumnMode.ROOMS else appointment.provider_id


def hold_key(block: BlockedTime, mode: ColumnMode) -> UUID | None:
    """The column blocked time belongs in: its provider's, or its room's (None in the other view)."""
    return block.room_id if mode is ColumnMode.ROOMS else block.provider_id


def _assign_lanes(items: list[tuple[datetime, datetime, UUID]]) -> dict[UUID, tuple[int, int]]:
    """Side-by-side lanes for overlapping blocks in one column (e.g. a no-show and its rebooking)."""
    placed: dict[UUID, tuple[int, int]] = {}
    cluster: list[tuple[UUID, int]] = []
    lane_ends: list[datetime] = []
    cluster_end: datetime | None = None

    def close_cluster() -> None:
        for appointment_id, lane in cluster:
            placed[appointment_id] = (lane, len(lane_ends))

    for start, end, appointment_id in sorted(items):
        if cluster_end is not None and start >= cluster_end:
            close_cluster()
            cluster, lane_ends, cluster_end = [], [], None
        lane = next((i for i, lane_end in enumerate(lane_ends) if lane_end <= start), None)
        if lane is None:
            lane = len(lane_ends)
            lane_ends.append(end)
        else:
            lane_ends[lane] = end
        cluster.append((appointment_id, lane))
        cluster_end = end if cluster_end is None else max(cluster_end, end)
    close_cluster()
    return placed


@dataclass(frozen=True)
class DayLayout:
    grid: TimeGrid
    columns: list[Column]
    blocks: list[PlacedBlock]
    # Blocks whose provider or room has no column (an inactive provider, a room not set).
    unplaced: tuple[UUID, ...]
    # Blocked time in the columns shown: a provider's in provider columns, a room's in room columns.
    held: tuple[PlacedHold, ...] = ()

    @classmethod
    def build(cls, day: ScheduleDay, *, mode: ColumnMode, px_per_min: float) -> DayLayout:
        grid = TimeGrid.for_day(day.day, day.zone, px_per_min=px_per_min)
        columns = columns_for(day, mode)
        index = {c.key: i for i, c in enumerate(columns)}
        per_column: dict[int, list[tuple[datetime, datetime, UUID]]] = {}
        unplaced = []
        for appt in day.appointments:
            if appt.status in HIDDEN_STATUSES:
                continue
            key = column_key(appt, mode)
            column = index.get(key) if key is not None else None
            if column is None:
                unplaced.append(appt.id)
                continue
            start, end = max(appt.starts_at, grid.start), min(appt.ends_at, grid.end)
            per_column.setdefault(column, []).append((start, end, appt.id))
        blocks = []
        for column, items in per_column.items():
            lanes = _assign_lanes(items)
            for start, end, appointment_id in items:
                lane, count = lanes[appointment_id]
                blocks.append(PlacedBlock(appointment_id, column, lane, count, grid.y_at(start), grid.y_at(end)))
        blocks.sort(key=lambda b: (b.column, b.top, b.lane))
        held = tuple(PlacedHold(b, index[key], grid.y_at(max(b.starts_at, grid.start)),
                                grid.y_at(min(b.ends_at, grid.end)))
                     for b in day.blocks if (key := hold_key(b, mode)) is not None and key in index)
        return cls(grid=grid, columns=columns, blocks=blocks, unplaced=tuple(unplaced), held=held)

    def block(self, appointment_id: UUID) -> PlacedBlock | None:
        return next((b for b in self.blocks if b.appointment_id == appointment_id), None)

    def column_blocks(self, column: int) -> list[PlacedBlock]:
        return [b for b in self.blocks if b.column == column]

    def neighbour(self, current: UUID | None, *, key: str) -> UUID | None:
        """The block keyboard navigation lands on: up/down in time, left/right across columns."""
        if not self.blocks:
            return None
        here = self.block(current) if current else None
        if here is None:
            return self.blocks[0].appointment_id
        if key in ("up", "down"):
            same = self.column_blocks(here.column)
            i = same.index(here) + (1 if key == "down" else -1)
            return same[i].appointment_id if 0 <= i < len(same) else here.appointment_id
        step = 1 if key == "right" else -1
        column = here.column + step
        while 0 <= column < len(self.columns):
            candidates = self.column_blocks(column)
            if candidates:
                nearest = min(candidates, key=lambda b: abs(b.top - here.top))
                return nearest.appointment_id
            column += step
        return here.appointment_id
