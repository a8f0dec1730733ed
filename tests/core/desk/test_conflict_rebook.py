"""The inbox's "book at the next free slot" on a real double booking: one appointment for the client, audited."""

from __future__ import annotations

from datetime import timedelta

from medspa_desk.desk.conflicts import Choice, resolve_conflict
from medspa_desk.records import Appointment, AuditAction, ConflictKind
from medspa_desk.store import Actor
from tests.core.store.conftest import Practice, actor, db_path, key, practice, store
from tests.core.store.live_answers import (
    Workstation,
    booked_elsewhere,
    days_ahead,
    manager,
    server,
    sync,
)

__all__ = ["actor", "db_path", "key", "manager", "practice", "server", "store"]  # fixtures


def _appointments_of(practice: Practice, client_id: object) -> list[Appointment]:
    return [a for a in practice.store.appointments_between(practice.at(days_ahead(1), 0),
                                                           practice.at(days_ahead(60), 0))
            if a.client_id == client_id]


def _audited(practice: Practice, action: AuditAction) -> int:
    return sum(1 for e in practice.store.audit.events(limit=10_000) if e.action is action)


def test_rebooking_a_refused_move_moves_the_same_appointment(practice: Practice, actor: Actor,
                                                             manager: Workstation) -> None:
    client = practice.client()
    day = days_ahead(21)
    appt = practice.appointment(client, day=day, hour=10)
    practice.store.book(appt, actor=actor)
    sync(practice.store, manager)
    holder = practice.appointment(practice.client("Other", "Person"), day=day, hour=14)
    sync(practice.store, manager)  # the other client reaches the server before their booking
    booked_elsewhere(manager, holder)
    practice.store.reschedule(appt.id, starts_at=holder.starts_at, ends_at=holder.ends_at,
                              provider_id=holder.provider_id, room_id=holder.room_id, actor=actor)
    sync(practice.store, manager)
    [conflict] = practice.store.conflicts()
    assert conflict.kind is ConflictKind.DOUBLE_BOOKING
    updates = _audited(practice, AuditAction.UPDATE)

    resolve_conflict(practice.store, conflict.id, choice=Choice.REBOOK, actor=actor)
    sync(practice.store, manager)

    [kept] = _appointments_of(practice, client.id)
    assert kept.id == appt.id
    assert holder.starts_at < kept.starts_at < holder.starts_at + timedelta(hours=2)
    assert practice.store.conflicts() == [] and practice.store.outbox_count() == 0
    assert _audited(practice, AuditAction.UPDATE) > updates
    assert _audited(practice, AuditAction.RESOLVE_CONFLICT) == 1


def test_rebooking_a_refused_new_booking_books_it_under_its_own_id(practice: Practice, actor: Actor,
                                                                   manager: Workstation) -> None:
    client = practice.client()
    sync(practice.store, manager)
    day = days_ahead(22)
    holder = practice.appointment(practice.client("Other", "Person"), day=day, hour=11)
    sync(practice.store, manager)
    booked_elsewhere(manager, holder)
    refused = practice.appointment(client, day=day, hour=11)
    practice.store.book(refused, actor=actor)
    sync(practice.store, manager)
    [conflict] = practice.store.conflicts()
    assert _appointments_of(practice, client.id) == []

    resolve_conflict(practice.store, conflict.id, choice=Choice.REBOOK, actor=actor)
    sync(practice.store, manager)

    [kept] = _appointments_of(practice, client.id)
    assert kept.id == refused.id and kept.starts_at > holder.starts_at
    assert practice.store.conflicts() == [] and practice.store.outbox_count() == 0
