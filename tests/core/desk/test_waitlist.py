"""The waitlist on one desk: add, remove, who is waiting for a freed time, book them in one step."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from medspa_desk.desk import visits, waitlist
from medspa_desk.protocol import MutationKind
from medspa_desk.records import (
    AppointmentStatus,
    AuditAction,
    Provider,
    ProviderKind,
    Role,
    WaitlistEntry,
    WaitlistStatus,
    new_id,
)
from medspa_desk.rules import NotPermitted
from medspa_desk.scheduling import local_datetime
from medspa_desk.store import InvalidChange, NotAllowed
from tests.support.desk_walk import FIRST_DAY, Scene


def entry_for(scene: Scene, **fields: object) -> WaitlistEntry:
    desk = scene.staff[Role.FRONT_DESK]
    values: dict[str, object] = dict(client_id=scene.client().id, location_id=scene.location.id,
                                     service_id=scene.botox.id, first_day=FIRST_DAY,
                                     last_day=FIRST_DAY + timedelta(days=30), created_by=desk.user_id)
    values.update(fields)
    entry = WaitlistEntry(**values)  # type: ignore[arg-type]
    waitlist.add_to_waitlist(scene.store, actor=desk, entry=entry)
    return entry


def cancel(scene: Scene, visit_id: object) -> None:
    visits.cancel_visit(scene.store, actor=scene.staff[Role.FRONT_DESK], visit_id=visit_id,  # type: ignore[arg-type]
                        reason="Client called to cancel")


def test_a_cancellation_tells_who_waits_and_books_them_in_one_step(scene: Scene) -> None:
    desk = scene.staff[Role.FRONT_DESK]
    visit = scene.booked()  # 10:00-10:30 on a day of the walk
    day = visit.starts_at.astimezone(scene.location.zone).date()
    first = entry_for(scene, note="Prefers mornings")
    entry_for(scene, first_day=day + timedelta(days=1), last_day=day + timedelta(days=9))  # not that day
    entry_for(scene, weekdays=((day.weekday() + 1) % 7,))  # another weekday only
    entry_for(scene, earliest=time(11), latest=time(15))  # afternoons only
    cancel(scene, visit.id)
    freed = scene.store.appointment(visit.id)

    offers = waitlist.waiting_for_freed(scene.store, actor=desk, freed=freed)

    assert [o.entry.id for o in offers] == [first.id]
    offer = offers[0]
    assert offer.client_name == "Maria Lopez"
    assert offer.choice.slot.starts_at == visit.starts_at and offer.choice.provider.id == scene.injector.id
    changes = waitlist.book_from_waitlist(scene.store, actor=desk, entry_id=first.id,
                                          starts_at=offer.choice.slot.starts_at, provider_id=scene.injector.id,
                                          room_id=offer.choice.slot.room_id, confirmed=True)

    closed = scene.store.waitlist_entry(first.id)
    assert closed.status is WaitlistStatus.BOOKED and closed.visit_id is not None
    booked = scene.store.appointment(closed.visit_id)
    assert (booked.client_id, booked.starts_at, booked.status, booked.notes) == (
        first.client_id, visit.starts_at, AppointmentStatus.BOOKED, "Prefers mornings")
    assert not changes.empty
    queued = [m.kind for m in scene.store.outbox_batch(100)]
    assert queued[-2:] == [MutationKind.APPOINTMENT_BOOK, MutationKind.WAITLIST_CLOSE]
    assert waitlist.waiting_for_freed(scene.store, actor=desk, freed=freed) == []  # booked: nobody else fits


def test_a_named_provider_and_a_move_that_frees_the_time(scene: Scene) -> None:
    desk = scene.staff[Role.FRONT_DESK]
    other = Provider(display_name="Sam Ortiz", kind=ProviderKind.INJECTOR)
    scene.store.put_reference(other, actor=scene.staff[Role.MANAGER])
    visit = scene.booked()
    with_sam = entry_for(scene, provider_id=other.id)
    with_dana = entry_for(scene, provider_id=scene.injector.id)
    before = scene.store.appointment(visit.id)
    visits.reschedule_visit(scene.store, actor=desk, visit_id=visit.id, starts_at=visit.starts_at + timedelta(hours=3),
                            ends_at=visit.ends_at + timedelta(hours=3), provider_id=visit.provider_id,
                            room_id=visit.room_id, confirmed=True)

    offers = waitlist.waiting_for_freed(scene.store, actor=desk, freed=before)

    assert [o.entry.id for o in offers] == [with_dana.id]
    assert with_sam.id not in {o.entry.id for o in offers}


def test_a_freed_time_too_short_for_the_service_is_not_offered(scene: Scene) -> None:
    desk = scene.staff[Role.FRONT_DESK]
    visit = scene.booked()  # 30 minutes
    long_one = scene.botox.model_copy(update={"id": new_id(), "name": "Filler", "duration_min": 60})
    scene.store.put_reference(long_one, actor=scene.staff[Role.MANAGER])
    # The hour after the freed half hour is taken: an hour-long filler does not fit in it.
    client = scene.client()
    after = scene.next_visit(client).model_copy(update={"starts_at": visit.ends_at,
                                                        "ends_at": visit.ends_at + timedelta(minutes=60)})
    visits.book_visit(scene.store, actor=desk, visit=after, confirmed=True)
    entry_for(scene, service_id=long_one.id)
    cancel(scene, visit.id)

    assert waitlist.waiting_for_freed(scene.store, actor=desk, freed=scene.store.appointment(visit.id)) == []


def test_removing_needs_a_reason_and_an_entry_closes_once(scene: Scene) -> None:
    desk = scene.staff[Role.FRONT_DESK]
    entry = entry_for(scene)
    with pytest.raises(InvalidChange, match="Say why the client comes off the waitlist"):
        waitlist.remove_from_waitlist(scene.store, actor=desk, entry_id=entry.id, reason="  ")
    waitlist.remove_from_waitlist(scene.store, actor=desk, entry_id=entry.id, reason="Booked elsewhere")

    assert scene.store.waitlist_entry(entry.id).closed_reason == "Booked elsewhere"
    assert scene.store.waiting(scene.location.id) == []
    with pytest.raises(NotAllowed, match="no longer waiting"):
        waitlist.remove_from_waitlist(scene.store, actor=desk, entry_id=entry.id, reason="again")
    with pytest.raises(InvalidChange, match="no longer on the waitlist"):
        waitlist.book_from_waitlist(scene.store, actor=desk, entry_id=entry.id,
                                    starts_at=local_datetime(FIRST_DAY, time(10), scene.location.zone),
                                    provider_id=scene.injector.id, room_id=scene.room1.id, confirmed=True)


def test_the_window_and_the_service_are_checked_and_who_added_is_recorded(scene: Scene) -> None:
    with pytest.raises(ValueError, match="the last day must be on or after the first day"):
        entry_for(scene, last_day=FIRST_DAY - timedelta(days=1))
    with pytest.raises(ValueError, match="the latest time must be after the earliest"):
        entry_for(scene, earliest=time(15), latest=time(9))
    retired = scene.botox.model_copy(update={"active": False})
    scene.store.put_reference(retired, actor=scene.staff[Role.MANAGER])
    with pytest.raises(InvalidChange, match="Choose a service the practice offers"):
        entry_for(scene)
    scene.store.put_reference(scene.botox, actor=scene.staff[Role.MANAGER])
    entry = entry_for(scene, created_by=scene.staff[Role.MANAGER].user_id)  # a desk cannot claim another author

    assert scene.store.waitlist_entry(entry.id).created_by == scene.staff[Role.FRONT_DESK].user_id
    events = [e for e in scene.store.audit.events() if e.entity == WaitlistEntry.entity]
    assert [e.action for e in events][-1] is AuditAction.CREATE


def test_an_admin_may_not_use_the_waitlist_and_the_refusal_is_audited(scene: Scene) -> None:
    admin = scene.staff[Role.ADMIN]
    entry = WaitlistEntry(client_id=scene.client().id, location_id=scene.location.id, service_id=scene.botox.id,
                          first_day=FIRST_DAY, last_day=FIRST_DAY, created_by=admin.user_id)
    with pytest.raises(NotPermitted, match="add a client to the waitlist"):
        waitlist.add_to_waitlist(scene.store, actor=admin, entry=entry)
    assert waitlist.waiting_for_freed(scene.store, actor=admin, freed=scene.booked()) == []
