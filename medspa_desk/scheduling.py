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

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from medspa_desk.records import (
    Appointment,
    BlockedTime,
    BlockKind,
    Location,
    Provider,
    Room,
    Service,
    Shift,
)
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


def format_price(cents: int | None) -> str:
    """A price as the desk writes it (``$1,250.00``); ``""`` when none was recorded. The desk records, never takes."""
    return "" if cents is None else f"${cents // 100:,}.{cents % 100:02d}"


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


BLOCK_REASONS: dict[BlockKind, str] = {BlockKind.TIME_OFF: "time off", BlockKind.BREAK: "a break",
                                       BlockKind.MAINTENANCE: "maintenance"}


def block_title(kind: BlockKind) -> str:
    """A block's kind as a heading: "Break", "Time off", "Maintenance"."""
    return BLOCK_REASONS[kind].removeprefix("a ").capitalize()


def blocking(visit: Appointment, blocks: Iterable[BlockedTime]) -> BlockedTime | None:
    """The first block (earliest) holding the visit's provider or room while it runs, if any.

    The desk refuses such a booking before saving it; the server refuses one pushed by a desk that had
    not yet heard of the block. Both ask this function.
    """
    found = [b for b in blocks if _holds(b, visit)]
    return min(found, key=lambda b: b.starts_at, default=None)


def blocked_visit(block: BlockedTime, visits: Iterable[Appointment]) -> Appointment | None:
    """The first visit on the books (holding its slot) that ``block`` would hold, if any.

    The desk refuses such a block before saving it; the server refuses one pushed (even in the same
    batch as the booking). Both ask this function.
    """
    found = [v for v in visits if v.holds_slot and _holds(block, v)]
    return min(found, key=lambda v: v.starts_at, default=None)


def booked_words(visit: Appointment, zone: ZoneInfo) -> str:
    """What a person blocking time over ``visit`` is told (the desk and the server say the same)."""
    local = visit.starts_at.astimezone(zone)
    return (f"A visit is booked {format_span(visit.starts_at, visit.ends_at, zone)} on {local:%A %B} {local.day} "
            "in this time. Move or cancel the visit first, then block the time.")


def _holds(b: BlockedTime, visit: Appointment) -> bool:
    return (not b.deleted and b.starts_at < visit.ends_at and visit.starts_at < b.ends_at
            and ((b.provider_id is not None and b.provider_id == visit.provider_id)
                 or (b.room_id is not None and b.room_id == visit.room_id)))


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


class WorkingHours:
    """When each provider can see clients at a location, day by day (``working_windows``), remembered.

    A search over a fortnight of 40 providers asks for the same day's opening hours
    forty times and would filter every shift of the practice each time.
    """

    def __init__(self, location: Location, shifts: Iterable[Shift]) -> None:
        self.location = location
        self._own: dict[UUID, list[Shift]] = {}
        for shift in shifts:
            if shift.location_id == location.id:
                self._own.setdefault(shift.provider_id, []).append(shift)
        self._opening: dict[date, list[tuple[datetime, datetime]]] = {}
        self._on_grid: dict[tuple[date, UUID | None, int], list[tuple[int, int, Callable[[int], int]]]] = {}

    def opening(self, day: date) -> list[tuple[datetime, datetime]]:
        found = self._opening.get(day)
        if found is None:
            location = self.location
            found = self._opening[day] = (opening_windows(day, location=location) if location.opening_hours
                                          else [day_bounds(day, location.zone)])
        return found

    def windows(self, day: date, provider_id: UUID) -> list[tuple[datetime, datetime]]:
        opening = self.opening(day)
        own = self._own.get(provider_id)
        if not own:
            return opening
        weekday = day.weekday()
        return _intersect(opening, _windows(day, [(s.starts, s.ends) for s in own if s.weekday == weekday],
                                            self.location.zone))


    def on_grid(self, day: date, provider_id: UUID, step_min: int) -> list[tuple[int, int, Callable[[int], int]]]:
        """``windows`` in epoch seconds, each with its rounding to the grid; one list for all without shifts."""
        key = (day, provider_id if provider_id in self._own else None, step_min)
        found = self._on_grid.get(key)
        if found is None:
            zone = self.location.zone
            found = self._on_grid[key] = [(seconds(w0), seconds(w1), _snapper(w0, w1, step_min=step_min, zone=zone))
                                          for w0, w1 in self.windows(day, provider_id)]
        return found


