from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from medspa_desk.records import AppointmentStatus
from medspa_desk.store import Actor, NotAllowed, SlotTaken
from medspa_desk.time_words import time_span

DAY = date(2025, 6, 10)


def test_booking_over_the_providers_slot_is_refused_in_plain_words(practice, actor: Actor) -> None:
    maria, ana = practice.client("Maria"), practice.client("Ana")
    practice.store.book(practice.appointment(maria, day=DAY, hour=10), actor=actor)

    with pytest.raises(SlotTaken) as refused:
        practice.store.book(practice.appointment(ana, day=DAY, hour=10, minute=15,
                                                 room=practice.room2), actor=actor)

    assert f"The provider is already booked {time_span(time(10), time(10, 30))} (Botox, Room 1)" in str(refused.value)
    assert [c.kind for c in refused.value.clashes] == ["provider"]
    assert len(practice.store.day_schedule(practice.location.id, DAY).appointments) == 1


def test_the_clean_up_buffer_holds_the_room(practice, actor: Actor) -> None:
    maria, ana = practice.client("Maria"), practice.client("Ana")
    practice.store.book(practice.appointment(maria, day=DAY, hour=10), actor=actor)

    with pytest.raises(SlotTaken) as refused:
        practice.store.book(practice.appointment(ana, day=DAY, hour=10, minute=35,
                                                 provider=practice.nurse), actor=actor)

    assert [c.kind for c in refused.value.clashes] == ["room"]
    assert "set-up or clean-up" in str(refused.value)


def test_a_cancelled_booking_frees_its_slot(practice, actor: Actor) -> None:
    maria, ana = practice.client("Maria"), practice.client("Ana")
    first = practice.appointment(maria, day=DAY, hour=10)
    practice.store.book(first, actor=actor)

    practice.store.cancel(first.id, reason="client is ill", actor=actor)
    practice.store.book(practice.appointment(ana, day=DAY, hour=10), actor=actor)

    statuses = sorted(a.status for a in practice.store.day_schedule(practice.location.id, DAY).appointments)
    assert statuses == [AppointmentStatus.BOOKED, AppointmentStatus.CANCELLED]


def test_rescheduling_onto_a_taken_slot_keeps_the_old_time(practice, actor: Actor) -> None:
    maria, ana = practice.client("Maria"), practice.client("Ana")
    held = practice.appointment(maria, day=DAY, hour=10)
    moving = practice.appointment(ana, day=DAY, hour=14)
    practice.store.book(held, actor=actor)
    practice.store.book(moving, actor=actor)

    with pytest.raises(SlotTaken):
        practice.store.reschedule(moving.id, starts_at=held.starts_at, ends_at=held.ends_at,
                                  provider_id=held.provider_id, room_id=practice.room2.id, actor=actor)

    assert practice.store.appointment(moving.id) == moving


def test_rescheduling_within_its_own_slot_is_allowed_and_queued_as_a_command(practice, actor: Actor) -> None:
    appt = practice.appointment(practice.client(), day=DAY, hour=10)
    practice.store.book(appt, actor=actor)

    changes = practice.store.reschedule(appt.id, starts_at=appt.starts_at + timedelta(minutes=15),
                                        ends_at=appt.ends_at + timedelta(minutes=15),
                                        provider_id=appt.provider_id, room_id=appt.room_id, actor=actor)

    assert changes.days == {(practice.location.id, DAY)}
    mutation = practice.store.outbox_batch(100)[-1]
    assert mutation.kind == "appointment.reschedule"
    assert set(mutation.payload) == {"starts_at", "ends_at", "provider_id", "room_id"}


def test_a_status_the_workflow_forbids_is_refused(practice, actor: Actor) -> None:
    appt = practice.appointment(practice.client(), day=DAY, hour=10)
    practice.store.book(appt, actor=actor)
    practice.store.set_status(appt.id, AppointmentStatus.ARRIVED, actor=actor)
    practice.store.set_status(appt.id, AppointmentStatus.COMPLETED, actor=actor)

    with pytest.raises(NotAllowed, match="completed cannot become cancelled"):
        practice.store.cancel(appt.id, reason="changed mind", actor=actor)

    history = practice.store.appointment(appt.id).history
    assert [h.status for h in history] == [AppointmentStatus.ARRIVED, AppointmentStatus.COMPLETED]
    assert {h.by_user_id for h in history} == {actor.user_id}


@pytest.mark.parametrize(("day", "hours"), [(date(2025, 3, 9), 23), (date(2025, 11, 2), 25)])
def test_day_schedule_on_a_dst_change_day_holds_that_local_days_appointments(
        practice, actor: Actor, day: date, hours: int) -> None:
    client = practice.client()
    early = practice.appointment(client, day=day, hour=0, minute=30)
    late = practice.appointment(client, day=day, hour=23, minute=0)
    before = practice.appointment(client, day=day - timedelta(days=1), hour=23, minute=15)
    after = practice.appointment(client, day=day + timedelta(days=1), hour=0, minute=15)
    for appt in (early, late, before, after):
        practice.store.book(appt, actor=actor)

    schedule = practice.store.day_schedule(practice.location.id, day)

    assert [a.id for a in schedule.appointments] == [early.id, late.id]
    assert schedule.ends_at - schedule.starts_at == timedelta(hours=hours)
    assert schedule.by_provider == {practice.injector.id: (early, late)}
    assert schedule.by_room == {practice.room1.id: (early, late)}


def test_appointments_between_filters_by_provider(practice, actor: Actor) -> None:
    client = practice.client()
    mine = practice.appointment(client, day=DAY, hour=9)
    theirs = practice.appointment(client, day=DAY, hour=9, provider=practice.nurse, room=practice.room2)
    practice.store.book(mine, actor=actor)
    practice.store.book(theirs, actor=actor)

    found = practice.store.appointments_between(practice.at(DAY, 0), practice.at(DAY, 23),
                                                provider_id=practice.nurse.id)

    assert found == [theirs]
