"""Appointments as commands: book, reschedule, cancel, change status.

Overlaps of a provider or room are refused by the same rule on both
databases: here inside the serialised write (SQLite ``BEGIN IMMEDIATE``, the
tenant head lock on PostgreSQL), and on PostgreSQL also by the btree_gist
exclusion constraint on ``appointment_slots`` as the last wall. The loser gets
a conflict carrying its own appointment as the server holds it (if at all) and
a ``DoubleBooking`` detail (the refused appointment and the one that holds the
slot); its booking is kept in ``conflicts`` for the inbox, never dropped.
"""

from __future__ import annotations

from uuid import UUID
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from medspa_api.db import tables as t
from medspa_api.db.dialect import is_slot_violation
from medspa_api.sync.context import PushContext, parse, parse_payload
from medspa_api.sync.outcomes import Conflicted, KeptConflict, Rejected
from medspa_desk.protocol import DoubleBooking, VisitCancel, VisitMove, VisitStatus
from medspa_desk.records import (
    Appointment,
    AppointmentStatus,
    BlockedTime,
    ConflictKind,
    InvalidTransition,
    utc_now,
)
from medspa_desk.rules import require_movable, require_transition
from medspa_desk.scheduling import BLOCK_REASONS, blocked_interval, blocking, format_span

SLOT_TAKEN = "slot_taken"
TIME_BLOCKED = "time_blocked"


def _holder(ctx: PushContext, appt: Appointment) -> UUID | None:
    start, end = blocked_interval(appt)
    s = t.appointment_slots.c
    same_resource = s.provider_id == appt.provider_id
    if appt.room_id is not None:
        same_resource = sa.or_(same_resource, s.room_id == appt.room_id)
    return ctx.conn.execute(sa.select(s.appointment_id).where(
        s.tenant_id == ctx.tenant_id, s.holds_slot.is_(True), s.appointment_id != appt.id, same_resource,
        s.blocked_from < end, s.blocked_to > start).limit(1)).scalar()


def _refuse_double_booking(ctx: PushContext, appt: Appointment, holder_id: UUID) -> Conflicted:
    """The conflict answer: ``current`` is the refused appointment as the server holds it, the detail its holder.

    Like every conflict, ``current`` is the addressed record as the server keeps it: for a refused
    move or status change the last applied version (nothing for a refused new booking, which the
    server does not hold).
    """
    holder = ctx.log.get(holder_id, entity="appointment") if holder_id != appt.id else None
    kept = KeptConflict(kind=ConflictKind.DOUBLE_BOOKING.value, entity="appointment", entity_id=appt.id,
                        holder_id=holder_id, data=appt.to_json())
    detail = DoubleBooking(refused=appt, holder=Appointment.from_json(holder) if holder else None)
    return Conflicted(SLOT_TAKEN, "Another booking already holds this provider or room at that time.",
                      current=ctx.log.get(appt.id, entity="appointment"), detail=detail, kept=kept)


def _store(ctx: PushContext, appt: Appointment, *, is_new: bool) -> Appointment:
    """Save the appointment and its slot; a clash becomes a conflict (with the booking kept)."""
    if appt.holds_slot and (holder := _holder(ctx, appt)) is not None:
        raise _refuse_double_booking(ctx, appt, holder)
    start, end = blocked_interval(appt)
    slot = {"provider_id": appt.provider_id, "room_id": appt.room_id, "blocked_from": start,
            "blocked_to": end, "holds_slot": appt.holds_slot}
    try:
        with ctx.conn.begin_nested():
            if is_new:
                ctx.conn.execute(t.appointment_slots.insert().values(tenant_id=ctx.tenant_id,
                                                                     appointment_id=appt.id, **slot))
            else:
                ctx.conn.execute(t.appointment_slots.update().where(
                    t.appointment_slots.c.tenant_id == ctx.tenant_id,
                    t.appointment_slots.c.appointment_id == appt.id).values(**slot))
    except DBAPIError as exc:
        if not is_slot_violation(exc):
            raise
        raise _refuse_double_booking(ctx, appt, _holder(ctx, appt) or appt.id) from None
    return ctx.log.save(appt, mutation_id=ctx.mutation.id, is_new=is_new)


