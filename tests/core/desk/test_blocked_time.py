"""Blocked time: a provider's break or time off, a room's maintenance; booking and moving into it are refused."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from medspa_desk.desk import blocked_time, visits
from medspa_desk.desk.blocked_time import TimeBlocked
from medspa_desk.records import Appointment, BlockedTime, BlockKind, Role
from medspa_desk.rules import NotPermitted
from medspa_desk.store import NotFound
from medspa_desk.time_words import time_span
from tests.support.desk_walk import Scene


def blocked(scene: Scene, visit: Appointment, **holder: object) -> BlockedTime:
    block = BlockedTime(location_id=scene.location.id, kind=holder.pop("kind", BlockKind.BREAK),
                        starts_at=visit.starts_at - timedelta(minutes=15),
                        ends_at=visit.starts_at + timedelta(minutes=45), **holder)
    blocked_time.block_time(scene.store, actor=scene.staff[Role.MANAGER], block=block)
    return block


def test_a_booking_in_the_providers_break_is_refused_with_who_when_and_why(scene: Scene) -> None:
    visit = scene.next_visit(scene.client())  # 10:00-10:30 in New York
    blocked(scene, visit, provider_id=scene.injector.id)

    with pytest.raises(TimeBlocked) as refused:
        visits.book_visit(scene.store, actor=scene.staff[Role.FRONT_DESK], visit=visit, confirmed=True)

    day = visit.starts_at.astimezone(scene.location.zone)
    assert str(refused.value) == (f"Dana Reyes is blocked {time_span(time(9, 45), time(10, 45))} on {day:%A %B} {day.day} (a break). "
                                  "Choose another time, provider or room.")
    with pytest.raises(NotFound):
        scene.store.appointment(visit.id)


def test_moving_a_visit_into_a_room_under_maintenance_is_refused(scene: Scene) -> None:
    visit = scene.booked()
    blocked(scene, visit, room_id=scene.room2.id, kind=BlockKind.MAINTENANCE)

    with pytest.raises(TimeBlocked, match=r"Room 2 is blocked 9:45–10:45( AM)? .* \(maintenance\)"):
        visits.reschedule_visit(scene.store, actor=scene.staff[Role.FRONT_DESK], visit_id=visit.id,
                                starts_at=visit.starts_at, ends_at=visit.ends_at, provider_id=visit.provider_id,
                                room_id=scene.room2.id, confirmed=True)

    assert scene.store.appointment(visit.id).room_id == scene.room1.id


def test_the_other_room_and_a_freed_block_take_bookings(scene: Scene) -> None:
    visit = scene.next_visit(scene.client())
    block = blocked(scene, visit, room_id=scene.room2.id, kind=BlockKind.MAINTENANCE)
    desk = scene.staff[Role.FRONT_DESK]

    visits.book_visit(scene.store, actor=desk, visit=visit, confirmed=True)  # room 1: not blocked
    blocked_time.block_time(scene.store, actor=scene.staff[Role.MANAGER],
                            block=block.model_copy(update={"deleted": True}))
    visits.reschedule_visit(scene.store, actor=desk, visit_id=visit.id, starts_at=visit.starts_at,
                            ends_at=visit.ends_at, provider_id=visit.provider_id, room_id=scene.room2.id,
                            confirmed=True)

    assert scene.store.appointment(visit.id).room_id == scene.room2.id


def test_the_front_desk_may_not_block_time_off(scene: Scene) -> None:
    visit = scene.next_visit(scene.client())
    with pytest.raises(NotPermitted, match="Only a manager or an admin can block time off or a room's maintenance"):
        blocked_time.block_time(scene.store, actor=scene.staff[Role.FRONT_DESK], block=BlockedTime(
            location_id=scene.location.id, provider_id=scene.injector.id, kind=BlockKind.TIME_OFF,
            starts_at=visit.starts_at, ends_at=visit.ends_at))


def test_the_front_desk_blocks_a_providers_break_and_frees_it_but_not_a_managers_time_off(scene: Scene) -> None:
    visit = scene.next_visit(scene.client())
    desk = scene.staff[Role.FRONT_DESK]
    lunch = BlockedTime(location_id=scene.location.id, provider_id=scene.injector.id, kind=BlockKind.BREAK,
                        starts_at=visit.starts_at, ends_at=visit.ends_at)

    blocked_time.block_time(scene.store, actor=desk, block=lunch)
    assert scene.store.blocked_times(scene.location.id, starts=visit.starts_at, ends=visit.ends_at) == [lunch]
    assert scene.store.outbox_batch(50)[-1].kind.value == "blocked_time.put"
    with pytest.raises(NotPermitted, match="block time off"):  # a break is not turned into time off
        blocked_time.block_time(scene.store, actor=desk, block=lunch.model_copy(update={"kind": BlockKind.TIME_OFF}))
    blocked_time.block_time(scene.store, actor=desk, block=lunch.model_copy(update={"deleted": True}))
    assert scene.store.blocked_times(scene.location.id, starts=visit.starts_at, ends=visit.ends_at) == []

    off = BlockedTime(location_id=scene.location.id, provider_id=scene.injector.id, kind=BlockKind.TIME_OFF,
                      starts_at=visit.starts_at, ends_at=visit.ends_at)
    blocked_time.block_time(scene.store, actor=scene.staff[Role.MANAGER], block=off)
    with pytest.raises(NotPermitted):  # nor time off turned into a break, nor freed, by the desk
        blocked_time.block_time(scene.store, actor=desk, block=off.model_copy(update={"kind": BlockKind.BREAK}))
    with pytest.raises(NotPermitted):
        blocked_time.block_time(scene.store, actor=desk, block=off.model_copy(update={"deleted": True}))


def test_a_block_over_a_visit_on_the_books_is_refused_until_the_visit_moves(scene: Scene) -> None:
    visit = scene.booked()  # 10:00-10:30 with Dana Reyes in Room 1
    lunch = BlockedTime(location_id=scene.location.id, provider_id=scene.injector.id, kind=BlockKind.BREAK,
                        starts_at=visit.starts_at, ends_at=visit.ends_at + timedelta(minutes=30))

    with pytest.raises(blocked_time.TimeBooked, match=r"A visit is booked .* Move or cancel the visit first"):
        blocked_time.block_time(scene.store, actor=scene.staff[Role.FRONT_DESK], block=lunch)
    assert scene.store.blocked_times(scene.location.id, starts=lunch.starts_at, ends=lunch.ends_at) == []

    visits.cancel_visit(scene.store, actor=scene.staff[Role.FRONT_DESK], visit_id=visit.id, reason="moved")
    blocked_time.block_time(scene.store, actor=scene.staff[Role.FRONT_DESK], block=lunch)


def test_a_block_is_for_one_provider_or_one_room_and_ends_after_it_starts(scene: Scene) -> None:
    visit = scene.next_visit(scene.client())
    with pytest.raises(ValueError, match="one provider or one room"):
        BlockedTime(location_id=scene.location.id, provider_id=scene.injector.id, room_id=scene.room1.id,
                    kind=BlockKind.BREAK, starts_at=visit.starts_at, ends_at=visit.ends_at)
    with pytest.raises(ValueError, match="end after it starts"):
        BlockedTime(location_id=scene.location.id, room_id=scene.room1.id, kind=BlockKind.BREAK,
                    starts_at=visit.ends_at, ends_at=visit.starts_at)
