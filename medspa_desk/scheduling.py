"""Scheduling rules: who and which room is busy when, opening hours, shifts, the next free slot.

Pure functions over records: no I/O, no clock, no Qt. The store calls
:func:`clashes` before it writes a booking; the booking dialog calls
:func:`next_free_slot` and :func:`free_slots` to offer times.

Two ideas run through the module:

- An appointment *blocks* its provider and room from ``starts_at - buffer_before``
  to ``ends_at + buffer_after`` (set-up and clean-up). Overlaps are checked on
  these blocked intervals, half-open ``[start, end)``, so back-to-back bookings
  whose buffers only touch do not clash.
- Instants are UTC-aware; the *location's* time zone decides the day, the
  opening hours and the shift a time falls in, and how a time is written for
  the receptionist. Local wall times that do not exist (the spring-forward gap)
  or happen twice (the fall-back hour) are resolved by :func:`local_datetime`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from medspa_desk.records import Appointment

WEEKDAY_NAMES = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


# --- Instants and local days ---------------------------------------------------


def local_datetime(day: date, t: time, zone: ZoneInfo) -> datetime:
    """The UTC instant at wall time ``t`` on ``day`` in ``zone``.

    - A wall time that does not exist (the spring-forward gap, e.g. 2:30 am on
      the second Sunday of March in New York) is shifted forward by the length
      of the gap: 2:30 am becomes 3:30 am daylight time. A slot asked for "at
      2:30" lands at the first real time after it, the same number of minutes
      past the change.
    - A wall time that happens twice (the fall-back hour, 1:00–1:59 am on the
      first Sunday of November) means its *first* occurrence (``fold=0``,
      daylight time), the one a person booking ahead has in mind.
    """
    naive = datetime.combine(day, t.replace(tzinfo=None, fold=0))
    # With fold=0 zoneinfo reads a gap time with the offset in force before the
    # gap, which is exactly "shift forward by the gap"; an ambiguous time with
    # fold=0 is its first occurrence.
    return naive.replace(tzinfo=zone).astimezone(UTC)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC instants of local midnight on ``day`` and of the next local midnight.

    The day is 24 hours long, except 23 on a spring-forward day and 25 on a
    fall-back day.
    """
    return local_datetime(day, time(0), zone), local_datetime(day + timedelta(days=1), time(0), zone)


def local_day(instant: datetime, zone: ZoneInfo) -> date:
    """The calendar day ``instant`` falls on at the location."""
    return instant.astimezone(zone).date()


def snap(dt: datetime, *, step_min: int, zone: ZoneInfo) -> datetime:
    """The first instant at or after ``dt`` whose local wall time is a whole step past midnight.

    Steps count from local midnight (a 15-minute step gives :00, :15, :30, :45).
    The rounding is done on the clock in force at ``dt``, so 1:58 am daylight
    time on the fall-back day snaps to 2:00 am *daylight* time (= 1:00 am
    standard time), not an hour later: no real time is skipped.
    """
    if not 1 <= step_min <= 24 * 60:
        raise ValueError("the step must be between 1 minute and 1 day")
    _require_aware(dt)
    offset = dt.astimezone(zone).utcoffset()
    assert offset is not None
    wall = dt.astimezone(UTC).replace(tzinfo=None) + offset
    midnight = wall.replace(hour=0, minute=0, second=0, microsecond=0)
    past = wall - midnight
    step = timedelta(minutes=step_min)
    steps = -(-past // step)  # ceiling division of timedeltas
    snapped_wall = midnight + steps * step
    return (snapped_wall - offset).replace(tzinfo=UTC)


def _require_aware(dt: datetime) -> None:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("a time without a time zone cannot be scheduled; attach the location's zone")


def format_time(instant: datetime, zone: ZoneInfo) -> str:
    """A wall time as a receptionist reads it: ``9:05``, ``14:30``."""
    local = instant.astimezone(zone)
    return f"{local.hour}:{local.minute:02d}"


def format_span(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    return f"{format_time(start, zone)}–{format_time(end, zone)}"


# --- Overlaps ------------------------------------------------------------------


def blocked_interval(appt: Appointment) -> tuple[datetime, datetime]:
    """The time an appointment keeps its provider and room: buffers included, UTC."""
    return (appt.starts_at - timedelta(minutes=appt.buffer_before_min),
            appt.ends_at + timedelta(minutes=appt.buffer_after_min))


def _overlap(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


@dataclass(frozen=True)
class Clash:
    """One reason a booking cannot stand: the provider or the room is taken by ``other``.

    ``message`` is plain words a receptionist can say aloud, with no client name
    (the view adds names where the user may see them).
    """

    kind: Literal["provider", "room"]
    other: Appointment
    message: str


def clashes(candidate: Appointment, others: Iterable[Appointment], *, zone: ZoneInfo,
            service_names: Mapping[UUID, str] | None = None,
            room_names: Mapping[UUID, str] | None = None) -> list[Clash]:
    """Every appointment in ``others`` that takes ``candidate``'s provider or room.

    Compared on blocked intervals (buffers included), half-open. The candidate
    itself (same id, e.g. when rescheduling) and appointments that no longer
    hold their slot (cancelled, no-show) are ignored. ``service_names`` and
    ``room_names`` make the message concrete ("Botox, Room 2"); without them
    it still reads well. Provider clashes come before room clashes, each in time
    order.
    """
    service_names = service_names or {}
    room_names = room_names or {}
    mine = blocked_interval(candidate)
    found: list[Clash] = []
    for other in others:
        if other.id == candidate.id or not other.holds_slot:
            continue
        theirs = blocked_interval(other)
        if not _overlap(mine, theirs):
            continue
        if other.provider_id == candidate.provider_id:
            found.append(Clash("provider", other, _clash_message(
                "provider", candidate, other, zone=zone, service_names=service_names,
                room_names=room_names)))
        if candidate.room_id is not None and other.room_id == candidate.room_id:
            found.append(Clash("room", other, _clash_message(
                "room", candidate, other, zone=zone, service_names=service_names,
                room_names=room_names)))
    found.sort(key=lambda c: (c.kind != "provider", c.other.starts_at, str(c.other.id)))
    return found


def _clash_message(kind: Literal["provider", "room"], candidate: Appointment, other: Appointment, *,
                   zone: ZoneInfo, service_names: Mapping[UUID, str],
                   room_names: Mapping[UUID, str]) -> str:
    when = format_span(other.starts_at, other.ends_at, zone)
    if local_day(other.starts_at, zone) != local_day(candidate.starts_at, zone):
        when = f"{other.starts_at.astimezone(zone):%a %d %b} {when}"
    room_name = room_names.get(other.room_id) if other.room_id else None
    service_name = service_names.get(other.service_id)
    if kind == "provider":
        details = [d for d in (service_name, room_name) if d]
        text = f"The provider is already booked {when}"
    else:
        details = [d for d in (service_name,) if d]
        text = f"{room_name or 'The room'} is already in use {when}"
    if details:
        text += f" ({', '.join(details)})"
    if not _overlap((candidate.starts_at, candidate.ends_at), (other.starts_at, other.ends_at)):
        text += "; the overlap is in the set-up or clean-up time between the two"
    return text + "."
