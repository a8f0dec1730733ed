"""The waitlist: a client wants a service (any or a named provider) in a window of days and times.

When a cancellation or a move frees a time, the desk that freed it asks
``waiting_for_freed`` who is waiting for it: each entry still waiting at the
location whose provider, days and times take in the freed time, with the first
time in it the entry's service can be booked (the freed provider, a room of
the needed kind, buffers and blocked time honoured, ``desk.free_time``).
``book_from_waitlist`` books that time and marks the entry booked in one
transaction. Entries sync (``waitlist.add``, ``waitlist.close``): an entry made on
one desk is offered when another desk cancels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from medspa_desk.desk.free_time import free_times
from medspa_desk.desk.visits import book_visit
from medspa_desk.records import Appointment, Location, WaitlistEntry, WaitlistStatus, utc_now
from medspa_desk.rules import UseCase, may
from medspa_desk.scheduling import Choice, can_do, local_datetime, local_day
from medspa_desk.store import Changes, InvalidChange, NotFound, Store
from medspa_desk.store.actor import Actor
from medspa_desk.store.views import ClientLabel

ENTITY = WaitlistEntry.entity


@dataclass(frozen=True)
class Offer:
    """A client waiting for the freed time, and the time in it their service can be booked."""

    entry: WaitlistEntry
    client: ClientLabel | None  # None: the client is not on this desk yet
    service_name: str
    choice: Choice

    @property
    def client_name(self) -> str:
        return self.client.shown_name if self.client else "A client not yet on this desk"


def add_to_waitlist(store: Store, *, actor: Actor, entry: WaitlistEntry) -> Changes:
    """Put the client on the waitlist (who added them is recorded); audited and synced."""
    store.permit(actor, UseCase.ADD_TO_WAITLIST, entity=ENTITY, entity_id=entry.id)
    service = next((s for s in store.services() if s.id == entry.service_id), None)
    if service is None or not service.active:
        raise InvalidChange("Choose a service the practice offers for the waitlist.")
    if entry.provider_id is not None:
        provider = next((p for p in store.providers() if p.id == entry.provider_id), None)
        location = _location(store, entry.location_id)
        if provider is None or not can_do(provider, service, location=location, shifts=store.shifts()):
            raise InvalidChange(f"That provider does not do {service.name} here. Choose another provider or "
                                "“any provider”.")
    return store.add_to_waitlist(entry.model_copy(update={"created_by": actor.user_id,
                                                          "status": WaitlistStatus.WAITING}), actor=actor)


def remove_from_waitlist(store: Store, *, actor: Actor, entry_id: UUID, reason: str) -> Changes:
    """Take the client off the waitlist, saying why (kept with the entry)."""
    store.permit(actor, UseCase.REMOVE_FROM_WAITLIST, entity=ENTITY, entity_id=entry_id)
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidChange("Say why the client comes off the waitlist, e.g. “booked elsewhere”.")
    if len(reason) > 200:
        raise InvalidChange("Keep the reason to 200 characters.")
    return store.close_waitlist_entry(entry_id, status=WaitlistStatus.REMOVED, reason=reason, actor=actor)


def waiting_for_freed(store: Store, *, actor: Actor, freed: Appointment, now: datetime | None = None) -> list[Offer]:
    """Who is waiting for the time ``freed`` held (the visit as it was before it was cancelled or moved).

    Oldest entry first; only times from ``now`` on. Empty for a person who may not book from the waitlist.
    """
    if not may(actor.role, UseCase.BOOK_FROM_WAITLIST):
        return []
    location = _location(store, freed.location_id)
    zone = location.zone
    day = local_day(freed.starts_at, zone)
    services = {s.id: s for s in store.services()}
    offers: list[Offer] = []
    for entry in store.waiting(location.id):
        service = services.get(entry.service_id)
        if service is None or not service.active or not entry.first_day <= day <= entry.last_day:
            continue
        if (entry.weekdays and day.weekday() not in entry.weekdays) or entry.provider_id not in (None, freed.provider_id):
            continue
        opens, closes = local_datetime(day, entry.earliest, zone), local_datetime(day, entry.latest, zone)
        after = max(freed.starts_at, opens, now or utc_now())
        until = min(freed.ends_at, closes - timedelta(minutes=service.duration_min) + timedelta(seconds=1))
        if until <= after:
            continue
        found = free_times(store, location=location, service=service, after=after, days=1, count=1,
                           provider_id=freed.provider_id, until=until)
        if found:
            offers.append(Offer(entry=entry, client=None, service_name=service.name, choice=found[0]))
    if not offers:
        return []
    labels = store.client_labels([o.entry.client_id for o in offers])
    return [Offer(entry=o.entry, client=labels.get(o.entry.client_id), service_name=o.service_name,
                  choice=o.choice) for o in offers]


def book_from_waitlist(store: Store, *, actor: Actor, entry_id: UUID, starts_at: datetime, provider_id: UUID,
                       room_id: UUID | None, confirmed: bool = False, now: datetime | None = None) -> Changes:
    """Book the waiting client at ``starts_at`` and mark the entry booked, both or neither.

    The booking is checked like any other (``visits.book_visit``: blocked time, a taken
    slot, hours; ``NeedsConfirmation`` unless ``confirmed``).
    """
    store.permit(actor, UseCase.BOOK_FROM_WAITLIST, entity=ENTITY, entity_id=entry_id)
    entry = store.waitlist_entry(entry_id)
    if not entry.waiting:
        raise InvalidChange("This client is no longer on the waitlist (booked or taken off, perhaps on another "
                            "desk). Refresh the list.")
    service = next((s for s in store.services() if s.id == entry.service_id), None)
    if service is None:
        raise NotFound("The service this client waits for is not on this desk yet; sync, then try again.")
    visit = Appointment(location_id=entry.location_id, client_id=entry.client_id, provider_id=provider_id,
                        room_id=room_id, service_id=service.id, starts_at=starts_at,
                        ends_at=starts_at + timedelta(minutes=service.duration_min),
                        buffer_before_min=service.buffer_before_min, buffer_after_min=service.buffer_after_min,
                        notes=entry.note)
    with store.transaction():
        booked = book_visit(store, actor=actor, visit=visit, confirmed=confirmed, now=now)
        return booked | store.close_waitlist_entry(entry_id, status=WaitlistStatus.BOOKED, visit_id=visit.id,
                                                   reason="booked from the waitlist", actor=actor)


def _location(store: Store, location_id: UUID) -> Location:
    for location in store.locations():
        if location.id == location_id:
            return location
    raise NotFound("This location is not on this desk yet; sync, then try again.")
