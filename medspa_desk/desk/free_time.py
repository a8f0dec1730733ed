"""The next free times for a service with any provider who can do it (the "Find next free…" dialog).

Looks on the practice's booking grid (``Location.booking_step_min``, 15 minutes
unless set), through the next 14 days in the practice's time zone, honouring
opening hours, shifts, buffers, rooms of the needed kind, blocked time and the
visits already on the desk (``scheduling.next_free_any``). Works offline: it
reads this desk's store only.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from medspa_desk.records import Location, Service
from medspa_desk.rules import UseCase
from medspa_desk.scheduling import Choice, can_do, next_free_any, rooms_for
from medspa_desk.store import InvalidChange, NotFound, Store
from medspa_desk.store.actor import Actor

DAYS_AHEAD = 14
CHOICES = 5
MARGIN = timedelta(days=1)


def find_next_free(store: Store, *, actor: Actor, location: Location, service_id: UUID, after: datetime,
                   days: int = DAYS_AHEAD, count: int = CHOICES) -> list[Choice]:
    """The first ``count`` free times for the service with any provider who can do it, earliest first.

    ``after`` is now (the desk's clock) or a later time the person asked from. Refused
    with a plain reason when the service is unknown or retired; an empty list when
    nothing is free in ``days`` days.
    """
    store.permit(actor, UseCase.BOOK_VISIT, entity="service", entity_id=service_id)
    if after.tzinfo is None:
        raise InvalidChange("A time without a time zone cannot be searched from; use the practice's clock.")
    service = next((s for s in store.services() if s.id == service_id), None)
    if service is None:
        raise NotFound("This service is not on this desk yet; sync, then try again.")
    if not service.active:
        raise InvalidChange(f"{service.name} is no longer offered. Choose another service.")
    return free_times(store, location=location, service=service, after=after, days=days, count=count)


def free_times(store: Store, *, location: Location, service: Service, after: datetime, days: int = DAYS_AHEAD,
               count: int = CHOICES, provider_id: UUID | None = None, until: datetime | None = None) -> list[Choice]:
    """The search itself, over this desk's store: every provider who can do ``service`` (or ``provider_id``)."""
    shifts = store.shifts()
    providers = [p for p in store.providers() if can_do(p, service, location=location, shifts=shifts)
                 and provider_id in (None, p.id)]
    rooms = rooms_for(service, location=location, rooms=store.rooms(location.id))
    end = after + timedelta(days=days) if until is None else min(until, after + timedelta(days=days))
    # A visit starting just before ``end`` runs past it, and its set-up reaches back before ``after``:
    # what is held a day either side can still be in its way (no visit is longer than 600 minutes).
    reach = (after - MARGIN, end + MARGIN)
    held = store.held_between(*reach, provider_ids=[p.id for p in providers], room_ids=[r.id for r in rooms])
    blocks = store.blocked_times(location.id, starts=reach[0], ends=reach[1])
    return next_free_any(service=service, providers=providers, location=location, shifts=shifts, rooms=rooms,
                         held=held, blocks=blocks, after=after, days=days, count=count, until=until)