def _refuse_blocked_time(ctx: PushContext, appt: Appointment) -> None:
    """A booking or a move into time a manager blocked, pushed by a desk that had not yet heard of the block.

    The desk's own check (``scheduling.blocking``) stopped it everywhere the block had synced; this is the
    same rule on the server, so a desk offline at the time still gets the refusal, in its inbox.
    """
    rows = ctx.log.location_records(BlockedTime.entity, appt.location_id)  # a block earlier in this push too
    block = blocking(appt, (BlockedTime.from_stored(data) for data in rows))
    if block is None:
        return
    zone = location_zone(ctx, appt.location_id)
    holder = "provider" if block.provider_id is not None else "room"
    raise Rejected(TIME_BLOCKED, f"The {holder} is blocked {format_span(block.starts_at, block.ends_at, zone)} on "
                                 f"{block.starts_at.astimezone(zone):%A %B} {block.starts_at.astimezone(zone).day} "
                                 f"({BLOCK_REASONS[block.kind]}). Book another time, provider or room.")


def location_zone(ctx: PushContext, location_id: UUID) -> ZoneInfo:
    location = ctx.log.get(location_id, entity="location") or {}
    return ZoneInfo(location.get("time_zone") or "UTC")


def book(ctx: PushContext) -> Appointment:
    appt = parse(Appointment, {**ctx.mutation.payload, "id": str(ctx.mutation.entity_id)})
    if ctx.log.get(appt.id) is not None:
        raise Conflicted("already_exists", "This appointment is already on the server.",
                         current=ctx.log.get(appt.id))
    if ctx.log.get(appt.client_id, entity="client") is None:
        # A client refused or never pushed (a desk that queued both, the client first, and
        # lost the client to a rejection): the server must not hold a booking for nobody.
        raise Rejected("unknown_client", "The client of this booking is not on the server. Add the "
                       "client again from the conflict inbox, then book the appointment.")
    # Who booked is who pushed: the payload's booked_by is the desk's claim, not evidence.
    appt = appt.model_copy(update={"version": 1, "booked_by": ctx.caller.user_id, "updated_at": utc_now()})
    _refuse_blocked_time(ctx, appt)
    return _store(ctx, appt, is_new=True)


def reschedule(ctx: PushContext) -> Appointment:
    move = parse_payload(ctx, VisitMove)
    current = ctx.current(Appointment)
    try:
        require_movable(current.status)
    except InvalidTransition as exc:
        raise Rejected("not_reschedulable", str(exc)) from None
    moved = parse(Appointment, {
        **current.to_json(),
        "starts_at": move.starts_at.isoformat(),
        "ends_at": move.ends_at.isoformat(),
        "provider_id": str(move.provider_id or current.provider_id),
        "room_id": str(move.room_id) if move.room_id else None,
        "version": current.version + 1, "updated_at": utc_now().isoformat()})
    _refuse_blocked_time(ctx, moved)
    return _store(ctx, moved, is_new=False)


def _set_status(ctx: PushContext, status: AppointmentStatus, reason: str) -> Appointment:
    current = ctx.current(Appointment)
    try:
        require_transition(current.status, status)
        changed = current.with_status(status, by_user_id=ctx.caller.user_id, at=ctx.mutation.created_at,
                                      reason=reason)
    except InvalidTransition as exc:
        raise Rejected("invalid_transition", str(exc)) from None
    changed = changed.model_copy(update={"updated_at": utc_now()})
    return _store(ctx, changed, is_new=False)


def cancel(ctx: PushContext) -> Appointment:
    return _set_status(ctx, AppointmentStatus.CANCELLED, parse_payload(ctx, VisitCancel).reason)


def set_status(ctx: PushContext) -> Appointment:
    change = parse_payload(ctx, VisitStatus)
    return _set_status(ctx, change.status, change.reason)
