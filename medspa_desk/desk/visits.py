"""Visits: book, reschedule, cancel, confirm, check in, send to a room, complete, mark a no-show, and undo
an arrival or a no-show marked by mistake.

Which status may follow which is the clinic's table (``medspa_desk.rules``);
the store refuses a step the table does not allow (the refusal is audited and
its reason said), and a completed visit cannot be moved.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from medspa_desk.desk.blocked_time import refuse_blocked_time
from medspa_desk.desk.clients import refuse_possible_duplicate
from medspa_desk.desk.errors import NeedsConfirmation
from medspa_desk.desk.plausibility import WallTime, doubts, refuse_dst_gap
from medspa_desk.records import Appointment, AppointmentStatus, Client, Location, utc_now
from medspa_desk.rules import UseCase, require_movable, status_words
from medspa_desk.store import Changes, NotAllowed, NotFound, SlotTaken, Store
from medspa_desk.store.actor import Actor

VISIT = Appointment.entity


def book_visit(store: Store, *, actor: Actor, visit: Appointment, new_client: Client | None = None,
               asked_for: WallTime | None = None, confirmed: bool = False, not_a_duplicate: bool = False,
               now: datetime | None = None) -> Changes:
    """Book ``visit``, adding ``new_client`` first in the same transaction (both are kept, or neither).

    ``asked_for`` is the wall time the person typed: a time the practice's clock skips is refused.
    A time in the past or outside hours raises ``NeedsConfirmation`` unless ``confirmed``; a new client
    who looks like one on file raises ``PossibleDuplicate`` unless ``not_a_duplicate``.
    """
    store.permit(actor, UseCase.BOOK_VISIT, entity=VISIT, entity_id=visit.id)
    refuse_blocked_time(store, visit)
    if new_client is not None and not not_a_duplicate:
        refuse_possible_duplicate(store, new_client)
    _check_plausible(store, visit, asked_for=asked_for, confirmed=confirmed, now=now)
    service = next((s for s in store.services() if s.id == visit.service_id), None)
    visit = visit.model_copy(update={"booked_by": actor.user_id, "price_cents": service_price(store, visit),
                                     "service_name": visit.service_name or (service.name if service else "")})
    with store.transaction():
        added = store.create_client(new_client, actor=actor) if new_client is not None else Changes()
        return added | store.book(visit, actor=actor)


def service_price(store: Store, visit: Appointment) -> int | None:
    """The visit's service's price now, in cents (what a booking records and keeps); None if unknown."""
    return next((s.price_cents for s in store.services() if s.id == visit.service_id), None)


def reschedule_visit(store: Store, *, actor: Actor, visit_id: UUID, starts_at: datetime, ends_at: datetime,
                     provider_id: UUID, room_id: UUID | None, asked_for: WallTime | None = None,
                     confirmed: bool = False, now: datetime | None = None) -> Changes:
    store.permit(actor, UseCase.RESCHEDULE_VISIT, entity=VISIT, entity_id=visit_id)
    before = store.appointment(visit_id)
    require_movable(before.status)
    moved = before.model_copy(update={"starts_at": starts_at, "ends_at": ends_at, "provider_id": provider_id,
                                      "room_id": room_id})
    refuse_blocked_time(store, moved)
    _check_plausible(store, moved, asked_for=asked_for, confirmed=confirmed, now=now)
    return store.reschedule(visit_id, starts_at=starts_at, ends_at=ends_at, provider_id=provider_id,
                            room_id=room_id, actor=actor)


def cancel_visit(store: Store, *, actor: Actor, visit_id: UUID, reason: str) -> Changes:
    return change_visit_status(store, actor=actor, visit_id=visit_id, status=AppointmentStatus.CANCELLED,
                               reason=reason)


# Which use case each status step is, as a person picks it on the check-in screen or the schedule.
STEPS: dict[AppointmentStatus, UseCase] = {
    AppointmentStatus.BOOKED: UseCase.PUT_BACK_ON_THE_BOOKS,
    AppointmentStatus.CONFIRMED: UseCase.CONFIRM_VISIT,
    AppointmentStatus.ARRIVED: UseCase.CHECK_IN,
    AppointmentStatus.IN_ROOM: UseCase.SEND_TO_ROOM,
    AppointmentStatus.COMPLETED: UseCase.COMPLETE_VISIT,
    AppointmentStatus.NO_SHOW: UseCase.MARK_NO_SHOW,
    AppointmentStatus.CANCELLED: UseCase.CANCEL_VISIT,
}


def change_visit_status(store: Store, *, actor: Actor, visit_id: UUID, status: AppointmentStatus,
                        reason: str = "") -> Changes:
    """The step ``status`` as its own use case; the table says whether it may follow the visit's status."""
    return _step(store, actor=actor, visit_id=visit_id, status=status, use_case=STEPS[status], reason=reason)


