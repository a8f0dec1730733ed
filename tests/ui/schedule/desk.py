"""A real desk for schedule, booking and check-in tests.

A real SQLCipher store (random key, temp folder) attached to the app's one
database worker, a small practice in it, and a session-like object (location,
actor, user) the views take. Import the fixtures into a test module with
``from tests.ui.schedule.desk import desk, front_desk, provider_desk``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from medspa_desk.records import (
    Appointment,
    Client,
    ConsentRequirement,
    Location,
    OpeningHours,
    Provider,
    ProviderKind,
    Role,
    Room,
    Service,
    ServiceCategory,
    Shift,
    User,
    utc_now,
)
from medspa_desk.scheduling import local_datetime
from medspa_desk.store import Actor, Store
from ui.operations import db_worker


@dataclass
class Desk:
    """The practice in the store, and who is signed in (``location``/``actor``/``user``, like a session)."""

    location: Location
    user: User
    actor: Actor
    injector: Provider
    laser_tech: Provider
    rooms: dict[str, Room]
    services: dict[str, Service]
    users: dict[str, User] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return self.location.zone

    @property
    def today(self) -> date:
        return utc_now().astimezone(self.zone).date()

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return local_datetime(day, time(hour, minute), self.zone)

    def server_link(self) -> None:
        """No server here (like a session signed in offline)."""
        return None

    def run(self, body: Callable[[Store], Any]) -> Any:
        """Run ``body(store)`` on the app's database worker and wait (seeding and checking)."""
        return db_worker().run_sync(body)

    def as_user(self, name: str) -> Desk:
        user = self.users[name]
        return replace(self, user=user, actor=Actor(user_id=user.id, device_id=self.actor.device_id,
                                                     role=user.role))

    def add_client(self, first: str = "Maria", last: str = "Lopez", *, born: date = date(1985, 3, 14),
                   **fields: Any) -> Client:
        client = Client(first_name=first, last_name=last, birth_date=born, **fields)
        self.run(lambda store: store.create_client(client, actor=self.actor))
        return client

    def book(self, client: Client, *, day: date, hour: int, minute: int = 0, service: str = "botox",
             provider: Provider | None = None, room: str | None = "room1") -> Appointment:
        chosen = self.services[service]
        start = self.at(day, hour, minute)
        appt = Appointment(location_id=self.location.id, client_id=client.id,
                           provider_id=(provider or self.injector).id,
                           room_id=self.rooms[room].id if room else None, service_id=chosen.id,
                           starts_at=start, ends_at=start + timedelta(minutes=chosen.duration_min),
                           buffer_before_min=chosen.buffer_before_min,
                           buffer_after_min=chosen.buffer_after_min)
        self.run(lambda store: store.book(appt, actor=self.actor))
        return appt

    def appointment(self, appointment_id: Any) -> Appointment:
        return self.run(lambda store: store.appointment(appointment_id))


def _practice(store: Store, device_id: Any) -> Desk:
    location = Location(name="Glow Aesthetics", time_zone="America/New_York", opening_hours=tuple(
        OpeningHours(weekday=w, opens=time(8), closes=time(19)) for w in range(7)))
    injector = Provider(display_name="Dana Reyes", credentials="NP", kind=ProviderKind.INJECTOR)
    laser_tech = Provider(display_name="Lee Park", credentials="LE", kind=ProviderKind.LASER_TECHNICIAN)
    rooms = {"room1": Room(location_id=location.id, name="Room 1"),
             "room2": Room(location_id=location.id, name="Room 2"),
             "laser": Room(location_id=location.id, name="Laser Suite", kind="laser")}
    services = {
        "botox": Service(name="Botox", category=ServiceCategory.NEUROTOXIN, duration_min=30,
                         buffer_after_min=10, provider_kinds=(ProviderKind.INJECTOR,),
                         room_kinds=("treatment",), requires_intake=False,
                         consents=(ConsentRequirement(template_key="neurotoxin", valid_days=365),)),
        "laser": Service(name="Laser hair removal", category=ServiceCategory.LASER, duration_min=45,
                         provider_kinds=(ProviderKind.LASER_TECHNICIAN,), room_kinds=("laser",),
                         requires_intake=False),
        "consult": Service(name="Consultation", category=ServiceCategory.CONSULTATION, duration_min=15,
                           requires_intake=False),
    }
    users = {"front": User(username="frontdesk", display_name="Jo Front", role=Role.FRONT_DESK),
             "provider": User(username="dana", display_name="Dana Reyes", role=Role.PROVIDER,
                              provider_id=injector.id),
             "manager": User(username="lee", display_name="Lee Park", role=Role.MANAGER)}
    shifts = [Shift(provider_id=p.id, location_id=location.id, weekday=w, starts=time(8), ends=time(19))
              for p in (injector, laser_tech) for w in range(7)]
    seeder = Actor(user_id=users["front"].id, device_id=device_id, role=Role.ADMIN)
    for record in (location, injector, laser_tech, *rooms.values(), *services.values(), *users.values(),
                   *shifts):
        store.put_reference(record, actor=seeder)
    front = users["front"]
    return Desk(location=location, user=front, actor=Actor(user_id=front.id, device_id=device_id,
                                                           role=front.role),
                injector=injector, laser_tech=laser_tech, rooms=rooms, services=services, users=users)


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    from medspa_desk.records import new_id

    worker = db_worker()
    key = bytearray(os.urandom(32))
    worker.open(lambda: Store.open(tmp_path / "desk.db", key, create=True))
    practice = worker.run_sync(lambda store: _practice(store, new_id()))
    yield practice
    worker.detach(close=True)
    worker.run_sync(lambda _store: None)


@pytest.fixture
def front_desk(desk: Desk) -> Desk:
    return desk


@pytest.fixture
def provider_desk(desk: Desk) -> Desk:
    return desk.as_user("provider")