def working_windows(day: date, *, provider_id: UUID, location: Location,
                    shifts: Iterable[Shift]) -> list[tuple[datetime, datetime]]:
    """When ``provider_id`` can see clients at ``location`` on ``day``: opening hours ∩ shifts.

    A location with no opening hours set is taken as open all day, and a provider
    with no shifts set up at the location as working whenever it is open: a
    practice that has not filled these in yet can still book. A provider with
    shifts on other weekdays but not this one does not work that day.
    """
    return WorkingHours(location, shifts).windows(day, provider_id)


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


# Busy time in a search: epoch seconds [start, end). A fortnight of a busy practice is thousands of
# intervals and the search compares and rounds them tens of thousands of times: integers, not datetimes.
Interval = tuple[int, int]


def seconds(instant: datetime) -> int:
    """``instant`` in whole epoch seconds, rounded down (scheduled times are whole minutes)."""
    return int(instant.timestamp())


def _instant(epoch_s: int) -> datetime:
    return datetime.fromtimestamp(epoch_s, UTC)


class _Busy:
    """Busy intervals sorted by start, searchable by bisection."""

    __slots__ = ("_intervals", "_longest", "_starts")

    def __init__(self, intervals: Iterable[Interval]) -> None:
        self._intervals = sorted(intervals)
        self._starts = [b[0] for b in self._intervals]
        self._longest = max((b[1] - b[0] for b in self._intervals), default=0)
        self._longest = max(self._longest, 0)  # an inverted block (see _blocked_seconds) reaches no further

    def starting_before(self, lo: int, hi: int) -> list[Interval]:
        """In start order, every interval that can reach into ``[lo, hi)`` (and some that end before ``lo``)."""
        return self._intervals[bisect_left(self._starts, lo - self._longest):bisect_left(self._starts, hi)]

    def last_end_overlapping(self, lo: int, hi: int) -> int | None:
        """The latest end of the intervals overlapping ``[lo, hi)`` (a search jumps past all of them)."""
        ends = [b[1] for b in self.starting_before(lo, hi) if lo < b[1]]
        return max(ends) if ends else None


def _blocked_seconds(block: BlockedTime, *, before: int, after: int) -> Interval:
    """Blocked time as a busy interval to test a visit's buffered interval against.

    Blocked time holds the client's time only (``blocking``): a visit clashes when
    ``t < b1`` and ``b0 < t + duration``, which is when its buffered interval
    ``[t - before, t + duration + after)`` meets ``[b0 + after, b1 - before)``. For a
    block shorter than the buffers that pair is inverted (start after end); the
    search only ever asks "ended before the set-up?" and "starts before the
    clean-up ends?", which stay exactly the two conditions above.
    """
    return seconds(block.starts_at) + after, seconds(block.ends_at) - before


def _snapper(w_start: datetime, w_end: datetime, *, step_min: int, zone: ZoneInfo) -> Callable[[int], int]:
    """``snap`` for epoch seconds in one working window, in integer arithmetic when its clock does not change.

    Without a DST change in the window the local wall time is the UTC time plus one
    offset, and a step that divides a day counts from midnight exactly as it counts
    from the epoch: rounding up the epoch seconds gives what ``snap`` gives.
    """
    offset = w_start.astimezone(zone).utcoffset()
    step_s = step_min * 60
    if offset is None or offset != w_end.astimezone(zone).utcoffset() or 86_400 % step_s:
        return lambda t: seconds(snap(_instant(t), step_min=step_min, zone=zone))
    shift = int(offset.total_seconds())
    return lambda t: t + (-(t + shift)) % step_s


