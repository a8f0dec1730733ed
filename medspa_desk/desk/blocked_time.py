"""Blocked time: a provider away (time off, a break) or a room out of use (maintenance); booking refuses it.

A manager blocks time off and maintenance; the front desk may block (or free) a
provider's break (``rules.block_use_case``). A block travels as its own mutation
(``blocked_time.put``) and every desk refuses it once it has synced;
``book_visit`` and ``reschedule_visit`` refuse a visit whose provider or room is
blocked, naming who or what and when, and a block over a visit still on the
books is refused (move the visit first). The server applies the same rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from medspa_desk.desk.errors import DeskRefusal
from medspa_desk.records import Appointment, BlockedTime, BlockKind, Location
from medspa_desk.rules import block_use_case
from medspa_desk.scheduling import (
    BLOCK_REASONS,
    blocked_visit,
    blocking,
    booked_words,
    format_span,
    local_datetime,
)
from medspa_desk.store import Changes, Store
from medspa_desk.store.actor import Actor

WHY: dict[BlockKind, str] = BLOCK_REASONS


class TimeBlocked(DeskRefusal):
    """The visit's provider or room is blocked then; the message says which, when and why."""


class TimeBooked(DeskRefusal):
    """A visit still on the books holds the time to block; the message names when, and what to do."""


def block_time(store: Store, *, actor: Actor, block: BlockedTime) -> Changes:
    """Block (or, with ``deleted``, free again) a provider's or a room's time; audited and synced.

    Who may is the block's use case (a break: the front desk too), for the block as it was as well.
    """
    before = store.blocked_time(block.id)
    for version in (before, block):
        if version is not None:
            store.permit(actor, block_use_case(version), entity=BlockedTime.entity, entity_id=block.id)
    if not block.deleted:
        refuse_booked_time(store, block)
    return store.put_reference(block, actor=actor)


def refuse_booked_time(store: Store, block: BlockedTime) -> None:
    """Raise ``TimeBooked`` when a visit on the books runs with the block's provider or in its room."""
    visits = store.appointments_between(block.starts_at - timedelta(days=1), block.ends_at,
                                        provider_id=block.provider_id, room_id=block.room_id)
    visit = blocked_visit(block, visits)
    if visit is None:
        return
    zone = next(loc.zone for loc in store.locations() if loc.id == block.location_id)
    raise TimeBooked(booked_words(visit, zone))


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
    names = {p.id: p.display_name for p in store.providers()}
    names.update({r.id: r.name for r in store.rooms(visit.location_id)})
    zone = next(loc.zone for loc in store.locations() if loc.id == visit.location_id)
    raise TimeBlocked(blocked_words(block, names=names, zone=zone))


def blocked_words(block: BlockedTime, *, names: Mapping[UUID, str], zone: ZoneInfo) -> str:
    """Why a visit cannot go into ``block``, naming who or what, when and why, and what to do.

    Said on saving (``refuse_blocked_time``) and as the booking dialog's slot line before it.
    """
    holder = block.provider_id or block.room_id
    who = names.get(holder) if holder is not None else None
    who = who or ("The provider" if block.provider_id is not None else "The room")
    local = block.starts_at.astimezone(zone)
    return (f"{who} is blocked {format_span(block.starts_at, block.ends_at, zone)} "
            f"on {local:%A %B} {local.day} ({WHY[block.kind]}). Choose another time, provider or room.")
