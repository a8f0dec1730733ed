"""Booking a visit: one transaction with a new client; plausibility asked before a doubtful time; no DST gap.

Every test names its own "now" (the clock is the test's).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from medspa_desk.desk import visits
from medspa_desk.desk.errors import NeedsConfirmation, TimeDoesNotExist
from medspa_desk.desk.plausibility import WallTime
from medspa_desk.records import Client, Location, OpeningHours, Role, Shift
from medspa_desk.scheduling import local_datetime
from medspa_desk.store import NotFound, SlotTaken, Store
from medspa_desk.time_words import time_span
from tests.support.desk_walk import Scene

SPRING_FORWARD = date(2027, 3, 14)  # a Sunday: 2:00-3:00 does not exist in New York
A_MONDAY = date(2027, 3, 15)


@pytest.fixture
def scene(tmp_path: Path) -> Iterator[Scene]:
    hours = tuple(OpeningHours(weekday=d, opens=time(8), closes=time(20)) for d in range(7))
    store = Store.open(tmp_path / "desk.db", bytearray(os.urandom(32)), create=True)
    scene = Scene(store=store, folder=tmp_path,
                  location=Location(name="Main Street", time_zone="America/New_York", opening_hours=hours))
    store.put_reference(Shift(provider_id=scene.injector.id, location_id=scene.location.id, weekday=0,
                              starts=time(9), ends=time(17)), actor=scene.staff[Role.MANAGER])
    yield scene
    store.close()


def visit_at(scene: Scene, day: date, at: time, client: Client | None = None):
    start = local_datetime(day, at, scene.location.zone)
    return scene.next_visit(client or scene.client()).model_copy(
        update={"starts_at": start, "ends_at": start + timedelta(minutes=30)})


def before(day: date) -> datetime:
    return datetime.combine(day - timedelta(days=7), time(12), tzinfo=UTC)


def new_client() -> Client:
    return Client(first_name="Ana", last_name="Ruiz", birth_date=date(1990, 1, 2))


def test_a_new_client_is_not_kept_when_their_booking_is_refused(scene: Scene) -> None:
    desk = scene.staff[Role.FRONT_DESK]
    taken = visit_at(scene, A_MONDAY, time(10))
    visits.book_visit(scene.store, actor=desk, visit=taken, now=before(A_MONDAY))
    newcomer = new_client()
    clash = visit_at(scene, A_MONDAY, time(10), client=newcomer)

    with pytest.raises(SlotTaken):
        visits.book_visit(scene.store, actor=desk, visit=clash, new_client=newcomer, now=before(A_MONDAY))

    with pytest.raises(NotFound):
        scene.store.client(newcomer.id, actor=desk)
    assert all(m.entity_id != newcomer.id for m in scene.store.outbox_batch(1000))


def test_a_new_client_and_their_booking_are_saved_together(scene: Scene) -> None:
    desk = scene.staff[Role.FRONT_DESK]
    newcomer = new_client()
    visit = visit_at(scene, A_MONDAY, time(11), client=newcomer)

    changes = visits.book_visit(scene.store, actor=desk, visit=visit, new_client=newcomer, now=before(A_MONDAY))

    assert newcomer.id in changes.clients and changes.days
    assert scene.store.appointment(visit.id).booked_by == desk.user_id
    kinds = [m.kind.value for m in scene.store.outbox_batch(1000) if m.entity_id in (newcomer.id, visit.id)]
    assert kinds == ["client.create", "appointment.book"]


def test_a_booking_in_the_past_asks_first_and_books_once_confirmed(scene: Scene) -> None:
    desk = scene.staff[Role.FRONT_DESK]
    visit = visit_at(scene, A_MONDAY, time(10))
    three_days_later = datetime.combine(A_MONDAY + timedelta(days=3), time(12), tzinfo=UTC)

    with pytest.raises(NeedsConfirmation) as asked:
        visits.book_visit(scene.store, actor=desk, visit=visit, now=three_days_later)
    assert any("in the past" in reason for reason in asked.value.reasons)
    with pytest.raises(NotFound):
        scene.store.appointment(visit.id)

    visits.book_visit(scene.store, actor=desk, visit=visit, confirmed=True, now=three_days_later)
    assert scene.store.appointment(visit.id).starts_at == visit.starts_at


def test_a_booking_outside_opening_hours_asks_first_with_the_hours(scene: Scene) -> None:
    visit = visit_at(scene, A_MONDAY, time(3))

    with pytest.raises(NeedsConfirmation) as asked:
        visits.book_visit(scene.store, actor=scene.staff[Role.FRONT_DESK], visit=visit, now=before(A_MONDAY))

    # Times as the desk's locale writes them ("8:00 AM–8:00 PM" on a US desk).
    assert asked.value.reasons == (f"Main Street is open {time_span(time(8), time(20))} on Mondays, and this "
                                   f"appointment runs {time_span(time(3), time(3, 30))}. Choose a time inside "
                                   "opening hours.",)


def test_a_booking_outside_the_providers_shift_asks_first(scene: Scene) -> None:
    visit = visit_at(scene, A_MONDAY, time(18))

    with pytest.raises(NeedsConfirmation) as asked:
        visits.book_visit(scene.store, actor=scene.staff[Role.FRONT_DESK], visit=visit, now=before(A_MONDAY))

    assert f"The provider works {time_span(time(9), time(17))} on Mondays" in asked.value.reasons[0]


def test_a_time_the_clocks_skip_is_refused_with_the_gap_named_even_when_confirmed(scene: Scene) -> None:
    wall = WallTime(day=SPRING_FORWARD, at=time(2, 30))
    visit = visit_at(scene, SPRING_FORWARD, wall.at)  # local_datetime would shift it to 3:30

    with pytest.raises(TimeDoesNotExist, match="2:30 does not exist on Sunday March 14, 2027 in America/New_York: "
                                               "the clocks jump from 2:00 to 3:00"):
        visits.book_visit(scene.store, actor=scene.staff[Role.FRONT_DESK], visit=visit, asked_for=wall,
                          confirmed=True, now=before(SPRING_FORWARD))

    with pytest.raises(NotFound):
        scene.store.appointment(visit.id)


def test_the_repeated_hour_when_clocks_fall_back_is_a_real_time(scene: Scene) -> None:
    fall_back = date(2027, 11, 7)
    wall = WallTime(day=fall_back, at=time(1, 30))
    visit = visit_at(scene, fall_back, wall.at)

    with pytest.raises(NeedsConfirmation):  # outside hours, but it exists
        visits.book_visit(scene.store, actor=scene.staff[Role.FRONT_DESK], visit=visit, asked_for=wall,
                          now=before(fall_back))


def test_moving_a_visit_into_the_past_asks_first(scene: Scene) -> None:
    desk = scene.staff[Role.FRONT_DESK]
    visit = visit_at(scene, A_MONDAY, time(10))
    visits.book_visit(scene.store, actor=desk, visit=visit, now=before(A_MONDAY))
    now = datetime.combine(A_MONDAY, time(12), tzinfo=UTC) + timedelta(days=1)
    earlier = visit.starts_at - timedelta(days=1)

    with pytest.raises(NeedsConfirmation):
        visits.reschedule_visit(scene.store, actor=desk, visit_id=visit.id, starts_at=earlier,
                                ends_at=earlier + timedelta(minutes=30), provider_id=visit.provider_id,
                                room_id=visit.room_id, now=now)
    assert scene.store.appointment(visit.id).starts_at == visit.starts_at
