"""A series: one booking repeated every N weeks for M visits; booked, moved or cancelled all or nothing.

Each visit of a series is an ordinary appointment carrying the series' id
(``Appointment.series_id``), at the same wall-clock time on the practice's
clock every time (10:00 stays 10:00 across a change of the clocks). Every
visit is checked by the single booking's own use case (``visits.book_visit``,
``visits.reschedule_visit``: a taken slot, blocked time, hours and shifts, a
time the clocks skip) inside one store transaction; when any date clashes,
nothing is saved and ``SeriesClashes`` names each date and why. One visit on
its own is still moved or cancelled by the single-visit use cases.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from medspa_desk.desk.blocked_time import TimeBlocked
from medspa_desk.desk.clients import refuse_possible_duplicate
from medspa_desk.desk.errors import DeskRefusal, NeedsConfirmation, TimeDoesNotExist
from medspa_desk.desk.plausibility import WallTime
from medspa_desk.desk.visits import book_visit, cancel_visit, reschedule_visit
from medspa_desk.records import Appointment, AppointmentStatus, Client, new_id
from medspa_desk.rules import UseCase, may_follow
from medspa_desk.scheduling import local_datetime, local_day
from medspa_desk.store import Changes, SlotTaken, Store
from medspa_desk.store.actor import Actor

EVERY_WEEKS = range(1, 13)  # every 1 to 12 weeks
VISITS = range(2, 27)  # 2 to 26 visits in all
# Later visits a series change takes along: still on the books, not yet happened.
STILL_TO_COME = frozenset({AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED})

# Books or moves one visit of the series; the flag is "the person confirmed the doubts".
Step = Callable[[bool], Changes]


class RepeatOutOfRange(DeskRefusal, ValueError):
    """How often or how many is outside what a series may be; the message says what to do instead."""


@dataclass(frozen=True)
class DateClash:
    """One date of the series that cannot be had, and why (the single booking's own words)."""

    day: date
    reason: str


class SeriesClashes(DeskRefusal):
    """Some dates of the series clash; nothing was saved. ``clashes`` lists each date and why."""

    def __init__(self, clashes: Sequence[DateClash], *, visits: int, verb: str) -> None:
        self.clashes = tuple(sorted(clashes, key=lambda c: c.day))
        clash = "clashes" if len(self.clashes) == 1 else "clash"
        self.headline = f"Nothing was {verb}: {len(self.clashes)} of the {visits} visits {clash}."
        self.advice = "Choose another time, provider or room for the series, or fewer visits."
        super().__init__(" ".join([self.headline, *self.lines(), self.advice]))

    def lines(self) -> list[str]:
        """One line per clashing date: "Mon Mar 8, 2027: The provider is already booked …"."""
        return [f"{day_words(c.day)}: {c.reason}" for c in self.clashes]


def day_words(day: date) -> str:
    """A date as the desk's date pickers write it: "Tue Mar 16, 2027"."""
    return f"{day:%a %b} {day.day}, {day.year}"


def repeat_problem(*, every_weeks: int, count: int) -> str | None:
    """What is wrong with repeating every ``every_weeks`` weeks for ``count`` visits, and what to do; None if fine."""
    if every_weeks not in EVERY_WEEKS:
        return (f"A series repeats every 1 to 12 weeks, not every {every_weeks}. "
                "Book visits further apart one by one.")
    if count not in VISITS:
        return (f"A series is 2 to 26 visits in all, not {count}. "
                + ("For one visit, turn Repeat off." if count < 2 else "Book 26 now and the rest later."))
    return None


def series_days(first_day: date, *, every_weeks: int, count: int) -> list[date]:
    """The local days of a series' visits: ``first_day`` and every ``every_weeks`` weeks after it."""
    return [first_day + timedelta(weeks=every_weeks * i) for i in range(count)]


def book_series(store: Store, *, actor: Actor, visit: Appointment, every_weeks: int, count: int,
                new_client: Client | None = None, asked_for: WallTime | None = None, confirmed: bool = False,
                not_a_duplicate: bool = False, now: datetime | None = None) -> Changes:
    """Book ``visit`` and its repeats, ``count`` visits in all every ``every_weeks`` weeks: all, or nothing.

    ``visit`` is the first; the others get new ids, the same service, provider, room, notes and length, and
    the same wall time on the practice's clock. ``new_client`` is added in the same transaction. Raises
    ``SeriesClashes`` naming every clashing date; ``NeedsConfirmation`` (with the dates) for doubts
    unless ``confirmed``; ``PossibleDuplicate`` for a new client like one on file unless ``not_a_duplicate``.
    """
    problem = repeat_problem(every_weeks=every_weeks, count=count)
    if problem is not None:
        raise RepeatOutOfRange(problem)
    store.permit(actor, UseCase.BOOK_VISIT, entity=Appointment.entity, entity_id=visit.id)
    zone = next(loc.zone for loc in store.locations() if loc.id == visit.location_id)
    first = asked_for or WallTime(day=local_day(visit.starts_at, zone), at=visit.starts_at.astimezone(zone).time())
    series_id, length = new_id(), visit.ends_at - visit.starts_at
    steps: list[tuple[date, Step]] = []
    for number, day in enumerate(series_days(first.day, every_weeks=every_weeks, count=count)):
        start = local_datetime(day, first.at, zone)
        one = visit.model_copy(update={"id": visit.id if number == 0 else new_id(), "series_id": series_id,
                                       "starts_at": start, "ends_at": start + length})
        steps.append((day, _booking(store, actor=actor, visit=one, asked_for=WallTime(day=day, at=first.at),
                                    now=now)))
    if new_client is not None and not not_a_duplicate:
        refuse_possible_duplicate(store, new_client)
    with store.transaction():
        added = store.create_client(new_client, actor=actor) if new_client is not None else Changes()
        return added | _all_or_nothing(store, steps, confirmed=confirmed, verb="booked")


def cancel_series_from(store: Store, *, actor: Actor, visit_id: UUID, reason: str) -> Changes:
    """Cancel this visit and every later visit of its series still on the books, all or none.

    Earlier visits, and later ones that happened or were already called off, stay as they are.
    """
    store.permit(actor, UseCase.CANCEL_VISIT, entity=Appointment.entity, entity_id=visit_id)
    visit = store.appointment(visit_id)
    if not may_follow(visit.status, AppointmentStatus.CANCELLED) or not reason.strip():
        return cancel_visit(store, actor=actor, visit_id=visit_id, reason=reason)  # refused, and audited, alone
    with store.transaction():
        return Changes.combined([cancel_visit(store, actor=actor, visit_id=v.id, reason=reason)
                                 for v in _this_and_following(store, visit)])


def move_series_from(store: Store, *, actor: Actor, visit_id: UUID, starts_at: datetime, provider_id: UUID,
                     room_id: UUID | None, asked_for: WallTime | None = None, confirmed: bool = False,
                     now: datetime | None = None) -> Changes:
    """Move this visit to ``starts_at`` (with this provider and room), and every later visit of its series
    still on the books by as many days, to the same wall time: all, or nothing (``SeriesClashes``)."""
    store.permit(actor, UseCase.RESCHEDULE_VISIT, entity=Appointment.entity, entity_id=visit_id)
    visit = store.appointment(visit_id)
    zone = next(loc.zone for loc in store.locations() if loc.id == visit.location_id)
    wall = asked_for or WallTime(day=local_day(starts_at, zone), at=starts_at.astimezone(zone).time())
    shift = wall.day - local_day(visit.starts_at, zone)
    steps: list[tuple[date, Step]] = []
    for one in _this_and_following(store, visit):
        day = local_day(one.starts_at, zone) + shift
        start = local_datetime(day, wall.at, zone)
        steps.append((day, _moving(store, actor=actor, visit=one, starts_at=start, provider_id=provider_id,
                                   room_id=room_id, asked_for=WallTime(day=day, at=wall.at), now=now)))
    if local_datetime(wall.day, wall.at, zone) > visit.starts_at:
        steps.reverse()  # the last moves first, so no visit lands on a slot its neighbour has not left yet
    return _all_or_nothing(store, steps, confirmed=confirmed, verb="moved")


def _this_and_following(store: Store, visit: Appointment) -> list[Appointment]:
    return [v for v in store.series_from(visit) if v.id == visit.id or v.status in STILL_TO_COME]


def _booking(store: Store, *, actor: Actor, visit: Appointment, asked_for: WallTime, now: datetime | None) -> Step:
    return lambda confirmed: book_visit(store, actor=actor, visit=visit, asked_for=asked_for, confirmed=confirmed,
                                        now=now)


def _moving(store: Store, *, actor: Actor, visit: Appointment, starts_at: datetime, provider_id: UUID,
            room_id: UUID | None, asked_for: WallTime, now: datetime | None) -> Step:
    ends_at = starts_at + (visit.ends_at - visit.starts_at)
    return lambda confirmed: reschedule_visit(store, actor=actor, visit_id=visit.id, starts_at=starts_at,
                                              ends_at=ends_at, provider_id=provider_id, room_id=room_id,
                                              asked_for=asked_for, confirmed=confirmed, now=now)


def _all_or_nothing(store: Store, steps: Sequence[tuple[date, Step]], *, confirmed: bool, verb: str) -> Changes:
    """Run every step in one transaction; keep them all only when no date clashes and no doubt is left.

    A doubtful date is still checked for clashes (booked as if confirmed, then rolled back), so the person
    hears of every clash before being asked about doubts.
    """
    clashing: list[DateClash] = []
    doubts: dict[str, list[date]] = {}
    changes: list[Changes] = []
    with store.transaction():
        for day, step in steps:
            try:
                try:
                    changes.append(step(confirmed))
                except NeedsConfirmation as asked:
                    for reason in asked.reasons:
                        doubts.setdefault(reason, []).append(day)
                    changes.append(step(True))
            except (SlotTaken, TimeBlocked, TimeDoesNotExist) as refused:
                clashing.append(DateClash(day=day, reason=_why(refused)))
        if clashing:
            raise SeriesClashes(clashing, visits=len(steps), verb=verb)
        if doubts:
            raise NeedsConfirmation(tuple(f"{_days_words(sorted(days))}: {reason}" for reason, days in doubts.items()))
        return Changes.combined(changes)


def _why(refused: Exception) -> str:
    if isinstance(refused, SlotTaken):
        return " ".join(clash.message for clash in refused.clashes)
    return str(refused)


def _days_words(days: Sequence[date]) -> str:
    words = [day_words(d) for d in days]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