def _step(store: Store, *, actor: Actor, visit_id: UUID, status: AppointmentStatus, use_case: UseCase,
          reason: str = "", only_from: AppointmentStatus | None = None) -> Changes:
    """One status step as ``use_case``; a step the table (or ``only_from``) refuses is audited and raised."""
    store.permit(actor, use_case, entity=VISIT, entity_id=visit_id)
    try:
        if only_from is not None and (now := store.appointment(visit_id).status) is not only_from:
            raise NotAllowed(f"This visit is {status_words(now)}, not {status_words(only_from)}: "
                             "there is nothing to undo.")
        return store.set_status(visit_id, status, actor=actor, reason=reason)
    except (NotAllowed, SlotTaken):
        store.note_refused_step(actor, entity=VISIT, entity_id=visit_id, detail=f"{use_case.value}: refused")
        raise


def confirm_visit(store: Store, *, actor: Actor, visit_id: UUID) -> Changes:
    return change_visit_status(store, actor=actor, visit_id=visit_id, status=AppointmentStatus.CONFIRMED)


def check_in(store: Store, *, actor: Actor, visit_id: UUID, note: str = "") -> Changes:
    """Mark the client arrived; ``note`` says who let them through a missing form, if anyone did."""
    return change_visit_status(store, actor=actor, visit_id=visit_id, status=AppointmentStatus.ARRIVED,
                               reason=note)


def send_to_room(store: Store, *, actor: Actor, visit_id: UUID, room_id: UUID) -> Changes:
    """Put the client in ``room_id`` (moving the visit there if it was booked elsewhere), in one transaction."""
    store.permit(actor, UseCase.SEND_TO_ROOM, entity=VISIT, entity_id=visit_id)
    visit = store.appointment(visit_id)
    with store.transaction():
        moved = Changes()
        if visit.room_id != room_id:
            moved = store.reschedule(visit_id, starts_at=visit.starts_at, ends_at=visit.ends_at,
                                     provider_id=visit.provider_id, room_id=room_id, actor=actor)
        return moved | store.set_status(visit_id, AppointmentStatus.IN_ROOM, actor=actor)


def complete_visit(store: Store, *, actor: Actor, visit_id: UUID) -> Changes:
    return change_visit_status(store, actor=actor, visit_id=visit_id, status=AppointmentStatus.COMPLETED)


def mark_no_show(store: Store, *, actor: Actor, visit_id: UUID) -> Changes:
    return change_visit_status(store, actor=actor, visit_id=visit_id, status=AppointmentStatus.NO_SHOW)


def put_back_on_the_books(store: Store, *, actor: Actor, visit_id: UUID) -> Changes:
    return change_visit_status(store, actor=actor, visit_id=visit_id, status=AppointmentStatus.BOOKED)


def undo_arrival(store: Store, *, actor: Actor, visit_id: UUID) -> Changes:
    """A client checked in by mistake: the visit goes back to confirmed (the only step back the table allows)."""
    return _step(store, actor=actor, visit_id=visit_id, status=AppointmentStatus.CONFIRMED,
                 use_case=UseCase.UNDO_ARRIVAL, reason="arrival undone", only_from=AppointmentStatus.ARRIVED)


def undo_no_show(store: Store, *, actor: Actor, visit_id: UUID) -> Changes:
    """A no-show marked by mistake: the visit is back on the books, if its slot is still free."""
    return _step(store, actor=actor, visit_id=visit_id, status=AppointmentStatus.BOOKED,
                 use_case=UseCase.UNDO_NO_SHOW, reason="no-show undone", only_from=AppointmentStatus.NO_SHOW)


def _check_plausible(store: Store, visit: Appointment, *, asked_for: WallTime | None, confirmed: bool,
                     now: datetime | None) -> None:
    location = _location(store, visit.location_id)
    if asked_for is not None:
        refuse_dst_gap(asked_for, location.zone)
    if confirmed:
        return
    found = doubts(visit, location=location, shifts=store.shifts(), now=now or utc_now())
    if found:
        raise NeedsConfirmation(found)


def _location(store: Store, location_id: UUID) -> Location:
    for location in store.locations():
        if location.id == location_id:
            return location
    raise NotFound("This visit's location is not on this desk yet; sync, then try again.")
