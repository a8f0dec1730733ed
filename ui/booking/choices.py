"""What the booking dialog chooses from: the location's active services, providers, rooms and shifts."""

from __future__ import annotations

from dataclasses import dataclass

from medspa_desk.records import Location, Provider, Room, Service, Shift
from medspa_desk.store import Store


@dataclass(frozen=True)
class BookingChoices:
    """The reference data the dialog chooses from, read once when it opens."""

    location: Location
    services: tuple[Service, ...]
    providers: tuple[Provider, ...]
    rooms: tuple[Room, ...]
    shifts: tuple[Shift, ...]


def load_choices(store: Store, *, location: Location) -> BookingChoices:
    return BookingChoices(
        location=location,
        services=tuple(s for s in store.services() if s.active),
        providers=tuple(p for p in store.providers() if p.active),
        rooms=tuple(r for r in store.rooms(location.id) if r.active),
        shifts=tuple(store.shifts()),
    )
