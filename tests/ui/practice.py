"""A small practice with known people in it, for the shell's UI tests.

Real records (validated on construction). The three named clients carry
distinctive names and phone numbers so a test can search for them and a PHI
walk can look for them after a lock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from medspa_desk.records import (
    Appointment,
    AppointmentStatus,
    Client,
    Location,
    OpeningHours,
    ProductUnit,
    ProductUse,
    Provider,
    ProviderKind,
    Record,
    Role,
    Room,
    Service,
    ServiceCategory,
    Shift,
    TreatmentRecord,
    User,
)
from medspa_desk.scheduling import local_datetime

ZONE = "America/New_York"
PASSWORDS = {"desk.amy": "front desk passphrase 1", "np.rivera": "injector passphrase 22",
             "mgr.lee": "manager passphrase 333"}
TREATMENT_NOTE = "Tolerated well; mild erythema glabella, resolved before discharge"

FIRST = ("Ana", "Bea", "Cora", "Dina", "Ella", "Fay", "Gia", "Hope", "Iris", "June")
LAST = ("Abbott", "Baxter", "Cole", "Dunn", "Eaton", "Ford", "Gray", "Hale", "Irwin", "Jones")


@dataclass
class SmallPractice:
    location: Location
    users: list[User]
    known: list[Client]
    records: list[Record] = field(default_factory=list)
    today: date = field(default_factory=date.today)

    @property
    def phi_markers(self) -> list[str]:
        """Strings that must not be on screen while the desk is locked."""
        markers = []
        for client in self.known:
            markers += [client.first_name, client.last_name, client.phone, client.email]
        return [*markers, TREATMENT_NOTE]


def build_practice(*, extra_clients: int = 40, seed: int = 5) -> SmallPractice:
    rng = random.Random(seed)
    zone = ZoneInfo(ZONE)
    today = datetime.now(zone).date()
    location = Location(name="Glow Aesthetics", time_zone=ZONE, idle_lock_minutes=7, opening_hours=tuple(
        OpeningHours(weekday=w, opens=time(7), closes=time(21)) for w in range(7)))
    injector = Provider(display_name="Dana Rivera", credentials="NP", kind=ProviderKind.INJECTOR)
    aesthetician = Provider(display_name="Sam Ortiz", kind=ProviderKind.AESTHETICIAN)
    users = [
        User(username="desk.amy", display_name="Amy (front desk)", role=Role.FRONT_DESK),
        User(username="np.rivera", display_name="Dana Rivera, NP",
             role=Role.PROVIDER, provider_id=injector.id),
        User(username="mgr.lee", display_name="Lee Park", role=Role.MANAGER),
    ]
    rooms = [Room(location_id=location.id, name="Room 1"), Room(location_id=location.id, name="Room 2")]
    botox = Service(name="Botox – frown lines", category=ServiceCategory.NEUROTOXIN, duration_min=30,
                    provider_kinds=(ProviderKind.INJECTOR,))
    facial = Service(name="Hydrating facial", category=ServiceCategory.FACIAL, duration_min=60)
    shifts = [Shift(provider_id=p.id, location_id=location.id, weekday=w, starts=time(7), ends=time(21))
              for p in (injector, aesthetician) for w in range(7)]
    known = [
        Client(first_name="Marisol", last_name="Quintanilla", birth_date=date(1986, 4, 12),
               phone="(555) 301-7788", email="marisol.q@example.com", allergies="Lidocaine"),
        Client(first_name="Theodora", last_name="Vanterpool", birth_date=date(1979, 11, 2),
               phone="555-864-2209", email="teddy.v@example.com"),
        Client(first_name="Wilhelmina", last_name="Ashgrove", birth_date=date(1992, 1, 30),
               phone="+1 555 417 9051"),
    ]
    others = [Client(first_name=rng.choice(FIRST), last_name=rng.choice(LAST),
                     birth_date=date(1960 + rng.randrange(40), 1 + rng.randrange(12), 1 + rng.randrange(28)),
                     phone=f"555-2{rng.randrange(10**6):06d}") for _ in range(extra_clients)]
    appointments = []
    for index, (client, provider, service, room) in enumerate((
            (known[0], injector, botox, rooms[0]), (known[1], aesthetician, facial, rooms[1]),
            (known[2], injector, botox, rooms[0]))):
        starts = local_datetime(today, time(9 + 2 * index), zone)
        appointments.append(Appointment(
            location_id=location.id, client_id=client.id, provider_id=provider.id, room_id=room.id,
            service_id=service.id, starts_at=starts, ends_at=starts + timedelta(minutes=service.duration_min),
            status=AppointmentStatus.CONFIRMED))
    past = local_datetime(today - timedelta(days=90), time(10), zone)
    treatment = TreatmentRecord(
        client_id=known[0].id, provider_id=injector.id, service_id=botox.id, performed_at=past,
        products=(ProductUse(product_id=botox.id, product_name="Botox 100U", lot="C3709AC4",
                             expiry=date(2030, 1, 1), amount=20, unit=ProductUnit.UNITS, area="glabella"),),
        clinical_notes=TREATMENT_NOTE)
    records: list[Record] = [location, injector, aesthetician, *users, *rooms, botox, facial, *shifts,
                             *known, *others, *appointments, treatment]
    return SmallPractice(location=location, users=users, known=known, records=records, today=today)


@dataclass(frozen=True)
class SeededWorkstation:
    directory: Path
    passwords: dict[str, str]


def seed_workstation(directory: Path, practice: SmallPractice, *, passwords: dict[str, str] = PASSWORDS
                     ) -> SeededWorkstation:
    """A workstation folder as a first sync would leave it (``tests.support.workstations``)."""
    from tests.support.workstations import seed_offline_workstation

    seed_offline_workstation(directory, records=practice.records, users=practice.users,
                             location_id=practice.location.id, passwords=passwords)
    return SeededWorkstation(directory=directory, passwords=dict(passwords))