def _free_starts(*, service: Service, provider_id: UUID, location: Location, hours: WorkingHours,
                 room_ids: Sequence[UUID], provider_busy: _Busy, room_busy: Mapping[UUID, _Busy],
                 start: datetime, end: datetime, step_min: int) -> Iterator[Slot]:
    """Free slots with ``start <= starts_at < end``, in time order, on the ``step_min`` grid."""
    _require_aware(start)
    zone = location.zone
    duration = service.duration_min * 60
    before = service.buffer_before_min * 60
    after = service.buffer_after_min * 60
    step = step_min * 60
    first = -int(-start.timestamp() // 1)  # a start with seconds in it rounds up
    stop = end.timestamp()
    # ``end`` is excluded: a search that stops at midnight does not look at the next day.
    day, last_day = local_day(start, zone), local_day(end - timedelta(microseconds=1), zone)
    while day <= last_day:
        for w_start, w_end, to_grid in hours.on_grid(day, provider_id, step_min):
            t = to_grid(max(w_start, first))
            # The provider's busy time around the window in start order, walked once: ``i`` passes an
            # interval once it ends before the candidate's set-up begins (``t`` only grows).
            busy = provider_busy.starting_before(w_start - before, w_end + after)
            i, last = 0, len(busy)
            while t < stop and t + duration <= w_end:
                lo, hi = t - before, t + duration + after
                while i < last and busy[i][1] <= lo:
                    i += 1
                if i < last and busy[i][0] < hi:
                    # No start before this one's end (plus our set-up) can work.
                    t = to_grid(max(t + step, busy[i][1] + before))
                    continue
                if not room_ids:
                    yield Slot(_instant(t), _instant(t + duration), None)
                    t = to_grid(t + step)
                    continue
                free_room = None
                earliest_free = None
                for rid in room_ids:
                    taken_until = room_busy[rid].last_end_overlapping(lo, hi)
                    if taken_until is None:
                        free_room = rid
                        break
                    earliest_free = taken_until if earliest_free is None else min(earliest_free, taken_until)
                if free_room is not None:
                    yield Slot(_instant(t), _instant(t + duration), free_room)
                    t = to_grid(t + step)
                else:
                    assert earliest_free is not None
                    t = to_grid(max(t + step, earliest_free + before))
        day += timedelta(days=1)


def _slots_between(*, service: Service, provider_id: UUID, location: Location, shifts: Sequence[Shift],
                   rooms: Sequence[Room], existing: Iterable[Appointment], start: datetime,
                   end: datetime, step_min: int, ignoring: UUID | None,
                   blocks: Iterable[BlockedTime] = ()) -> Iterator[Slot]:
    """Free slots with ``start <= starts_at < end``, in time order."""
    usable = rooms_for(service, location=location, rooms=rooms)
    if service.room_kinds and not usable:
        return
    usable_ids = [r.id for r in usable]
    provider_busy: list[Interval] = []
    room_busy: dict[UUID, list[Interval]] = {rid: [] for rid in usable_ids}
    for appt in existing:
        if not appt.holds_slot or appt.id == ignoring:
            continue
        held_from, held_to = blocked_interval(appt)
        span = (seconds(held_from), seconds(held_to))
        if appt.provider_id == provider_id:
            provider_busy.append(span)
        if appt.room_id in room_busy:
            room_busy[appt.room_id].append(span)
    before, after = service.buffer_before_min * 60, service.buffer_after_min * 60
    for b in blocks:
        if b.deleted:
            continue
        if b.provider_id == provider_id:
            provider_busy.append(_blocked_seconds(b, before=before, after=after))
        if b.room_id in room_busy:
            room_busy[b.room_id].append(_blocked_seconds(b, before=before, after=after))
    yield from _free_starts(service=service, provider_id=provider_id, location=location,
                            hours=WorkingHours(location, shifts),
                            room_ids=usable_ids, provider_busy=_Busy(provider_busy),
                            room_busy={rid: _Busy(busy) for rid, busy in room_busy.items()},
                            start=start, end=end, step_min=step_min)


def next_free_slot(*, service: Service, provider_id: UUID, location: Location, shifts: Sequence[Shift],
                   rooms: Sequence[Room], existing: Iterable[Appointment], after: datetime,
                   step_min: int = 5, horizon_days: int = 30,
                   ignoring: UUID | None = None, blocks: Iterable[BlockedTime] = ()) -> Slot | None:
    """The first time at or after ``after`` that ``service`` can be booked with ``provider_id``.

    Starts are on the ``step_min`` grid of local wall time; the appointment lies
    inside opening hours and the provider's shift; neither the provider nor the
    chosen room is booked or blocked (``blocks``: breaks, time off, maintenance;
    buffers of both sides included). The first suitable room in ``rooms`` order
    is chosen. ``ignoring`` leaves one appointment out, for rescheduling it. None
    if nothing is free within ``horizon_days``.
    """
    if not 1 <= horizon_days <= 366:
        raise ValueError("search between 1 and 366 days ahead")
    end = after + timedelta(days=horizon_days)
    return next(_slots_between(service=service, provider_id=provider_id, location=location,
                               shifts=shifts, rooms=rooms, existing=existing, start=after, end=end,
                               step_min=step_min, ignoring=ignoring, blocks=blocks), None)


def free_slots(*, service: Service, provider_id: UUID, location: Location, shifts: Sequence[Shift],
               rooms: Sequence[Room], existing: Iterable[Appointment], day: date,
               step_min: int = 15, not_before: datetime | None = None, limit: int | None = None,
               ignoring: UUID | None = None, blocks: Iterable[BlockedTime] = ()) -> list[Slot]:
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
                               step_min=step_min, ignoring=ignoring, blocks=blocks):
        found.append(slot)
        if limit is not None and len(found) >= limit:
            break
    return found


