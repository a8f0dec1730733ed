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

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from medspa_desk.records import Appointment, Location, Room, Service, Shift
from medspa_desk.time_words import time_of_day, time_span

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
    """A wall time at ``zone``, in the desk's one clock style (``time_words``): ``9:05 AM`` or ``09:05``."""
    return time_of_day(instant.astimezone(zone))


def format_span(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    return time_span(start.astimezone(zone), end.astimezone(zone))


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


# --- Opening hours and shifts ----------------------------------------------------


def _windows(day: date, periods: Iterable[tuple[time, time]], zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    return sorted((local_datetime(day, opens, zone), local_datetime(day, closes, zone))
                  for opens, closes in periods)


def _intersect(a: Sequence[tuple[datetime, datetime]],
               b: Sequence[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    found = [(max(a0, b0), min(a1, b1)) for a0, a1 in a for b0, b1 in b]
    return sorted((s, e) for s, e in found if s < e)


def opening_windows(day: date, *, location: Location) -> list[tuple[datetime, datetime]]:
    """The location's opening periods on ``day`` as UTC intervals (none: closed that day)."""
    weekday = day.weekday()
    periods = [(h.opens, h.closes) for h in location.opening_hours if h.weekday == weekday]
    return _windows(day, periods, location.zone)


def provider_shifts(provider_id: UUID, *, location: Location, shifts: Iterable[Shift]) -> list[Shift]:
    return [s for s in shifts if s.provider_id == provider_id and s.location_id == location.id]


def working_windows(day: date, *, provider_id: UUID, location: Location,
                    shifts: Iterable[Shift]) -> list[tuple[datetime, datetime]]:
    """When ``provider_id`` can see clients at ``location`` on ``day``: opening hours ∩ shifts.

    A location with no opening hours set is taken as open all day, and a provider
    with no shifts set up at the location as working whenever it is open: a
    practice that has not filled these in yet can still book. A provider with
    shifts on other weekdays but not this one does not work that day.
    """
    zone = location.zone
    whole_day = [day_bounds(day, zone)]
    opening = opening_windows(day, location=location) if location.opening_hours else whole_day
    own = provider_shifts(provider_id, location=location, shifts=shifts)
    if not own:
        return opening
    weekday = day.weekday()
    shift_windows = _windows(day, [(s.starts, s.ends) for s in own if s.weekday == weekday], zone)
    return _intersect(opening, shift_windows)


def _within_one(start: datetime, end: datetime, windows: Iterable[tuple[datetime, datetime]]) -> bool:
    return any(w0 <= start and end <= w1 for w0, w1 in windows)


def outside_hours(candidate: Appointment, *, location: Location, shifts: Iterable[Shift]) -> str | None:
    """Why ``candidate`` falls outside opening hours or its provider's shift, or None if it fits.

    Hours apply to the client's time (``starts_at`` to ``ends_at``); set-up and
    clean-up buffers may run into the edges of the day. The appointment must fit
    in one opening period and one shift on the local day it starts.
    """
    zone = location.zone
    day = local_day(candidate.starts_at, zone)
    weekday = day.weekday()
    span = format_span(candidate.starts_at, candidate.ends_at, zone)
    on_day = WEEKDAY_NAMES[weekday]
    if location.opening_hours:
        hours = sorted((h.opens, h.closes) for h in location.opening_hours if h.weekday == weekday)
        if not hours:
            return f"{location.name} is closed on {on_day}. Choose another day."
        if not _within_one(candidate.starts_at, candidate.ends_at, _windows(day, hours, zone)):
            listed = ", ".join(time_span(a, b) for a, b in hours)
            return (f"{location.name} is open {listed} on {on_day}, and this appointment runs {span}. "
                    "Choose a time inside opening hours.")
    own = provider_shifts(candidate.provider_id, location=location, shifts=shifts)
    if own:
        todays = sorted((s.starts, s.ends) for s in own if s.weekday == weekday)
        if not todays:
            return (f"The provider does not work at {location.name} on {on_day}. "
                    "Choose another day or another provider.")
        if not _within_one(candidate.starts_at, candidate.ends_at, _windows(day, todays, zone)):
            listed = ", ".join(time_span(a, b) for a, b in todays)
            return (f"The provider works {listed} on {on_day}, and this appointment runs {span}. "
                    "Choose a time inside the provider's shift or another provider.")
    return None


# --- Free slots ------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """A time a service can be booked: provider free, a suitable room free (None: no room needed)."""

    starts_at: datetime
    ends_at: datetime
    room_id: UUID | None


def rooms_for(service: Service, *, location: Location, rooms: Iterable[Room]) -> list[Room]:
    """Active rooms at ``location`` of a kind ``service`` allows (any kind if it names none)."""
    return [r for r in rooms if r.active and r.location_id == location.id
            and (not service.room_kinds or r.kind in service.room_kinds)]


def _first_overlap(block: tuple[datetime, datetime],
                   busy: Sequence[tuple[datetime, datetime]]) -> tuple[datetime, datetime] | None:
    """The overlapping busy interval that ends last (so a search can jump past all of them)."""
    hits = [b for b in busy if _overlap(block, b)]
    return max(hits, key=lambda b: b[1]) if hits else None


def _slots_between(*, service: Service, provider_id: UUID, location: Location, shifts: Sequence[Shift],
                   rooms: Sequence[Room], existing: Iterable[Appointment], start: datetime,
                   end: datetime, step_min: int, ignoring: UUID | None) -> Iterator[Slot]:
    """Free slots with ``start <= starts_at < end``, in time order."""
    _require_aware(start)
    zone = location.zone
    usable = rooms_for(service, location=location, rooms=rooms)
    if service.room_kinds and not usable:
        return
    usable_ids = [r.id for r in usable]
    provider_busy: list[tuple[datetime, datetime]] = []
    room_busy: dict[UUID, list[tuple[datetime, datetime]]] = {rid: [] for rid in usable_ids}
    for appt in existing:
        if not appt.holds_slot or appt.id == ignoring:
            continue
        if appt.provider_id == provider_id:
            provider_busy.append(blocked_interval(appt))
        if appt.room_id in room_busy:
            room_busy[appt.room_id].append(blocked_interval(appt))

    duration = timedelta(minutes=service.duration_min)
    before = timedelta(minutes=service.buffer_before_min)
    after = timedelta(minutes=service.buffer_after_min)
    step = timedelta(minutes=step_min)
    day, last_day = local_day(start, zone), local_day(end, zone)
    while day <= last_day:
        for w_start, w_end in working_windows(day, provider_id=provider_id, location=location,
                                              shifts=shifts):
            # Only what can touch this window matters; keeps long histories cheap.
            reach = (w_start - before, w_end + after)
            p_busy = [b for b in provider_busy if _overlap(reach, b)]
            r_busy = {rid: [b for b in busy if _overlap(reach, b)] for rid, busy in room_busy.items()}
            t = snap(max(w_start, start), step_min=step_min, zone=zone)
            while t < end and t + duration <= w_end:
                block = (t - before, t + duration + after)
                taken = _first_overlap(block, p_busy)
                if taken is not None:
                    # No start before this one's end (plus our set-up) can work.
                    t = snap(max(t + step, taken[1] + before), step_min=step_min, zone=zone)
                    continue
                if not usable_ids:
                    yield Slot(t, t + duration, None)
                    t = snap(t + step, step_min=step_min, zone=zone)
                    continue
                free_room = None
                earliest_free = None
                for rid in usable_ids:
                    room_taken = _first_overlap(block, r_busy[rid])
                    if room_taken is None:
                        free_room = rid
                        break
                    earliest_free = min(earliest_free or room_taken[1], room_taken[1])
                if free_room is not None:
                    yield Slot(t, t + duration, free_room)
                    t = snap(t + step, step_min=step_min, zone=zone)
                else:
                    assert earliest_free is not None
                    t = snap(max(t + step, earliest_free + before), step_min=step_min, zone=zone)
        day += timedelta(days=1)


def next_free_slot(*, service: Service, provider_id: UUID, location: Location, shifts: Sequence[Shift],
                   rooms: Sequence[Room], existing: Iterable[Appointment], after: datetime,
                   step_min: int = 5, horizon_days: int = 30,
                   ignoring: UUID | None = None) -> Slot | None:
    """The first time at or after ``after`` that ``service`` can be booked with ``provider_id``.

    Starts are on the ``step_min`` grid of local wall time; the appointment lies
    inside opening hours and the provider's shift; neither the provider nor the
    chosen room is blocked (buffers of both sides included). The first suitable
    room in ``rooms`` order is chosen. ``ignoring`` leaves one appointment out,
    for rescheduling it. None if nothing is free within ``horizon_days``.
    """
    if not 1 <= horizon_days <= 366:
        raise ValueError("search between 1 and 366 days ahead")
    end = after + timedelta(days=horizon_days)
    return next(_slots_between(service=service, provider_id=provider_id, location=location,
                               shifts=shifts, rooms=rooms, existing=existing, start=after, end=end,
                               step_min=step_min, ignoring=ignoring), None)


def free_slots(*, service: Service, provider_id: UUID, location: Location, shifts: Sequence[Shift],
               rooms: Sequence[Room], existing: Iterable[Appointment], day: date,
               step_min: int = 15, not_before: datetime | None = None, limit: int | None = None,
               ignoring: UUID | None = None) -> list[Slot]:
    """The free starts on one local ``day`` (for the booking dialog's choices), in time order.

    ``not_before`` drops starts already past (pass "now" when booking today).
    """
    start, end = day_bounds(day, location.zone)
    if not_before is not None:
        _require_aware(not_before)
        start = max(start, not_before)
    found: list[Slot] = []
    for slot in _slots_between(service=service, provider_id=provider_id, location=location,
                               shifts=shifts, rooms=rooms, existing=existing, start=start, end=end,
                               step_min=step_min, ignoring=ignoring):
        found.append(slot)
        if limit is not None and len(found) >= limit:
            break
    return found
