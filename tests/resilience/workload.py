"""A desk's share of mixed front-desk work: new clients, edits, bookings, moves, cancellations.

Each desk books only its own slots (even or odd in one grid), so every
mutation is meant to apply: any conflict or rejection in the test is a sync
bug, not the workload.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from medspa_desk.records import Appointment, AppointmentStatus
from medspa_desk.store.store import Store
from tests.support.live_api import LiveApi
from tests.support.sync_desks import Desk, new_client

SLOTS_PER_DAY = 20
ZONE = ZoneInfo("America/New_York")


def slot_start(index: int) -> datetime:
    day = datetime.now(ZONE).date() + timedelta(days=2 + index // SLOTS_PER_DAY)
    return datetime(day.year, day.month, day.day, 8, tzinfo=ZONE) + timedelta(minutes=30 * (index % SLOTS_PER_DAY))


class Workload:
    def __init__(self, desk: Desk, live: LiveApi, *, parity: int, seed: int) -> None:
        self.desk = desk
        self.live = live
        self.rng = random.Random(seed)
        self.parity = parity
        self.next_slot = 0
        self.clients: list[UUID] = []
        self.bookings: dict[UUID, AppointmentStatus] = {}
        # Mutations made per record: the server's version must be exactly this (applied once each).
        self.expected_versions: Counter[UUID] = Counter()
        self.done: Counter[str] = Counter()

    def _slot(self) -> datetime:
        index = self.next_slot * 2 + self.parity
        self.next_slot += 1
        return slot_start(index)

    def step(self) -> None:
        movable = [a for a, s in self.bookings.items() if s in (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)]
        booked = [a for a, s in self.bookings.items() if s is AppointmentStatus.BOOKED]
        choices = ["create"] * 3
        if self.clients:
            choices += ["update"] * 3 + ["book"] * 3
        if movable:
            choices += ["reschedule", "cancel"]
        if booked:
            choices += ["confirm"]
        getattr(self, f"_{self.rng.choice(choices)}")()

    def _create(self) -> None:
        client = new_client(f"Guest{len(self.clients)}", f"Desk{self.parity}")
        self.desk.write(lambda store: store.create_client(client, actor=self.desk.actor))
        self.clients.append(client.id)
        self.expected_versions[client.id] = 1
        self.done["create"] += 1

    def _update(self) -> None:
        client_id = self.rng.choice(self.clients)
        change = {"notes": f"visit note {self.rng.randrange(10**6)}",
                  "phone": f"555-01{self.rng.randrange(10**4):04d}"}
        self.desk.write(lambda store: store.update_client(client_id, change, actor=self.desk.actor))
        self.expected_versions[client_id] += 1
        self.done["update"] += 1

    def _book(self) -> None:
        seed = self.live.tenant
        starts = self._slot()
        appt = Appointment(location_id=seed.location.id, client_id=self.rng.choice(self.clients),
                           provider_id=seed.provider.id, room_id=seed.room.id, service_id=seed.service.id,
                           starts_at=starts, ends_at=starts + timedelta(minutes=30))
        self.desk.write(lambda store: store.book(appt, actor=self.desk.actor))
        self.bookings[appt.id] = AppointmentStatus.BOOKED
        self.expected_versions[appt.id] = 1
        self.done["book"] += 1

    def _reschedule(self) -> None:
        appt_id = self.rng.choice([a for a, s in self.bookings.items()
                                   if s in (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)])
        starts = self._slot()
        seed = self.live.tenant

        def move(store: Store) -> None:
            store.reschedule(appt_id, starts_at=starts, ends_at=starts + timedelta(minutes=30),
                             provider_id=seed.provider.id, room_id=seed.room.id, actor=self.desk.actor)

        self.desk.write(move)
        self.expected_versions[appt_id] += 1
        self.done["reschedule"] += 1

    def _cancel(self) -> None:
        appt_id = self.rng.choice([a for a, s in self.bookings.items()
                                   if s in (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)])
        self.desk.write(lambda store: store.cancel(appt_id, reason="client called to cancel", actor=self.desk.actor))
        self.bookings[appt_id] = AppointmentStatus.CANCELLED
        self.expected_versions[appt_id] += 1
        self.done["cancel"] += 1

    def _confirm(self) -> None:
        appt_id = self.rng.choice([a for a, s in self.bookings.items() if s is AppointmentStatus.BOOKED])
        self.desk.write(lambda store: store.set_status(appt_id, AppointmentStatus.CONFIRMED, actor=self.desk.actor))
        self.bookings[appt_id] = AppointmentStatus.CONFIRMED
        self.expected_versions[appt_id] += 1
        self.done["confirm"] += 1

    @property
    def mutations(self) -> int:
        return sum(self.done.values())


