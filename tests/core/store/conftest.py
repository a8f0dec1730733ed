"""A real SQLCipher store in a temp folder, a small practice in it, and an actor to act as."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from medspa_desk.records import (
    Appointment,
    Client,
    Location,
    Provider,
    ProviderKind,
    Role,
    Room,
    Service,
    ServiceCategory,
    new_id,
)
from medspa_desk.scheduling import local_datetime
from medspa_desk.store import Actor, Store


@pytest.fixture
def key() -> bytearray:
    return bytearray(os.urandom(32))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "desk.db"


@pytest.fixture
def store(db_path: Path, key: bytearray) -> Iterator[Store]:
    with Store.open(db_path, key, create=True) as opened:
        yield opened


@pytest.fixture
def actor() -> Actor:
    return Actor(user_id=new_id(), device_id=new_id(), role=Role.FRONT_DESK)


class Practice:
    """One location in New York with two providers, two rooms and a Botox service."""

    def __init__(self, store: Store, actor: Actor) -> None:
        self.store = store
        self.actor = actor
        self.location = Location(name="Main Street", time_zone="America/New_York")
        self.injector = Provider(display_name="Dana Reyes", credentials="NP",
                                 kind=ProviderKind.INJECTOR)
        self.nurse = Provider(display_name="Sam Ortiz", credentials="RN", kind=ProviderKind.IV_NURSE)
        self.room1 = Room(location_id=self.location.id, name="Room 1")
        self.room2 = Room(location_id=self.location.id, name="Room 2")
        self.botox = Service(name="Botox", category=ServiceCategory.NEUROTOXIN, duration_min=30,
                             buffer_after_min=10)
        for record in (self.location, self.injector, self.nurse, self.room1, self.room2, self.botox):
            store.put_reference(record, actor=actor)

    @property
    def zone(self) -> ZoneInfo:
        return self.location.zone

    def client(self, first: str = "Maria", last: str = "Lopez", **fields: object) -> Client:
        client = Client(first_name=first, last_name=last, birth_date=fields.pop("birth_date", date(1985, 3, 14)),
                        **fields)
        self.store.create_client(client, actor=self.actor)
        return client

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return local_datetime(day, time(hour, minute), self.zone)

    def appointment(self, client: Client, *, day: date, hour: int, minute: int = 0,
                    minutes: int = 30, provider: Provider | None = None, room: Room | None = None,
                    buffer_after: int = 10) -> Appointment:
        start = self.at(day, hour, minute)
        return Appointment(location_id=self.location.id, client_id=client.id,
                           provider_id=(provider or self.injector).id,
                           room_id=(room or self.room1).id, service_id=self.botox.id,
                           starts_at=start, ends_at=start + timedelta(minutes=minutes),
                           buffer_after_min=buffer_after)


@pytest.fixture
def practice(store: Store, actor: Actor) -> Practice:
    return Practice(store, actor)
