"""The next free times with any provider who can do the service: shifts, hours, buffers, rooms, blocks, DST."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from medspa_desk.desk import blocked_time, free_time, visits
from medspa_desk.records import (
    Appointment,
    BlockedTime,
    BlockKind,
    Location,
    OpeningHours,
    Provider,
    ProviderKind,
    Role,
    Room,
    Service,
    ServiceCategory,
    Shift,
)
from medspa_desk.scheduling import Choice, local_datetime
from medspa_desk.store import InvalidChange
from tests.support.desk_walk import FIRST_DAY, Scene

MONDAY = FIRST_DAY  # 2099-01-05
SPRING_FORWARD = date(2099, 3, 8)  # New York: 2:00 am EST -> 3:00 am EDT


def hours(*weekdays: int, opens: time = time(9), closes: time = time(17)) -> tuple[OpeningHours, ...]:
    return tuple(OpeningHours(weekday=wd, opens=opens, closes=closes) for wd in weekdays)


def practice(scene: Scene, **location: object) -> tuple[Location, Service, Provider, Provider]:
    """Dana (injector, all day), Lee (injector, from 9:30 on Mondays), Sam (aesthetician); Botox needs a treatment room."""
    manager = scene.staff[Role.MANAGER]
    place = scene.location.model_copy(update={"opening_hours": hours(0, 1, 2, 3, 4), **location})
    botox = scene.botox.model_copy(update={"buffer_after_min": 15, "room_kinds": ("treatment",),
                                           "provider_kinds": (ProviderKind.INJECTOR,)})
    lee = Provider(display_name="Lee Park", kind=ProviderKind.INJECTOR)
    sam = Provider(display_name="Sam Ortiz", kind=ProviderKind.AESTHETICIAN)
    for record in (place, botox, lee, sam, Room(location_id=place.id, name="Laser Suite", kind="laser"),
                   Shift(provider_id=lee.id, location_id=place.id, weekday=0, starts=time(9, 30), ends=time(17))):
        scene.store.put_reference(record, actor=manager)
    return place, botox, scene.injector, lee


def at(place: Location, day: date, hour: int, minute: int = 0) -> datetime:
    return local_datetime(day, time(hour, minute), place.zone)


def book(scene: Scene, place: Location, service: Service, provider: Provider, room: Room, start: datetime,
         minutes: int) -> Appointment:
    visit = Appointment(location_id=place.id, client_id=scene.client().id, provider_id=provider.id,
                        room_id=room.id, service_id=service.id, starts_at=start,
                        ends_at=start + timedelta(minutes=minutes))
    visits.book_visit(scene.store, actor=scene.staff[Role.FRONT_DESK], visit=visit, confirmed=True)
    return visit


def find(scene: Scene, place: Location, service: Service, after: datetime, **kw: object) -> list[Choice]:
    return free_time.find_next_free(scene.store, actor=scene.staff[Role.FRONT_DESK], location=place,
                                    service_id=service.id, after=after, **kw)  # type: ignore[arg-type]


def test_the_first_five_across_providers_in_time_order_on_the_15_minute_grid(scene: Scene) -> None:
    place, botox, dana, _ = practice(scene)
    book(scene, place, botox, dana, scene.room1, at(place, MONDAY, 9), 60)

    choices = find(scene, place, botox, at(place, MONDAY, 8, 50))

    names = {scene.room1.id: "Room 1", scene.room2.id: "Room 2"}
    assert [(c.slot.starts_at.astimezone(place.zone).strftime("%H:%M"), c.provider.display_name,
             names[c.slot.room_id]) for c in choices] == [  # type: ignore[index]
        ("09:30", "Lee Park", "Room 2"),  # Lee's shift starts 9:30; Room 1 is Dana's until 10
        ("09:45", "Lee Park", "Room 2"),
        ("10:00", "Dana Reyes", "Room 1"),  # Dana is busy until 10; an aesthetician is never offered
        ("10:00", "Lee Park", "Room 1"),
        ("10:15", "Dana Reyes", "Room 1"),
    ]
    assert all(c.slot.ends_at - c.slot.starts_at == timedelta(minutes=30) for c in choices)


def test_the_practices_own_grid_blocked_time_and_buffers_are_honoured(scene: Scene) -> None:
    place, botox, dana, lee = practice(scene, booking_step_min=20)
    manager = scene.staff[Role.MANAGER]
    # Lee is away all Monday; Dana has a break 9:00-10:00; Room 1 is under maintenance all day.
    for block in (BlockedTime(location_id=place.id, provider_id=lee.id, kind=BlockKind.TIME_OFF,
                              starts_at=at(place, MONDAY, 0), ends_at=at(place, MONDAY, 23)),
                  BlockedTime(location_id=place.id, provider_id=dana.id, kind=BlockKind.BREAK,
                              starts_at=at(place, MONDAY, 9), ends_at=at(place, MONDAY, 10)),
                  BlockedTime(location_id=place.id, room_id=scene.room1.id, kind=BlockKind.MAINTENANCE,
                              starts_at=at(place, MONDAY, 0), ends_at=at(place, MONDAY, 23))):
        blocked_time.block_time(scene.store, actor=manager, block=block)
    # Dana sees a facial client at noon (in Room 2): an 11:20 Botox would run into it with its clean-up.
    facial = Service(name="Facial", category=ServiceCategory.FACIAL, duration_min=20)
    scene.store.put_reference(facial, actor=manager)
    book(scene, place, facial, dana, scene.room2, at(place, MONDAY, 12), 20)

    choices = find(scene, place, botox, at(place, MONDAY, 9))

    assert [(c.slot.starts_at.astimezone(place.zone).strftime("%H:%M"), c.provider.display_name)
            for c in choices] == [("10:00", "Dana Reyes"), ("10:20", "Dana Reyes"), ("10:40", "Dana Reyes"),
                                  ("11:00", "Dana Reyes"), ("12:20", "Dana Reyes")]
    assert {c.slot.room_id for c in choices} == {scene.room2.id}


def test_dst_spring_forward_keeps_wall_times_on_the_grid(scene: Scene) -> None:
    # Open on Sundays only, 1:00-4:00, an hour-long service on an hour grid: 2:00 does not exist on
    # the spring-forward Sunday, so that day has 1:00 (EST) and 3:00 (EDT), the next Sunday three.
    place, botox, _, _ = practice(scene, opening_hours=hours(6, opens=time(1), closes=time(4)),
                                  booking_step_min=60)
    hour_long = botox.model_copy(update={"duration_min": 60, "buffer_after_min": 0})
    scene.store.put_reference(hour_long, actor=scene.staff[Role.MANAGER])

    choices = find(scene, place, hour_long, at(place, SPRING_FORWARD - timedelta(days=1), 12))

    assert [c.slot.starts_at.astimezone(place.zone).strftime("%d %H:%M %Z") for c in choices] == [
        "08 01:00 EST", "08 03:00 EDT", "15 01:00 EDT", "15 02:00 EDT", "15 03:00 EDT"]
    assert {c.provider.display_name for c in choices} == {"Dana Reyes"}  # Lee works Mondays only


def test_only_fourteen_days_are_searched_and_nothing_free_is_an_empty_list(scene: Scene) -> None:
    place, botox, dana, lee = practice(scene, opening_hours=hours(0, opens=time(9), closes=time(10)))
    for week in range(3):
        day = MONDAY + timedelta(weeks=week)
        book(scene, place, botox, dana, scene.room1, at(place, day, 9), 60)
        book(scene, place, botox, lee, scene.room2, at(place, day, 9, 30), 30)
    after = at(place, MONDAY, 0)

    assert find(scene, place, botox, after) == []  # three Mondays full; the fourth is 21 days out
    assert [c.slot.starts_at for c in find(scene, place, botox, after, days=28, count=2)] == [
        at(place, MONDAY + timedelta(weeks=3), 9), at(place, MONDAY + timedelta(weeks=3), 9, 15)]


def test_a_retired_service_is_refused_with_what_to_do(scene: Scene) -> None:
    place, botox, _, _ = practice(scene)
    retired = botox.model_copy(update={"active": False})
    scene.store.put_reference(retired, actor=scene.staff[Role.MANAGER])
    with pytest.raises(InvalidChange, match=r"Botox is no longer offered\. Choose another service\."):
        find(scene, place, retired, at(place, MONDAY, 9))


def test_the_booking_grid_divides_an_hour() -> None:
    with pytest.raises(ValueError, match="must divide an hour"):
        Location(name="X", time_zone="America/New_York", booking_step_min=25)
