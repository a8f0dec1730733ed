"""Scheduling rules, checked against a minute-by-minute model and on the DST days of New York."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medspa_desk.records import (
    Appointment,
    AppointmentStatus,
    BlockedTime,
    BlockKind,
    Location,
    OpeningHours,
    Provider,
    ProviderKind,
    Room,
    Service,
    ServiceCategory,
    Shift,
)
from medspa_desk.scheduling import (
    Held,
    Slot,
    blocked_interval,
    blocking,
    clashes,
    day_bounds,
    free_slots,
    local_datetime,
    next_free_any,
    next_free_slot,
    outside_hours,
    rooms_for,
    snap,
)
from medspa_desk.time_words import time_span

NY = "America/New_York"
SPRING_FORWARD = date(2024, 3, 10)  # 2:00 am EST -> 3:00 am EDT
FALL_BACK = date(2024, 11, 3)  # 2:00 am EDT -> 1:00 am EST
ORDINARY_DAY = date(2024, 5, 15)  # a Wednesday

PROVIDER_A = UUID("0190a000-0000-7000-8000-00000000000a")
PROVIDER_B = UUID("0190a000-0000-7000-8000-00000000000b")
CLIENT = UUID("0190a000-0000-7000-8000-0000000000c1")


def make_location(*, hours: dict[int, tuple[time, time]] | None = None, zone: str = NY) -> Location:
    if hours is None:
        hours = {wd: (time(0), time(23, 59)) for wd in range(7)}
    return Location(name="Glow Aesthetics", time_zone=zone,
                    opening_hours=tuple(OpeningHours(weekday=wd, opens=o, closes=c)
                                        for wd, (o, c) in hours.items()))


LOCATION = make_location()
ROOM_1 = Room(location_id=LOCATION.id, name="Room 1", kind="treatment")
ROOM_2 = Room(location_id=LOCATION.id, name="Room 2", kind="treatment")
LASER_ROOM = Room(location_id=LOCATION.id, name="Laser Suite", kind="laser")
ROOMS = (ROOM_1, ROOM_2)
BOTOX = Service(id=UUID("0190a000-0000-7000-8000-0000000000b0"), name="Botox", category=ServiceCategory.NEUROTOXIN,
                duration_min=30, buffer_before_min=5, buffer_after_min=10, room_kinds=("treatment",),
                provider_kinds=(ProviderKind.INJECTOR,))


def appt(*, start: datetime, minutes: int, provider: UUID = PROVIDER_A, room: UUID | None = ROOM_1.id,
         before: int = 0, after: int = 0, status: AppointmentStatus = AppointmentStatus.BOOKED,
         service: UUID = BOTOX.id) -> Appointment:
    return Appointment(location_id=LOCATION.id, client_id=CLIENT, provider_id=provider, room_id=room,
                       service_id=service, starts_at=start, ends_at=start + timedelta(minutes=minutes),
                       buffer_before_min=before, buffer_after_min=after, status=status,
                       cancel_reason="client ill" if status is AppointmentStatus.CANCELLED else "")


def ny(day: date, hour: int, minute: int = 0) -> datetime:
    return local_datetime(day, time(hour, minute), LOCATION.zone)


# --- clashes against a minute-by-minute model ----------------------------------------

BASE = datetime(2024, 5, 15, 13, 0, tzinfo=UTC)


def minutes_of(a: Appointment) -> set[int]:
    start, end = blocked_interval(a)
    first = int((start - BASE).total_seconds() // 60)
    last = int((end - BASE).total_seconds() // 60)
    return set(range(first, last))


appointments = st.builds(
    lambda offset, minutes, provider, room, before, after, status: appt(
        start=BASE + timedelta(minutes=offset), minutes=minutes, provider=provider, room=room,
        before=before, after=after, status=status),
    offset=st.integers(0, 360), minutes=st.integers(5, 120),
    provider=st.sampled_from([PROVIDER_A, PROVIDER_B]),
    room=st.sampled_from([ROOM_1.id, ROOM_2.id, None]),
    before=st.integers(0, 30), after=st.integers(0, 30),
    status=st.sampled_from(list(AppointmentStatus)),
)


@settings(max_examples=300, deadline=None)
@given(candidate=appointments, others=st.lists(appointments, max_size=12))
def test_clashes_match_minute_by_minute_occupancy(candidate: Appointment, others: list[Appointment]) -> None:
    mine = minutes_of(candidate)
    expected = set()
    for other in others:
        if other.status in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW):
            continue
        if not mine & minutes_of(other):
            continue
        if other.provider_id == candidate.provider_id:
            expected.add(("provider", other.id))
        if candidate.room_id is not None and other.room_id == candidate.room_id:
            expected.add(("room", other.id))
    found = clashes(candidate, others, zone=LOCATION.zone)
    assert {(c.kind, c.other.id) for c in found} == expected
    assert len(found) == len(expected)


def test_an_appointment_never_clashes_with_itself_when_rescheduled() -> None:
    booked = appt(start=ny(ORDINARY_DAY, 10), minutes=45)
    moved = booked.model_copy(update={"starts_at": ny(ORDINARY_DAY, 10, 15),
                                      "ends_at": ny(ORDINARY_DAY, 11)})
    assert clashes(moved, [booked], zone=LOCATION.zone) == []


def test_back_to_back_bookings_whose_buffers_only_touch_do_not_clash() -> None:
    first = appt(start=ny(ORDINARY_DAY, 10), minutes=45, after=15)
    second = appt(start=ny(ORDINARY_DAY, 11, 10), minutes=30, before=5)
    assert clashes(second, [first], zone=LOCATION.zone) == []


def test_clash_message_names_the_time_service_and_room_but_no_client() -> None:
    taken = appt(start=ny(ORDINARY_DAY, 10), minutes=45, room=ROOM_2.id)
    wanted = appt(start=ny(ORDINARY_DAY, 10, 30), minutes=30, room=ROOM_2.id)
    found = clashes(wanted, [taken], zone=LOCATION.zone, service_names={BOTOX.id: "Botox"},
                    room_names={ROOM_2.id: "Room 2"})
    assert [c.message for c in found] == [
        f"The provider is already booked {time_span(time(10), time(10, 45))} (Botox, Room 2).",
        f"Room 2 is already in use {time_span(time(10), time(10, 45))} (Botox).",
    ]


def test_clash_only_in_buffer_time_says_so() -> None:
    taken = appt(start=ny(ORDINARY_DAY, 10), minutes=45, after=15, room=None)
    wanted = appt(start=ny(ORDINARY_DAY, 10, 50), minutes=30, room=None)
    [found] = clashes(wanted, [taken], zone=LOCATION.zone)
    assert found.kind == "provider"
    assert "set-up or clean-up" in found.message


def test_cancelled_and_no_show_appointments_free_their_slot() -> None:
    cancelled = appt(start=ny(ORDINARY_DAY, 10), minutes=45, status=AppointmentStatus.CANCELLED)
    no_show = appt(start=ny(ORDINARY_DAY, 10), minutes=45, status=AppointmentStatus.NO_SHOW)
    wanted = appt(start=ny(ORDINARY_DAY, 10), minutes=45)
    assert clashes(wanted, [cancelled, no_show], zone=LOCATION.zone) == []


# --- next_free_slot against a brute-force search ---------------------------------------

DAY_START = ny(ORDINARY_DAY, 0)


def brute_force_first_slot(*, service: Service, existing: list[Appointment], after: datetime,
                           hours: tuple[time, time], shift: tuple[time, time], step: int,
                           rooms: tuple[Room, ...]) -> Slot | None:
    """Try every minute of the day; keep starts on the local step grid that fit and are free."""
    open_at = max(hours[0], shift[0])
    close_at = min(hours[1], shift[1])
    window = (ny(ORDINARY_DAY, open_at.hour, open_at.minute), ny(ORDINARY_DAY, close_at.hour, close_at.minute))
    live = [a for a in existing if a.holds_slot]
    provider_minutes = set().union(*(minutes_of(a) for a in live if a.provider_id == PROVIDER_A))
    for minute in range(24 * 60):
        start = DAY_START + timedelta(minutes=minute)
        if minute % step or start < after:
            continue
        end = start + timedelta(minutes=service.duration_min)
        if start < window[0] or end > window[1]:
            continue
        need = appt(start=start, minutes=service.duration_min, before=service.buffer_before_min,
                    after=service.buffer_after_min, room=None)
        if minutes_of(need) & provider_minutes:
            continue
        for room in rooms:
            room_minutes = set().union(*(minutes_of(a) for a in live if a.room_id == room.id))
            if not minutes_of(need) & room_minutes:
                return Slot(start, end, room.id)
    return None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    booked=st.lists(st.builds(
        lambda offset, minutes, provider, room, before, after, status: appt(
            start=DAY_START + timedelta(minutes=offset), minutes=minutes, provider=provider, room=room,
            before=before, after=after, status=status),
        offset=st.integers(7 * 60, 19 * 60), minutes=st.integers(5, 120),
        provider=st.sampled_from([PROVIDER_A, PROVIDER_B, PROVIDER_B]),
        room=st.sampled_from([ROOM_1.id, ROOM_1.id, ROOM_2.id, LASER_ROOM.id, None]),
        before=st.integers(0, 20), after=st.integers(0, 20),
        status=st.sampled_from(list(AppointmentStatus))), max_size=20),
)
def test_next_free_slot_matches_brute_force_search(data: st.DataObject, booked: list[Appointment]) -> None:
    step = data.draw(st.sampled_from([5, 10, 15, 30]))
    duration = data.draw(st.integers(5, 90))
    service = BOTOX.model_copy(update={"duration_min": duration,
                                       "buffer_before_min": data.draw(st.integers(0, 20)),
                                       "buffer_after_min": data.draw(st.integers(0, 20))})
    opens = data.draw(st.sampled_from([time(8), time(9), time(9, 30)]))
    closes = data.draw(st.sampled_from([time(17), time(19), time(20, 45)]))
    shift = (data.draw(st.sampled_from([time(7), time(10), time(12, 10)])),
             data.draw(st.sampled_from([time(15), time(18), time(21)])))
    after = DAY_START + timedelta(minutes=data.draw(st.integers(6 * 60, 16 * 60)))
    wednesday = ORDINARY_DAY.weekday()
    location = make_location(hours={wednesday: (opens, closes)})
    treatment_rooms = ROOMS[:data.draw(st.sampled_from([1, 2]))]
    rooms = (LASER_ROOM, *[r.model_copy(update={"location_id": location.id}) for r in treatment_rooms])
    laser_room = rooms[0]
    shifts = [Shift(provider_id=PROVIDER_A, location_id=location.id, weekday=wednesday,
                    starts=shift[0], ends=shift[1])]
    expected = brute_force_first_slot(service=service, existing=booked, after=after, hours=(opens, closes),
                                      shift=shift, step=step, rooms=rooms[1:])
    found = next_free_slot(service=service, provider_id=PROVIDER_A, location=location, shifts=shifts,
                           rooms=rooms, existing=booked, after=after, step_min=step, horizon_days=1)
    if found is not None:
        # One day's horizon may reach into tomorrow morning, which is closed (Wednesday only).
        assert found.starts_at.astimezone(location.zone).date() == ORDINARY_DAY
        assert found.room_id != laser_room.id
    assert found == expected


def test_next_free_slot_moves_to_the_next_working_day() -> None:
    weekdays = {wd: (time(9), time(17)) for wd in range(5)}
    location = make_location(hours=weekdays)
    rooms = [ROOM_1.model_copy(update={"location_id": location.id})]
    friday = date(2024, 5, 17)
    found = next_free_slot(service=BOTOX, provider_id=PROVIDER_A, location=location, shifts=[],
                           rooms=rooms, existing=[], after=ny(friday, 16, 45))
    assert found == Slot(ny(date(2024, 5, 20), 9), ny(date(2024, 5, 20), 9, 30), rooms[0].id)


def test_booking_today_offers_only_times_still_ahead_and_as_many_as_asked() -> None:
    now = ny(ORDINARY_DAY, 13, 7)
    slots = free_slots(service=BOTOX, provider_id=PROVIDER_A, location=LOCATION, shifts=[], rooms=ROOMS,
                       existing=[], day=ORDINARY_DAY, not_before=now, limit=3)
    assert [s.starts_at for s in slots] == [ny(ORDINARY_DAY, 13, 15), ny(ORDINARY_DAY, 13, 30),
                                            ny(ORDINARY_DAY, 13, 45)]
    with pytest.raises(ValueError, match="time zone"):
        free_slots(service=BOTOX, provider_id=PROVIDER_A, location=LOCATION, shifts=[], rooms=ROOMS,
                   existing=[], day=ORDINARY_DAY, not_before=datetime(2024, 5, 15, 13))


def test_second_room_is_offered_when_the_first_is_taken() -> None:
    other_provider = appt(start=ny(ORDINARY_DAY, 10), minutes=60, provider=PROVIDER_B, room=ROOM_1.id)
    found = next_free_slot(service=BOTOX, provider_id=PROVIDER_A, location=LOCATION, shifts=[],
                           rooms=ROOMS, existing=[other_provider], after=ny(ORDINARY_DAY, 10))
    assert found == Slot(ny(ORDINARY_DAY, 10), ny(ORDINARY_DAY, 10, 30), ROOM_2.id)


def test_no_slot_when_no_room_of_the_right_kind_exists() -> None:
    laser = BOTOX.model_copy(update={"room_kinds": ("laser",)})
    assert next_free_slot(service=laser, provider_id=PROVIDER_A, location=LOCATION, shifts=[],
                          rooms=ROOMS, existing=[], after=ny(ORDINARY_DAY, 9)) is None


def test_rescheduled_appointment_does_not_block_its_own_new_time() -> None:
    booked = appt(start=ny(ORDINARY_DAY, 10), minutes=30)
    found = next_free_slot(service=BOTOX, provider_id=PROVIDER_A, location=LOCATION, shifts=[],
                           rooms=ROOMS, existing=[booked], after=ny(ORDINARY_DAY, 10), ignoring=booked.id)
    assert found is not None and found.starts_at == ny(ORDINARY_DAY, 10)


# --- DST days in New York ------------------------------------------------------------------


def test_spring_forward_day_is_23_hours_and_fall_back_day_25() -> None:
    zone = LOCATION.zone
    lengths = {day: (lambda b: b[1] - b[0])(day_bounds(day, zone))
               for day in (SPRING_FORWARD, FALL_BACK, ORDINARY_DAY)}
    assert lengths == {SPRING_FORWARD: timedelta(hours=23), FALL_BACK: timedelta(hours=25),
                       ORDINARY_DAY: timedelta(hours=24)}


def test_wall_time_in_the_spring_forward_gap_shifts_forward() -> None:
    at = local_datetime(SPRING_FORWARD, time(2, 30), LOCATION.zone)
    assert at.astimezone(LOCATION.zone).replace(tzinfo=None) == datetime(2024, 3, 10, 3, 30)
    assert at == datetime(2024, 3, 10, 7, 30, tzinfo=UTC)


def test_ambiguous_1_30_am_on_fall_back_day_is_the_first_occurrence() -> None:
    first = local_datetime(FALL_BACK, time(1, 30), LOCATION.zone)
    assert first == datetime(2024, 11, 3, 5, 30, tzinfo=UTC)  # 1:30 EDT
    assert first.astimezone(LOCATION.zone).utcoffset() == timedelta(hours=-4)


def test_the_two_1_30_am_appointments_on_fall_back_day_do_not_clash() -> None:
    first = appt(start=local_datetime(FALL_BACK, time(1, 30), LOCATION.zone), minutes=30)
    second = appt(start=first.starts_at + timedelta(hours=1), minutes=30)  # 1:30 EST
    assert second.starts_at.astimezone(LOCATION.zone).strftime("%H:%M") == "01:30"
    assert clashes(second, [first], zone=LOCATION.zone) == []
    assert outside_hours(first, location=LOCATION, shifts=[]) is None
    assert outside_hours(second, location=LOCATION, shifts=[]) is None


def test_hourly_slots_on_fall_back_day_include_the_repeated_hour() -> None:
    service = BOTOX.model_copy(update={"duration_min": 60, "buffer_before_min": 0, "buffer_after_min": 0})
    slots = free_slots(service=service, provider_id=PROVIDER_A, location=LOCATION, shifts=[], rooms=ROOMS,
                       existing=[], day=FALL_BACK, step_min=60)
    walls = [s.starts_at.astimezone(LOCATION.zone).strftime("%H:%M%z") for s in slots]
    assert walls[:4] == ["00:00-0400", "01:00-0400", "01:00-0500", "02:00-0500"]
    assert len(slots) == 24  # 0:00 .. 22:00 plus the repeated 1:00; 23:00 would pass closing at 23:59
    assert all(s.ends_at - s.starts_at == timedelta(hours=1) for s in slots)


def test_slots_run_straight_across_the_spring_forward_gap() -> None:
    zone = LOCATION.zone
    busy_to_the_gap = appt(start=local_datetime(SPRING_FORWARD, time(1), zone), minutes=60, room=None)
    service = BOTOX.model_copy(update={"buffer_before_min": 0, "buffer_after_min": 0})
    found = next_free_slot(service=service, provider_id=PROVIDER_A, location=LOCATION, shifts=[],
                           rooms=ROOMS, existing=[busy_to_the_gap], after=busy_to_the_gap.starts_at)
    assert found is not None
    # The hour from 1:00 EST ends at 3:00 EDT: the next start on the clock.
    assert found.starts_at == busy_to_the_gap.ends_at
    assert found.starts_at.astimezone(zone).strftime("%H:%M%z") == "03:00-0400"
    slots = free_slots(service=service, provider_id=PROVIDER_A, location=LOCATION, shifts=[], rooms=ROOMS,
                       existing=[], day=SPRING_FORWARD, step_min=30)
    walls = [s.starts_at.astimezone(zone).strftime("%H:%M") for s in slots[:6]]
    assert walls == ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30"]
    # A 30-minute appointment from 1:45 EST lasts 30 real minutes, ending 3:15 EDT.
    crossing = appt(start=local_datetime(SPRING_FORWARD, time(1, 45), zone), minutes=30)
    assert crossing.ends_at.astimezone(zone).strftime("%H:%M") == "03:15"


def test_snap_rounds_up_on_the_local_clock_without_skipping_the_repeated_hour() -> None:
    zone = LOCATION.zone
    at = datetime(2024, 11, 3, 5, 58, tzinfo=UTC)  # 1:58 EDT
    snapped = snap(at, step_min=15, zone=zone)
    assert snapped == datetime(2024, 11, 3, 6, 0, tzinfo=UTC)  # 1:00 EST, two real minutes later
    assert snap(snapped, step_min=15, zone=zone) == snapped
    india = datetime(2024, 5, 15, 4, 1, tzinfo=UTC)  # 9:31 in Kolkata (+5:30)
    assert snap(india, step_min=15, zone=ZoneInfo("Asia/Kolkata")) == datetime(2024, 5, 15, 4, 15, tzinfo=UTC)


def test_snap_refuses_a_naive_time_and_a_silly_step() -> None:
    with pytest.raises(ValueError, match="time zone"):
        snap(datetime(2024, 5, 15, 9), step_min=5, zone=LOCATION.zone)
    with pytest.raises(ValueError, match="step"):
        snap(ny(ORDINARY_DAY, 9), step_min=0, zone=LOCATION.zone)


# --- opening hours and shifts --------------------------------------------------------------

MON_TO_SAT = {wd: (time(9), time(19)) for wd in range(6)}


def test_sunday_appointment_is_refused_because_the_spa_is_closed() -> None:
    location = make_location(hours=MON_TO_SAT)
    sunday = date(2024, 5, 19)
    reason = outside_hours(appt(start=ny(sunday, 10), minutes=30), location=location, shifts=[])
    assert reason == "Glow Aesthetics is closed on Sundays. Choose another day."


def test_appointment_running_past_closing_names_the_hours_and_its_times() -> None:
    location = make_location(hours=MON_TO_SAT)
    reason = outside_hours(appt(start=ny(ORDINARY_DAY, 18, 30), minutes=45), location=location, shifts=[])
    assert reason == (f"Glow Aesthetics is open {time_span(time(9), time(19))} on Wednesdays, "
                      f"and this appointment runs {time_span(time(18, 30), time(19, 15))}. "
                      "Choose a time inside opening hours.")


def test_provider_off_that_weekday_and_outside_shift_are_explained() -> None:
    location = make_location(hours=MON_TO_SAT)
    tuesday_shift = Shift(provider_id=PROVIDER_A, location_id=location.id, weekday=1,
                          starts=time(9), ends=time(15))
    wednesday_shift = tuesday_shift.model_copy(update={"weekday": 2, "starts": time(12), "ends": time(19)})
    off_day = outside_hours(appt(start=ny(ORDINARY_DAY, 10), minutes=30), location=location,
                            shifts=[tuesday_shift])
    assert off_day == ("The provider does not work at Glow Aesthetics on Wednesdays. "
                       "Choose another day or another provider.")
    early = outside_hours(appt(start=ny(ORDINARY_DAY, 11, 45), minutes=30), location=location,
                          shifts=[tuesday_shift, wednesday_shift])
    assert early == (f"The provider works {time_span(time(12), time(19))} on Wednesdays, and this appointment "
                     f"runs {time_span(time(11, 45), time(12, 15))}. "
                     "Choose a time inside the provider's shift or another provider.")
    inside = outside_hours(appt(start=ny(ORDINARY_DAY, 12), minutes=30), location=location,
                           shifts=[tuesday_shift, wednesday_shift])
    assert inside is None


def test_shifts_of_another_provider_do_not_limit_this_one() -> None:
    location = make_location(hours=MON_TO_SAT)
    other = Shift(provider_id=PROVIDER_B, location_id=location.id, weekday=2, starts=time(9), ends=time(10))
    assert outside_hours(appt(start=ny(ORDINARY_DAY, 15), minutes=30), location=location, shifts=[other]) is None


# --- next free times with any provider, against a brute-force model -------------------------------

def _brute_force_any(*, service: Service, providers: list[Provider], location: Location, rooms: tuple[Room, ...],
                     existing: list[Appointment], blocks: list[BlockedTime], after: datetime, days: int,
                     count: int) -> list[tuple[datetime, UUID]]:
    """Every grid start from ``after`` tested with the desk's own rules (clashes, blocking, outside_hours)."""
    found: list[tuple[datetime, UUID]] = []
    step = location.booking_step_min
    t = snap(after, step_min=step, zone=location.zone)
    end = after + timedelta(days=days)
    while t < end and len(found) < count:
        for provider in providers:
            for room in rooms_for(service, location=location, rooms=rooms):
                candidate = Appointment(location_id=location.id, client_id=CLIENT, provider_id=provider.id,
                                        room_id=room.id, service_id=service.id, starts_at=t,
                                        ends_at=t + timedelta(minutes=service.duration_min),
                                        buffer_before_min=service.buffer_before_min,
                                        buffer_after_min=service.buffer_after_min)
                if (not clashes(candidate, existing, zone=location.zone) and blocking(candidate, blocks) is None
                        and outside_hours(candidate, location=location, shifts=()) is None):
                    found.append((t, provider.id))
                    break
            if len(found) >= count:
                break
        t = snap(t + timedelta(minutes=step), step_min=step, zone=location.zone)
    return found


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(busy=st.lists(st.tuples(st.integers(0, 3 * 24 * 4), st.integers(1, 8), st.integers(0, 1), st.integers(0, 1)),
                     max_size=25),
       blocked=st.lists(st.tuples(st.integers(0, 3 * 24 * 4), st.integers(1, 12), st.integers(0, 1)), max_size=3),
       step=st.sampled_from([5, 15, 20, 60]), on_dst_day=st.booleans())
