"""The demo practice's appointments: each provider's shifts filled, never double-booking a provider, a room or a client.
"""

from __future__ import annotations

import logging
import random
from bisect import bisect, bisect_left
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from itertools import accumulate, chain
from typing import Generic, NamedTuple, Protocol, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from medspa_demo.catalog import CANCEL_REASONS, SERVICE_MENU
from medspa_demo.model import GRID_MIN, MINUTE, Practice, Scale
from medspa_desk.records import (
    Appointment,
    AppointmentStatus,
    Client,
    Role,
    Room,
    Service,
    Shift,
    StatusChange,
)
from medspa_desk.scheduling import blocked_interval, clashes, local_datetime

log = logging.getLogger(__name__)


class ScheduleBuilder(Protocol):
    """What the schedule reads from the practice's builder (``medspa_demo.practice``)."""

    rng: random.Random
    size: Scale
    zone: ZoneInfo
    today: date
    first_day: date
    end_day: date
    now: datetime

    def new_id(self, at: datetime) -> UUID: ...




_When = TypeVar("_When", int, datetime)


class _Booked(Generic[_When]):
    """A room's booked minutes of a day, or a client's booked times: disjoint half-open
    intervals in start order.

    Whether a new interval is free is one bisection, not a scan of every booking:
    the last interval starting before the new one ends is the only one that can
    reach into it, since the intervals never overlap each other.
    """

    __slots__ = ("ends", "starts")

    def __init__(self) -> None:
        self.starts: list[_When] = []
        self.ends: list[_When] = []

    def is_free(self, start: _When, end: _When) -> bool:
        before = bisect_left(self.starts, end)
        return before == 0 or self.ends[before - 1] <= start

    def take(self, start: _When, end: _When) -> None:
        """Book ``[start, end)``, which ``is_free`` said was free."""
        at = bisect_left(self.starts, start)
        self.starts.insert(at, start)
        self.ends.insert(at, end)


class _Placement(NamedTuple):
    day: date
    provider_id: UUID
    service: Service
    room: Room
    starts_at: datetime
    ends_at: datetime


