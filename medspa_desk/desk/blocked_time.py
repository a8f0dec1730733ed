"""Blocked time: a provider away (time off, a break) or a room out of use (maintenance); booking refuses it.

A manager blocks the time (it syncs as the practice's set-up, so every desk
refuses it once it has synced); ``book_visit`` and ``reschedule_visit`` refuse a
visit whose provider or room is blocked, naming who or what and when.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from medspa_desk.desk.errors import DeskRefusal
from medspa_desk.records import Appointment, BlockedTime, BlockKind, Location
from medspa_desk.rules import UseCase
from medspa_desk.scheduling import BLOCK_REASONS, blocking, format_span, local_datetime
from medspa_desk.store import Changes, Store
from medspa_desk.store.actor import Actor

WHY: dict[BlockKind, str] = BLOCK_REASONS


class TimeBlocked(DeskRefusal):
    """The visit's provider or room is blocked then; the message says which, when and why."""


def block_time(store: Store, *, actor: Actor, block: BlockedTime) -> Changes:
    """Block (or, with ``deleted``, free again) a provider's or a room's time; audited and synced."""
    store.permit(actor, UseCase.BLOCK_TIME, entity=BlockedTime.entity, entity_id=block.id)
    return store.put_reference(block, actor=actor)


def blocked_on(store: Store, *, location: Location, day: date) -> tuple[str, ...]:
    """The day's blocked time in words, in time order: "Dana Reyes 12:00–13:00 (a break)"."""
    zone = location.zone
    starts = local_datetime(day, time(0), zone)
    names = {p.id: p.display_name for p in store.providers()}
    names.update({r.id: r.name for r in store.rooms(location.id)})
    return tuple(f"{names.get(b.provider_id or b.room_id, 'Unknown')} "  # type: ignore[arg-type]
                 f"{format_span(b.starts_at, b.ends_at, zone)} ({WHY[b.kind]})"
                 for b in store.blocked_times(location.id, starts=starts, ends=starts + timedelta(days=1)))


def refuse_blocked_time(store: Store, visit: Appointment) -> None:
    """Raise ``TimeBlocked`` when the visit's provider or room is blocked during it (``scheduling.blocking``)."""
    block = blocking(visit, store.blocked_times(visit.location_id, starts=visit.starts_at, ends=visit.ends_at))
    if block is None:
        return
    if block.provider_id is not None:
        who = next((p.display_name for p in store.providers() if p.id == block.provider_id), "The provider")
    else:
        who = next((r.name for r in store.rooms(visit.location_id) if r.id == block.room_id), "The room")
    zone = next(loc.zone for loc in store.locations() if loc.id == visit.location_id)
    raise TimeBlocked(f"{who} is blocked {format_span(block.starts_at, block.ends_at, zone)} "
                      f"on {block.starts_at.astimezone(zone):%A %B} {block.starts_at.astimezone(zone).day} "
                      f"({WHY[block.kind]}). Choose another time, provider or room.")