def test_next_free_any_matches_testing_every_grid_start(busy: list[tuple[int, int, int, int]],
                                                       blocked: list[tuple[int, int, int]], step: int,
                                                       on_dst_day: bool) -> None:
    location = make_location(hours={wd: (time(1), time(20)) for wd in range(7)}).model_copy(
        update={"booking_step_min": step})
    rooms = (Room(location_id=location.id, name="Room 1", kind="treatment"),
             Room(location_id=location.id, name="Room 2", kind="treatment"))
    providers = [Provider(id=PROVIDER_A, display_name="A", kind=ProviderKind.INJECTOR),
                 Provider(id=PROVIDER_B, display_name="B", kind=ProviderKind.INJECTOR)]
    first = SPRING_FORWARD - timedelta(days=1) if on_dst_day else ORDINARY_DAY
    after = local_datetime(first, time(0), location.zone)
    existing = [appt(start=after + timedelta(minutes=15 * q), minutes=15 * n, provider=providers[p].id,
                     room=rooms[r].id, after=10) for q, n, p, r in busy]
    blocks = [BlockedTime(location_id=location.id, provider_id=providers[p].id, kind=BlockKind.BREAK,
                          starts_at=after + timedelta(minutes=15 * q),
                          ends_at=after + timedelta(minutes=15 * (q + n))) for q, n, p in blocked]
    held = Held(by_provider={p.id: [(int(a.starts_at.timestamp()) - 60 * a.buffer_before_min,
                                     int(a.ends_at.timestamp()) + 60 * a.buffer_after_min)
                                    for a in existing if a.provider_id == p.id] for p in providers},
                by_room={r.id: [(int(a.starts_at.timestamp()) - 60 * a.buffer_before_min,
                                 int(a.ends_at.timestamp()) + 60 * a.buffer_after_min)
                                for a in existing if a.room_id == r.id] for r in rooms})

    found = next_free_any(service=BOTOX, providers=providers, location=location, shifts=(), rooms=rooms, held=held,
                          blocks=blocks, after=after, days=3, count=5)

    assert [(c.slot.starts_at, c.provider.id) for c in found] == _brute_force_any(
        service=BOTOX, providers=providers, location=location, rooms=rooms, existing=existing, blocks=blocks,
        after=after, days=3, count=5)