class Schedule:
    """Fills each provider's shifts with bookings, never double-booking a provider or a room."""

    def __init__(self, builder: ScheduleBuilder, practice: Practice) -> None:
        self.b = builder
        self.rng = builder.rng
        self.practice = practice
        self.zone = builder.zone
        self.front_desk = [u.id for u in practice.users if u.role is Role.FRONT_DESK]
        self.users_of = {p.id: p.user_id for p in practice.providers}
        # Rooms with their place in ``practice.rooms``, which numbers each day's room bookings.
        self.rooms_by_kind: dict[str, list[tuple[int, Room]]] = defaultdict(list)
        for number, room in enumerate(practice.rooms):
            self.rooms_by_kind[room.kind].append((number, room))
        weights = {entry[0]: entry[10] for entry in SERVICE_MENU}
        self.rooms_for = {s.id: [r for k in s.room_kinds for r in self.rooms_by_kind[k]]
                          for s in practice.services}
        self.menu: dict[UUID, tuple[list[Service], list[int]]] = {}
        for provider in practice.providers:
            can = [s for s in practice.services
                   if (not s.provider_kinds or provider.kind in s.provider_kinds) and self.rooms_for[s.id]]
            self.menu[provider.id] = (can, list(accumulate(weights[s.name] for s in can)))
        self.clients = practice.clients
        # A fifth of the clients are regulars who book a third of the visits, as in a real practice.
        self.regulars = max(1, len(self.clients) // 5)
        self.client_busy: dict[int, _Booked[datetime]] = defaultdict(_Booked)  # by index in ``clients``

    def fill(self) -> list[Appointment]:
        b = self.b
        days = (b.end_day - b.first_day).days
        horizon = max(1, (b.end_day - b.today).days)
        density = self._density()
        placed: list[_Placement] = []
        shifts_by_weekday: dict[int, list[Shift]] = defaultdict(list)
        for shift in self.practice.shifts:
            shifts_by_weekday[shift.weekday].append(shift)
        hours = {h.weekday: h for h in self.practice.location.opening_hours}
        for offset in range(days):
            day = b.first_day + timedelta(days=offset)
            opening = hours.get(day.weekday())
            if opening is None:
                continue
            ahead = (day - b.today).days
            # Bookings thin out the further ahead a day is.
            fill = density if ahead < 0 else density * max(0.15, 1 - ahead / horizon) * 0.95
            day_start = local_datetime(day, time(0), self.zone)
            room_day: list[_Booked[int]] = [_Booked() for _ in self.practice.rooms]
            for shift in shifts_by_weekday[day.weekday()]:
                starts = max(shift.starts, opening.opens)
                ends = min(shift.ends, opening.closes)
                if starts >= ends:
                    continue
                placed.extend(self._fill_shift(day, shift.provider_id, starts, ends, fill=fill,
                                               day_start=day_start, room_day=room_day))
        if self.size.appointments is not None and len(placed) > self.size.appointments:
            keep = set(self.rng.sample(range(len(placed)), self.size.appointments))
            placed = [p for i, p in enumerate(placed) if i in keep]
        return self._book(placed)

    def _book(self, placed: list[_Placement]) -> list[Appointment]:
        """The appointments for the placed bookings, each checked with the rule the store enforces.

        A provider's bookings are placed in time order, so the last one is the one to
        check. A room's are not: each room keeps the bookings holding it that day in
        order of their blocked times, which never overlap (each was checked on the
        way in), so only the last one starting before the new one ends can clash.
        """
        booked = []
        same_provider: dict[tuple[date, UUID], list[Appointment]] = defaultdict(list)
        same_room: dict[tuple[date, UUID], tuple[list[datetime], list[Appointment]]] = defaultdict(
            lambda: ([], []))
        for day, provider_id, service, room, starts_at, ends_at in placed:
            appt = self._appointment(day, provider_id, service, room, starts_at, ends_at)
            mine = same_provider[(day, provider_id)]
            room_starts, room_holders = same_room[(day, room.id)]
            blocked_from, blocked_until = blocked_interval(appt)
            before = bisect_left(room_starts, blocked_until)
            if clashes(appt, [*mine[-1:], *room_holders[before - 1:before]], zone=self.zone):
                raise AssertionError("demo generator double-booked a provider or a room")
            mine.append(appt)
            if appt.holds_slot:
                at = bisect_left(room_starts, blocked_from)
                room_starts.insert(at, blocked_from)
                room_holders.insert(at, appt)
            booked.append(appt)
        return booked

    @property
    def size(self) -> Scale:
        return self.b.size

    def _density(self) -> float:
        """How full a past day is: enough to reach a requested appointment count, else a busy spa."""
        if self.size.appointments is None:
            return 0.72
        b = self.b
        shift_hours = sum((datetime.combine(date.min, s.ends) - datetime.combine(date.min, s.starts)).seconds
                          for s in self.practice.shifts) / 3600
        weeks = (b.end_day - b.first_day).days / 7
        capacity = shift_hours * weeks * 60 / 55  # ~55 minutes a booking with buffers and gaps
        return min(0.95, max(0.3, 1.35 * self.size.appointments / capacity))

    def _fill_shift(self, day: date, provider_id: UUID, starts: time, ends: time, *, fill: float,
                    day_start: datetime, room_day: list[_Booked[int]]) -> list[_Placement]:
        """Bookings for one provider's shift; ``room_day`` holds each room's blocked times that day.

        Times are whole minutes (UTC instants, so minutes add exactly): ``t`` counts from the
        shift's start, the blocked times from ``day_start``; datetimes are made only for bookings.
        """
        rng = self.rng
        services, cum_weights = self.menu[provider_id]
        mine: list[_Placement] = []
        if not services:
            return mine
        shift_start = local_datetime(day, starts, self.zone)
        length = (local_datetime(day, ends, self.zone) - shift_start) // MINUTE
        origin = (shift_start - day_start) // MINUTE
        mine_until = origin
        t = 0
        while t < length:
            if rng.random() > fill:
                t += GRID_MIN
                continue
            service = services[bisect(cum_weights, rng.random() * cum_weights[-1])]
            finish = t + service.duration_min
            if finish > length:
                t += GRID_MIN
                continue
            block_start = origin + t - service.buffer_before_min
            block_end = origin + finish + service.buffer_after_min
            if mine_until > block_start:
                t += GRID_MIN
                continue
            rooms = self.rooms_for[service.id]
            first = rng.randrange(len(rooms))  # spread bookings over the rooms of a kind
            number, room = next(((n, r) for n, r in rooms[first:] + rooms[:first]
                                 if room_day[n].is_free(block_start, block_end)), (-1, None))
            if room is None:
                t += GRID_MIN
                continue
            mine.append(_Placement(day, provider_id, service, room, shift_start + timedelta(minutes=t),
                                   shift_start + timedelta(minutes=finish)))
            mine_until = block_end
            room_day[number].take(block_start, block_end)

            t = finish + GRID_MIN if rng.random() < 0.3 else finish
            t += -t % GRID_MIN  # back onto the quarter-hour grid
        return mine

    def _client_free(self, starts_at: datetime, ends_at: datetime) -> Client:
        """A client to book who is not already booked at that time: a few random tries, then the
        next free client after a random one."""
        rng = self.rng
        count = len(self.clients)
        picks = [rng.randrange(self.regulars if rng.random() < 0.35 else count) for _ in range(8)]
        first = rng.randrange(count)
        # Lazily: unpacking every index into a tuple costs a pass over all clients per booking.
        for index in chain(picks, range(first, count), range(first)):
            busy = self.client_busy[index]
            if busy.is_free(starts_at, ends_at):
                busy.take(starts_at, ends_at)
                return self.clients[index]
        raise ValueError("every client is already booked at one time; ask for more clients in the Scale")

    def _appointment(self, day: date, provider_id: UUID, service: Service, room: Room, starts_at: datetime,
                     ends_at: datetime) -> Appointment:
        rng = self.rng
        b = self.b
        client = self._client_free(starts_at, ends_at)
        desk = rng.choice(self.front_desk)
        booked_at = min(starts_at - timedelta(days=rng.randrange(1, 45), minutes=rng.randrange(0, 600)),
                        b.now - timedelta(minutes=rng.randrange(1, 600)))
        history: list[StatusChange] = []
        status = AppointmentStatus.BOOKED
        reason = ""
        past = day < b.today
        roll = rng.random()
        confirm_at = max(booked_at + timedelta(minutes=5), starts_at - timedelta(days=1, hours=rng.randrange(0, 48)))
        if past and roll < 0.08:
            status, reason = AppointmentStatus.CANCELLED, rng.choice(CANCEL_REASONS)
            history.append(StatusChange(status=status, at=max(booked_at + timedelta(minutes=5),
                                                             starts_at - timedelta(hours=rng.randrange(2, 72))),
                                        by_user_id=desk, reason=reason))
        elif past and roll < 0.13:
            status = AppointmentStatus.NO_SHOW
            history.append(StatusChange(status=status, at=starts_at + timedelta(minutes=20), by_user_id=desk))
        elif past:
            provider_user = self.users_of[provider_id] or desk
            history.extend((
                StatusChange(status=AppointmentStatus.CONFIRMED, at=confirm_at, by_user_id=desk),
                StatusChange(status=AppointmentStatus.ARRIVED, at=starts_at - timedelta(minutes=rng.randrange(1, 15)),
                             by_user_id=desk),
                StatusChange(status=AppointmentStatus.IN_ROOM, at=starts_at, by_user_id=provider_user),
                StatusChange(status=AppointmentStatus.COMPLETED, at=ends_at, by_user_id=provider_user),
            ))
            status = AppointmentStatus.COMPLETED
        elif confirm_at <= b.now and rng.random() < 0.8:
            status = AppointmentStatus.CONFIRMED
            history.append(StatusChange(status=status, at=confirm_at, by_user_id=desk))
        updated = history[-1].at if history else booked_at
        return Appointment(
            id=b.new_id(booked_at), updated_at=updated, location_id=self.practice.location.id,
            client_id=client.id, provider_id=provider_id, room_id=room.id, service_id=service.id,
            starts_at=starts_at, ends_at=ends_at, buffer_before_min=service.buffer_before_min,
            buffer_after_min=service.buffer_after_min, status=status, history=tuple(history),
            cancel_reason=reason, booked_by=desk, price_cents=service.price_cents)