# --- The next free slots with any provider ----------------------------------------


@dataclass(frozen=True)
class Held:
    """The time already taken, per provider and per room: visits' blocked intervals (buffers included),
    in epoch seconds."""

    by_provider: Mapping[UUID, Sequence[Interval]]
    by_room: Mapping[UUID, Sequence[Interval]]


@dataclass(frozen=True)
class Choice:
    """One free time with one provider (and a room of the needed kind, if the service needs one)."""

    provider: Provider
    slot: Slot


def can_do(provider: Provider, service: Service, *, location: Location, shifts: Sequence[Shift]) -> bool:
    """Whether ``provider`` may be booked for ``service`` at ``location``.

    Active, of a kind the service allows (any kind when it names none), and working
    here: a provider whose shifts are all at other locations is not offered.
    """
    if not provider.active or (service.provider_kinds and provider.kind not in service.provider_kinds):
        return False
    theirs = [s for s in shifts if s.provider_id == provider.id]
    return not theirs or any(s.location_id == location.id for s in theirs)


def next_free_any(*, service: Service, providers: Sequence[Provider], location: Location,
                  shifts: Sequence[Shift], rooms: Sequence[Room], held: Held,
                  blocks: Iterable[BlockedTime], after: datetime, days: int = 14,
                  count: int = 5, until: datetime | None = None) -> list[Choice]:
    """The first ``count`` free times for ``service`` with any provider who can do it, earliest first.

    Starts are on the location's booking grid (``Location.booking_step_min``), at or
    after ``after`` and less than ``days`` days later; each lies inside opening hours
    and its provider's shift, with the provider and a room of a kind the service
    allows free (buffers of both sides included) and neither of them blocked. Ties
    go to the provider first in ``providers`` order. Day by day: once a local day has
    given ``count`` choices no later day is looked at. ``until`` ends the search sooner
    (starts before it only): a freed time offered to the waitlist.
    """
    if not 1 <= days <= 366:
        raise ValueError("search between 1 and 366 days ahead")
    if not 1 <= count <= 50:
        raise ValueError("ask for between 1 and 50 choices")
    _require_aware(after)
    usable = rooms_for(service, location=location, rooms=rooms)
    if service.room_kinds and not usable:
        return []
    room_ids = [r.id for r in usable]
    able = [p for p in providers if can_do(p, service, location=location, shifts=shifts)]
    wanted = {p.id for p in able}
    provider_busy = {p.id: list(held.by_provider.get(p.id, ())) for p in able}
    room_busy = {rid: list(held.by_room.get(rid, ())) for rid in room_ids}
    before, after_buffer = service.buffer_before_min * 60, service.buffer_after_min * 60
    for b in blocks:
        if b.deleted:
            continue
        if b.provider_id in wanted:
            provider_busy[b.provider_id].append(_blocked_seconds(b, before=before, after=after_buffer))
        if b.room_id in room_busy:
            room_busy[b.room_id].append(_blocked_seconds(b, before=before, after=after_buffer))
    p_busy = {pid: _Busy(busy) for pid, busy in provider_busy.items()}
    r_busy = {rid: _Busy(busy) for rid, busy in room_busy.items()}
    zone = location.zone
    step = location.booking_step_min
    end = after + timedelta(days=days)
    if until is not None:
        end = min(end, until)
    hours = WorkingHours(location, shifts)
    found: list[Choice] = []
    day = local_day(after, zone)
    while len(found) < count:
        day_start, day_end = day_bounds(day, zone)
        lo, hi = max(after, day_start), min(end, day_end)
        if lo >= end:
            break
        todays: list[tuple[datetime, int, Choice]] = []
        for order, provider in enumerate(able):
            for n, slot in enumerate(_free_starts(
                    service=service, provider_id=provider.id, location=location, hours=hours,
                    room_ids=room_ids, provider_busy=p_busy[provider.id], room_busy=r_busy, start=lo,
                    end=hi, step_min=step)):
                todays.append((slot.starts_at, order, Choice(provider, slot)))
                if n + 1 >= count:
                    break
        todays.sort(key=lambda c: (c[0], c[1]))
        found.extend(c for _, _, c in todays[:count - len(found)])
        day += timedelta(days=1)
    return found
