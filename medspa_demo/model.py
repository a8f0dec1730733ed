"""The demo practice as data: :class:`Practice` (every record, in load order), its sizes (:class:`Scale`) and lots.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID

from medspa_desk.records import (
    Appointment,
    Client,
    ConsentTemplate,
    IntakeForm,
    Location,
    Product,
    Provider,
    Record,
    Room,
    Service,
    Shift,
    SignedConsent,
    TreatmentRecord,
    User,
)
from medspa_desk.scheduling import day_bounds

log = logging.getLogger(__name__)

PRACTICE_NAME = "Glow Aesthetics"
TIME_ZONE = "America/New_York"
GRID_MIN = 15  # appointments start on the quarter hour
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Scale:
    """How big a practice to make. ``appointments`` and ``treatments`` are exact caps:
    the schedule is filled densely enough, then the excess is dropped at random."""

    clients: int = 2000
    providers: int = 6
    rooms: int = 4
    months_back: int = 3
    months_ahead: int = 3
    appointments: int | None = None
    treatments: int | None = None
    # Signed forms at check-in; the benchmark sizes leave them out (they count
    # clients, appointments and treatments, and forms would double the build time).
    consents: bool = True
    intakes: bool = True

    def __post_init__(self) -> None:
        if self.clients < 1 or self.providers < 1 or self.rooms < 1:
            raise ValueError("a practice needs at least one client, provider and room")
        if self.months_back < 0 or self.months_ahead < 0 or self.months_back + self.months_ahead < 1:
            raise ValueError("the schedule must cover at least one month")


BENCHMARK_SCALE = Scale(clients=100_000, providers=40, rooms=48, months_back=60, months_ahead=3,
                        appointments=300_000, treatments=100_000, consents=False, intakes=False)


# --- Practice ----------------------------------------------------------------------


@dataclass(frozen=True)
class Lot:
    """A lot of a product as received: what a chart records next to the units."""

    product_id: UUID
    lot: str
    received: date
    expiry: date


@dataclass
class Practice:
    location: Location
    providers: list[Provider] = field(default_factory=list)
    rooms: list[Room] = field(default_factory=list)
    shifts: list[Shift] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    lots: list[Lot] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    clients: list[Client] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)
    treatments: list[TreatmentRecord] = field(default_factory=list)
    consent_templates: list[ConsentTemplate] = field(default_factory=list)
    consents: list[SignedConsent] = field(default_factory=list)
    intakes: list[IntakeForm] = field(default_factory=list)

    def all_records(self) -> Iterator[Record]:
        """Every record, things referred to before the things that refer to them."""
        yield self.location
        for group in (self.users, self.providers, self.rooms, self.shifts, self.services, self.products,
                      self.consent_templates, self.clients, self.appointments, self.intakes,
                      self.consents, self.treatments):
            yield from group

    def user(self, username: str) -> User:
        return next(u for u in self.users if u.username == username)



def day_schedule(practice: Practice, day: date) -> list[Appointment]:
    """The practice's appointments on one local day, in start order (handy in tests and demos)."""
    start, end = day_bounds(day, practice.location.zone)
    return sorted((a for a in practice.appointments if start <= a.starts_at < end), key=lambda a: a.starts_at)


def counts(practice: Practice) -> dict[str, int]:
    """How many of each kind of record the practice holds (for logs and benchmarks: no PHI)."""
    return {name: len(getattr(practice, name)) for name in (
        "providers", "rooms", "shifts", "services", "products", "users", "clients", "appointments",
        "treatments", "consent_templates", "consents", "intakes")}

