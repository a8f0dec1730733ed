"""A series: a booking repeated every N weeks for M visits, booked, moved or cancelled all or nothing.

Every date is named here and every test passes its own "now" (the clock is the test's).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from medspa_desk.desk import blocked_time, series, visits
from medspa_desk.desk.errors import NeedsConfirmation
from medspa_desk.desk.series import RepeatOutOfRange, SeriesClashes
from medspa_desk.records import (
    Appointment,
    AppointmentStatus,
    AuditAction,
    BlockedTime,
    BlockKind,
    Client,
    Location,
    OpeningHours,
    Role,
)
from medspa_desk.scheduling import local_datetime
from medspa_desk.store import NotFound, Store
from tests.support.desk_walk import Scene

BEFORE_THE_CHANGE = date(2027, 3, 1)  # a Monday, two weeks before New York springs forward (Sunday March 14)
NOW = datetime(2027, 2, 1, 12, tzinfo=UTC)  # the desk's clock in every test: weeks before any visit


@pytest.fixture
def scene(tmp_path: Path) -> Iterator[Scene]:
    hours = tuple(OpeningHours(weekday=d, opens=time(8), closes=time(20)) for d in range(7))
    store = Store.open(tmp_path / "desk.db", bytearray(os.urandom(32)), create=True)
    yield Scene(store=store, folder=tmp_path,
                location=Location(name="Main Street", time_zone="America/New_York", opening_hours=hours))
    store.close()


def first_visit(scene: Scene, client: Client, *, day: date = BEFORE_THE_CHANGE, at: time = time(10)) -> Appointment:
    start = local_datetime(day, at, scene.location.zone)
    return Appointment(location_id=scene.location.id, client_id=client.id, provider_id=scene.injector.id,
                       room_id=scene.room1.id, service_id=scene.botox.id, starts_at=start,
                       ends_at=start + timedelta(minutes=30), notes="Same side as last time")


def book(scene: Scene, visit: Appointment, *, every_weeks: int = 1, count: int = 4, **more: object) -> None:
    series.book_series(scene.store, actor=scene.staff[Role.FRONT_DESK], visit=visit, every_weeks=every_weeks,
                       count=count, now=NOW, **more)


def the_series(scene: Scene, first: Appointment) -> list[Appointment]:
    return scene.store.series_from(scene.store.appointment(first.id))


def local(visit: Appointment, scene: Scene) -> datetime:
    return visit.starts_at.astimezone(scene.location.zone)


def test_a_weekly_series_keeps_the_same_local_time_across_the_clock_change(scene: Scene) -> None:
    first = first_visit(scene, scene.client())

    book(scene, first, count=4)

    booked = the_series(scene, first)
    assert [local(v, scene).date() for v in booked] == [date(2027, 3, 1), date(2027, 3, 8), date(2027, 3, 15),
                                                         date(2027, 3, 22)]
    assert {local(v, scene).time() for v in booked} == {time(10)}
    # 10:00 EST is 15:00 UTC; after the change 10:00 EDT is 14:00 UTC.
    assert [v.starts_at.astimezone(UTC).hour for v in booked] == [15, 15, 14, 14]
    assert booked[0].id == first.id and len({v.series_id for v in booked} - {None}) == 1
    assert {(v.client_id, v.provider_id, v.room_id, v.notes, v.ends_at - v.starts_at) for v in booked} == {
        (first.client_id, first.provider_id, first.room_id, "Same side as last time", timedelta(minutes=30))}


def test_every_second_week_books_the_number_of_visits_asked_for(scene: Scene) -> None:
    first = first_visit(scene, scene.client())

    book(scene, first, every_weeks=2, count=3)

    assert [local(v, scene).date() for v in the_series(scene, first)] == [date(2027, 3, 1), date(2027, 3, 15),
                                                                           date(2027, 3, 29)]


def test_each_visit_is_queued_and_audited_like_a_single_booking(scene: Scene) -> None:
    first = first_visit(scene, scene.client())

    book(scene, first, count=3)

    booked = the_series(scene, first)
    queued = [m for m in scene.store.outbox_batch(1000) if m.kind.value == "appointment.book"]
    assert sorted(m.entity_id for m in queued) == sorted(v.id for v in booked)
    assert {m.payload["series_id"] for m in queued} == {str(booked[0].series_id)}
    created = {e.entity_id for e in scene.store.audit.events()
               if e.entity == Appointment.entity and e.action is AuditAction.CREATE}
    assert created == {v.id for v in booked}
    assert {v.booked_by for v in booked} == {scene.staff[Role.FRONT_DESK].user_id}


def test_a_series_with_a_taken_date_and_a_blocked_date_saves_nothing_and_names_both(scene: Scene) -> None:
    other = scene.client()
    taken = first_visit(scene, other, day=date(2027, 3, 8))
    visits.book_visit(scene.store, actor=scene.staff[Role.FRONT_DESK], visit=taken, now=NOW)
    break_start = local_datetime(date(2027, 3, 22), time(9, 45), scene.location.zone)
    blocked_time.block_time(scene.store, actor=scene.staff[Role.MANAGER], block=BlockedTime(
        location_id=scene.location.id, provider_id=scene.injector.id, kind=BlockKind.BREAK,
        starts_at=break_start, ends_at=break_start + timedelta(hours=1)))
    newcomer = Client(first_name="Ana", last_name="Ruiz", birth_date=date(1990, 1, 2))
    first = first_visit(scene, newcomer)
    queued_before = len(scene.store.outbox_batch(1000))

    with pytest.raises(SeriesClashes) as refused:
        book(scene, first, count=4, new_client=newcomer)

    assert [c.day for c in refused.value.clashes] == [date(2027, 3, 8), date(2027, 3, 22)]
    assert "The provider is already booked" in refused.value.clashes[0].reason
    assert "Dana Reyes is blocked" in refused.value.clashes[1].reason
    assert str(refused.value).startswith("Nothing was booked: 2 of the 4 visits clash. Mon Mar 8, 2027: ")
    with pytest.raises(NotFound):
        scene.store.appointment(first.id)
    with pytest.raises(NotFound):
        scene.store.client(newcomer.id, actor=scene.staff[Role.FRONT_DESK])
    assert len(scene.store.outbox_batch(1000)) == queued_before


def test_a_date_the_clocks_skip_is_named_as_a_clash(scene: Scene) -> None:
    first = first_visit(scene, scene.client(), day=date(2027, 3, 7), at=time(2, 30))

    with pytest.raises(SeriesClashes) as refused:
        book(scene, first, count=2, confirmed=True)

    [clash] = refused.value.clashes
    assert clash.day == date(2027, 3, 14) and "2:30 does not exist" in clash.reason


@pytest.mark.parametrize(("every_weeks", "count", "words"), [
    (13, 4, "A series repeats every 1 to 12 weeks, not every 13. Book visits further apart one by one."),
    (0, 4, "A series repeats every 1 to 12 weeks, not every 0."),
    (1, 1, "A series is 2 to 26 visits in all, not 1. For one visit, turn Repeat off."),
    (1, 27, "A series is 2 to 26 visits in all, not 27. Book 26 now and the rest later."),
])
def test_how_often_and_how_many_are_bounded_with_what_to_do(scene: Scene, every_weeks: int, count: int,
                                                            words: str) -> None:
    first = first_visit(scene, scene.client())

    with pytest.raises(RepeatOutOfRange) as refused:
        book(scene, first, every_weeks=every_weeks, count=count)

    assert str(refused.value).startswith(words)
    with pytest.raises(NotFound):
        scene.store.appointment(first.id)


def test_a_series_outside_hours_asks_once_naming_the_dates_and_books_when_confirmed(scene: Scene) -> None:
    first = first_visit(scene, scene.client(), at=time(19, 45))  # runs past 20:00 closing

    with pytest.raises(NeedsConfirmation) as asked:
        book(scene, first, count=2)

    [reason] = asked.value.reasons
    assert reason.startswith("Mon Mar 1, 2027 and Mon Mar 8, 2027: Main Street is open")
    with pytest.raises(NotFound):
        scene.store.appointment(first.id)
    book(scene, first, count=2, confirmed=True)
    assert len(the_series(scene, first)) == 2


def booked_series(scene: Scene, count: int = 5) -> list[Appointment]:
    first = first_visit(scene, scene.client())
    book(scene, first, count=count)
    return the_series(scene, first)


def test_cancelling_from_a_visit_cancels_it_and_the_later_ones_still_to_come(scene: Scene) -> None:
    desk = scene.staff[Role.FRONT_DESK]
    one, two, three, four, five = booked_series(scene)
    visits.check_in(scene.store, actor=desk, visit_id=four.id)
    visits.complete_visit(scene.store, actor=desk, visit_id=four.id)

    series.cancel_series_from(scene.store, actor=desk, visit_id=three.id, reason="Client moved away")

    statuses = [scene.store.appointment(v.id).status for v in (one, two, three, four, five)]
    assert statuses == [AppointmentStatus.BOOKED, AppointmentStatus.BOOKED, AppointmentStatus.CANCELLED,
                        AppointmentStatus.COMPLETED, AppointmentStatus.CANCELLED]
    assert scene.store.appointment(five.id).cancel_reason == "Client moved away"


def test_cancelling_one_visit_alone_leaves_the_rest_of_the_series(scene: Scene) -> None:
    one, two, three = booked_series(scene, count=3)

    visits.cancel_visit(scene.store, actor=scene.staff[Role.FRONT_DESK], visit_id=two.id, reason="Client is unwell")

    assert [scene.store.appointment(v.id).status for v in (one, two, three)] == [
        AppointmentStatus.BOOKED, AppointmentStatus.CANCELLED, AppointmentStatus.BOOKED]


def test_moving_from_a_visit_moves_the_later_ones_to_the_same_day_and_time(scene: Scene) -> None:
    one, two, three, four = booked_series(scene, count=4)
    wednesday_two_pm = local_datetime(date(2027, 3, 10), time(14), scene.location.zone)

    series.move_series_from(scene.store, actor=scene.staff[Role.FRONT_DESK], visit_id=two.id,
                            starts_at=wednesday_two_pm, provider_id=two.provider_id, room_id=scene.room2.id, now=NOW)

    moved = [scene.store.appointment(v.id) for v in (one, two, three, four)]
    assert [(local(v, scene).date(), local(v, scene).time()) for v in moved] == [
        (date(2027, 3, 1), time(10)), (date(2027, 3, 10), time(14)), (date(2027, 3, 17), time(14)),
        (date(2027, 3, 24), time(14))]
    assert [v.room_id for v in moved] == [scene.room1.id, scene.room2.id, scene.room2.id, scene.room2.id]
    assert all(v.ends_at - v.starts_at == timedelta(minutes=30) for v in moved)


def test_moving_a_weekly_series_a_week_later_does_not_clash_with_itself(scene: Scene) -> None:
    one, two, three = booked_series(scene, count=3)

    series.move_series_from(scene.store, actor=scene.staff[Role.FRONT_DESK], visit_id=one.id,
                            starts_at=two.starts_at, provider_id=one.provider_id, room_id=one.room_id, now=NOW)

    assert [local(scene.store.appointment(v.id), scene).date() for v in (one, two, three)] == [
        date(2027, 3, 8), date(2027, 3, 15), date(2027, 3, 22)]


def test_a_move_that_clashes_on_one_date_moves_nothing(scene: Scene) -> None:
    one, two, three = booked_series(scene, count=3)
    in_the_way = first_visit(scene, scene.client(), day=date(2027, 3, 16), at=time(11))
    visits.book_visit(scene.store, actor=scene.staff[Role.FRONT_DESK], visit=in_the_way, now=NOW)

    with pytest.raises(SeriesClashes) as refused:
        series.move_series_from(scene.store, actor=scene.staff[Role.FRONT_DESK], visit_id=two.id,
                                starts_at=local_datetime(date(2027, 3, 9), time(11), scene.location.zone),
                                provider_id=two.provider_id, room_id=two.room_id, now=NOW)

    assert [c.day for c in refused.value.clashes] == [date(2027, 3, 16)]
    assert str(refused.value).startswith("Nothing was moved: 1 of the 2 visits clashes.")
    assert [scene.store.appointment(v.id).starts_at for v in (one, two, three)] == [
        one.starts_at, two.starts_at, three.starts_at]
