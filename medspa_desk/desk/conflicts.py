"""Resolving the conflict inbox: the choices a person has for an entry, applied in one transaction.

- a double booking (two desks booked one slot offline): book the refused visit
  at the next free slot for the same service and provider, or discard it;
- fields changed on both sides (a phone, an allergy): keep this desk's values
  (sent again) or the other ones (already shown); keeping the other value of an
  allergy or an alert, or discarding the entry (which keeps it too), drops a
  safety fact this desk recorded, so it asks first;
- a change the server refused: fix it (a refused client change with hidden
  characters is sent again without them) or discard it.

:func:`resolve_conflict` closes the entry and makes the chosen change in one
store transaction; both are audited. A view calls it and holds no rule.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from medspa_desk import scheduling
from medspa_desk.protocol import (
    ConflictDetail,
    DoubleBooking,
    FieldConflict,
    MutationKind,
    RejectedChange,
)
from medspa_desk.records import (
    Client,
    Conflict,
    utc_now,
    without_hidden_text,
)
from medspa_desk.rules import UseCase
from medspa_desk.store import Actor, Changes, InvalidChange, NotFound, Store
from medspa_desk.store.inbox import CONFLICT_ENTITY, inbox_detail


class Choice(StrEnum):
    """What a person can pick for an inbox entry; the value is the resolution the audit trail keeps."""

    REBOOK = "rebooked at next free slot"
    KEEP_MINE = "kept this desk's value"
    KEEP_THEIRS = "kept the other value"
    FIX = "fixed and sent again"
    DISCARD = "discarded"


class NeedsConfirmation(Exception):
    """The choice drops something the desk must not lose silently; ask, then call again with ``confirmed``."""

    def __init__(self, question: str) -> None:
        super().__init__(question)
        self.question = question


def choices_for(conflict: Conflict) -> tuple[Choice, ...]:
    detail = inbox_detail(conflict)
    if isinstance(detail, DoubleBooking):
        return (Choice.REBOOK, Choice.DISCARD) if detail.refused is not None else (Choice.DISCARD,)
    if isinstance(detail, FieldConflict) and conflict.entity == Client.entity and detail.fields:
        return Choice.KEEP_MINE, Choice.KEEP_THEIRS, Choice.DISCARD
    if isinstance(detail, RejectedChange) and _fixable(detail):
        return Choice.FIX, Choice.DISCARD
    return (Choice.DISCARD,)


def confirmation_needed(conflict: Conflict, choice: Choice) -> str | None:
    """The question to ask before ``choice``, or None when it drops nothing the desk must keep."""
    detail = inbox_detail(conflict)
    if choice not in (Choice.KEEP_THEIRS, Choice.DISCARD) or not isinstance(detail, FieldConflict):
        return None
    dropped = [c for c in detail.fields if c.field in Client.SAFETY_FIELDS and c.mine not in (None, "")]
    if not dropped:
        return None
    said = "; ".join(f"{c.field.replace('_', ' ')} “{c.mine}”" for c in dropped)
    doing = "Keeping the other value" if choice is Choice.KEEP_THEIRS else "Discarding this conflict"
    return (f"This desk recorded {said}. {doing} removes it from the client's record on every desk. "
            "Go ahead anyway?")


def resolve_conflict(store: Store, conflict_id: UUID, *, choice: Choice, actor: Actor,
                     confirmed: bool = False) -> Changes:
    """Apply ``choice`` to an open inbox entry and close it, in one transaction, audited.

    Only a role the clinic's table lets resolve conflicts may; a refusal is audited.
    """
    if not isinstance(actor, Actor):
        raise TypeError("resolving a conflict needs the acting user (an Actor)")
    store.permit(actor, UseCase.RESOLVE_CONFLICT, entity=CONFLICT_ENTITY, entity_id=conflict_id)
    conflict = store.conflict(conflict_id)
    if choice not in choices_for(conflict):
        raise InvalidChange("That choice does not apply to this conflict. Pick one of the buttons shown "
                            "for it, or discard it.")
    question = confirmation_needed(conflict, choice)
    if question is not None and not confirmed:
        raise NeedsConfirmation(question)
    detail = inbox_detail(conflict)
    make: Callable[[], Changes] = {
        Choice.REBOOK: lambda: _rebook_at_next_free_slot(store, detail, actor=actor),
        Choice.KEEP_MINE: lambda: _send_mine_again(store, conflict, detail, actor=actor),
        Choice.FIX: lambda: _send_fixed(store, conflict, detail, actor=actor),
    }.get(choice, Changes)
    return store.resolve_conflict(conflict_id, resolution=choice.value, actor=actor, applying=make)


def _send_mine_again(store: Store, conflict: Conflict, detail: ConflictDetail, *, actor: Actor) -> Changes:
    assert isinstance(detail, FieldConflict)
    return store.update_client(conflict.entity_id, {c.field: c.mine for c in detail.fields}, actor=actor)


def _rebook_at_next_free_slot(store: Store, detail: ConflictDetail, *, actor: Actor) -> Changes:
    """Move the refused visit to the first free slot after the one it lost.

    The visit keeps its own id, so the client has exactly one appointment: a
    refused move is rescheduled (the appointment is on the desk at its server
    time), a refused new booking is booked again under the same id (the server
    never took it).
    """
    assert isinstance(detail, DoubleBooking) and detail.refused is not None
    refused = detail.refused
    service = next(s for s in store.services() if s.id == refused.service_id)
    location = next(loc for loc in store.locations() if loc.id == refused.location_id)
    day_start = refused.starts_at - timedelta(days=1)
    until = refused.starts_at + timedelta(days=31)
    existing = store.appointments_between(day_start, until, provider_id=refused.provider_id)
    existing += [a for a in store.appointments_between(day_start, until) if a.provider_id != refused.provider_id]
    slot = scheduling.next_free_slot(service=service, provider_id=refused.provider_id, location=location,
                                     shifts=store.shifts(), rooms=store.rooms(location.id), existing=existing,
                                     after=max(refused.starts_at, utc_now()), ignoring=refused.id,
                                     blocks=store.blocked_times(location.id, starts=day_start, ends=until))
    if slot is None:
        raise InvalidChange("There is no free time for this provider in the next month; discard the "
                            "conflict and book with another provider.")
    if _on_the_desk(store, refused.id):
        return store.reschedule(refused.id, starts_at=slot.starts_at, ends_at=slot.ends_at,
                                provider_id=refused.provider_id, room_id=slot.room_id, actor=actor)
    return store.book(refused.model_copy(update={
        "starts_at": slot.starts_at, "ends_at": slot.ends_at, "room_id": slot.room_id,
        "version": 1, "seq": 0, "updated_at": utc_now()}), actor=actor)


def _on_the_desk(store: Store, appointment_id: UUID) -> bool:
    try:
        store.appointment(appointment_id)
    except NotFound:
        return False
    return True


# --- a refused change with hidden characters ------------------------------------------------


def _fixable(detail: RejectedChange) -> bool:
    change = detail.change
    return (change is not None and change.kind in (MutationKind.CLIENT_CREATE, MutationKind.CLIENT_UPDATE)
            and _hidden_in(_client_fields(change.kind, change.payload)))


def _client_fields(kind: MutationKind, payload: dict[str, Any]) -> dict[str, Any]:
    fields = payload.get("changes", {}) if kind is MutationKind.CLIENT_UPDATE else payload
    return fields if isinstance(fields, dict) else {}


def _hidden_in(fields: dict[str, Any]) -> bool:
    return without_hidden_text(Client, fields) != fields


def _send_fixed(store: Store, conflict: Conflict, detail: ConflictDetail, *, actor: Actor) -> Changes:
    """Send the refused client change again without the characters nobody can see."""
    assert isinstance(detail, RejectedChange) and detail.change is not None
    change = detail.change
    fields = without_hidden_text(Client, _client_fields(change.kind, change.payload))
    if change.kind is MutationKind.CLIENT_UPDATE:
        return store.update_client(conflict.entity_id, fields, actor=actor)
    client = Client.model_validate({**fields, "id": str(conflict.entity_id), "version": 1, "seq": 0})
    return store.create_client(client, actor=actor)
