"""What the chosen slot holds, in words, before anything is saved: other visits and blocked time.

The day's visits and blocks are read once per day (``load_day``); ``slot_problems``
is the clash lines the dialog shows (empty: the "Free:" line). The same rules
decide on saving (``scheduling.clashes``, ``scheduling.blocking``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from medspa_desk.desk.blocked_time import blocked_words
from medspa_desk.records import Appointment, BlockedTime, Location
from medspa_desk.scheduling import blocking, clashes, local_datetime
from medspa_desk.store import Store
from ui.booking.choices import BookingChoices


@dataclass(frozen=True)
class DayHeld:
    """One local day at the location: its visits and its blocked time."""

    appointments: tuple[Appointment, ...]
    blocks: tuple[BlockedTime, ...]


def load_day(store: Store, *, location: Location, day: date) -> DayHeld:
    starts = local_datetime(day, time(0), location.zone)
    ends = local_datetime(day + timedelta(days=1), time(0), location.zone)
    return DayHeld(appointments=store.day_schedule(location.id, day).appointments,
                   blocks=tuple(store.blocked_times(location.id, starts=starts, ends=ends)))


def slot_problems(candidate: Appointment, held: DayHeld, *, choices: BookingChoices, zone: ZoneInfo) -> list[str]:
    """Why ``candidate`` cannot go where it is: the block first (nothing else matters then), then clashes."""
    problems: list[str] = []
    block = blocking(candidate, held.blocks)
    if block is not None:
        names = {**{p.id: p.display_name for p in choices.providers}, **{r.id: r.name for r in choices.rooms}}
        problems.append(blocked_words(block, names=names, zone=zone))
    found = clashes(candidate, held.appointments, zone=zone,
                    service_names={s.id: s.name for s in choices.services},
                    room_names={r.id: r.name for r in choices.rooms})
    return problems + [c.message for c in found]
