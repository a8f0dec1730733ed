"""Is this booking time plausible? A time in the past, outside hours or a shift asks first; a DST gap is refused.

A person types a wall time on the practice's clock. Three things are worth a
second look, and the booking goes ahead once the person confirms:

- the visit starts before now (a typo in the date, usually);
- it runs outside the location's opening hours;
- it runs outside the provider's shift.

A wall time that does not exist in the practice's zone (the hour skipped when
clocks spring forward) is never shifted silently: it is refused with the gap
named, and the person picks a real time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from medspa_desk.desk.errors import TimeDoesNotExist
from medspa_desk.records import Appointment, Location, Shift
from medspa_desk.scheduling import format_time, outside_hours


@dataclass(frozen=True)
class WallTime:
    """The day and clock time a person typed, on the practice's own clock."""

    day: date
    at: time


def _exists(day: date, at: time, zone: ZoneInfo) -> bool:
    naive = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    there_and_back = naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    return there_and_back == naive


def refuse_dst_gap(wall: WallTime, zone: ZoneInfo) -> None:
    """Raise ``TimeDoesNotExist`` naming the gap when ``wall`` is skipped on the practice's clock."""
    if _exists(wall.day, wall.at, zone):
        return
    start = datetime.combine(wall.day, wall.at)
    while not _exists(start.date(), (start - timedelta(minutes=1)).time(), zone):
        start -= timedelta(minutes=1)
    end = datetime.combine(wall.day, wall.at)
    while not _exists(end.date(), end.time(), zone):
        end += timedelta(minutes=1)
    raise TimeDoesNotExist(
        f"{_clock(wall.at)} does not exist on {wall.day:%A %B} {wall.day.day}, {wall.day.year} in {zone.key}: "
        f"the clocks jump from {_clock(start.time())} to {_clock(end.time())}. "
        "Choose a time before or after the change.")


def _clock(at: time) -> str:
    return f"{at.hour}:{at.minute:02d}"


def doubts(visit: Appointment, *, location: Location, shifts: Iterable[Shift], now: datetime) -> tuple[str, ...]:
    """Why a person should look again at this booking (empty when nothing looks odd)."""
    found: list[str] = []
    if visit.starts_at < now:
        found.append(f"This visit starts in the past ({visit.starts_at.astimezone(location.zone):%m/%d/%Y} "
                     f"{format_time(visit.starts_at, location.zone)}).")
    hours = outside_hours(visit, location=location, shifts=shifts)
    if hours is not None:
        found.append(hours)
    return tuple(found)
