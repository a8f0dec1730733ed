"""The demo generator's short cuts give what the plain way would, at the benchmark's shape.

The benchmark practice (many providers and rooms, five years of lots) is too big
for a unit test, so these build a small practice of the same shape and check it
record by record, and check the helpers the build leans on against brute force.
"""

from __future__ import annotations

import gc
import random
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from medspa_demo.charting import TreatmentSealer
from medspa_demo.model import BENCHMARK_SCALE, TIME_ZONE, Practice, Scale
from medspa_demo.practice import _Builder, generate_practice
from medspa_demo.schedule import Schedule, _Booked, _Placement
from medspa_desk.records import AppointmentStatus, TreatmentRecord, content_hash
from medspa_desk.scheduling import clashes, local_datetime, local_day

TODAY = date(2025, 3, 5)
# The benchmark's providers, rooms and a year and a half of history, at a tenth of a percent of its clients.
SHAPE = replace(BENCHMARK_SCALE, clients=1500, appointments=5000, treatments=1500, months_back=18, months_ahead=2)


@cache
def practice() -> Practice:
    return generate_practice(seed=21, today=TODAY, scale=SHAPE)


def test_a_benchmark_shaped_practice_has_its_sizes() -> None:
    p = practice()
    assert (len(p.clients), len(p.providers), len(p.rooms)) == (1500, 40, 48)
    assert (len(p.appointments), len(p.treatments)) == (5000, 1500)
    assert p.consents == [] and p.intakes == []


def test_every_record_of_a_benchmark_shaped_practice_survives_full_validation_unchanged() -> None:
    for record in practice().all_records():
        assert type(record).from_json(record.to_json()).to_json() == record.to_json()


def test_every_treatment_hash_is_the_hash_of_its_signed_content() -> None:
    treatments = practice().treatments
    assert all(t.content_sha256 == content_hash(t.signed_content()) for t in treatments)
    # Charts share identical entries; sharing must not make two charts one.
    assert len({t.id for t in treatments}) == len(treatments)
    assert sum(len(t.points) for t in treatments) > len(treatments)


def test_no_provider_room_or_client_is_double_booked_at_the_benchmark_shape() -> None:
    p = practice()
    zone = p.location.zone
    by_day = defaultdict(list)
    visits = defaultdict(list)
    for appt in p.appointments:
        by_day[local_day(appt.starts_at, zone)].append(appt)
        visits[appt.client_id].append((appt.starts_at, appt.ends_at))
    for day_appts in by_day.values():
        for appt in day_appts:
            if appt.holds_slot:
                assert clashes(appt, day_appts, zone=zone) == []
    for times in visits.values():
        times.sort()
        assert all(later[0] >= earlier[1] for earlier, later in pairwise(times))
    assert {a.status for a in p.appointments} >= {AppointmentStatus.COMPLETED, AppointmentStatus.BOOKED}


def test_each_chart_uses_the_newest_lot_in_date_on_the_visit_day() -> None:
    p = practice()
    zone = p.location.zone
    for treatment in p.treatments:
        on = local_day(treatment.performed_at, zone)
        for use in treatment.products:
            usable = [lot for lot in p.lots if lot.product_id == use.product_id and lot.received <= on < lot.expiry]
            newest = max(usable, key=lambda lot: lot.received)
            assert (use.lot, use.expiry) == (newest.lot, newest.expiry)


def test_booked_times_answer_as_a_scan_of_every_booking_would() -> None:
    rng = random.Random(5)
    booked: _Booked[int] = _Booked()
    taken: list[tuple[int, int]] = []
    for _ in range(3000):
        start = rng.randrange(0, 1000)
        end = start + rng.randrange(1, 40)
        scan = not any(start < b_end and b_start < end for b_start, b_end in taken)
        assert booked.is_free(start, end) is scan
        if scan:
            booked.take(start, end)
            taken.append((start, end))
    assert booked.starts == sorted(s for s, _ in taken) and len(taken) > 20


def test_booked_times_touching_end_to_start_are_free() -> None:
    booked: _Booked[datetime] = _Booked()
    nine = datetime(2025, 3, 5, 14, 0).astimezone()
    booked.take(nine, nine + timedelta(hours=1))
    assert booked.is_free(nine + timedelta(hours=1), nine + timedelta(hours=2))
    assert booked.is_free(nine - timedelta(hours=1), nine)
    assert not booked.is_free(nine + timedelta(minutes=59), nine + timedelta(hours=2))
    assert not booked.is_free(nine - timedelta(minutes=5), nine + timedelta(minutes=1))


def test_the_treatment_sealer_falls_back_to_the_plain_hash_when_the_signed_content_changes_shape(
        monkeypatch: pytest.MonkeyPatch) -> None:
    treatment = practice().treatments[0]
    assert TreatmentSealer().hash(treatment) == treatment.content_sha256
    plain_content = TreatmentRecord.signed_content
    monkeypatch.setattr(TreatmentRecord, "signed_content",
                        lambda self: {**plain_content(self), "consent_note": "Patient asked for a copy"})
    changed = content_hash(treatment.signed_content())
    assert changed != treatment.content_sha256
    assert TreatmentSealer().hash(treatment) == changed


def test_the_cycle_collector_is_left_as_it_was_found() -> None:
    small = {"clients": 40, "months_back": 1, "months_ahead": 1, "today": TODAY}
    was_enabled = gc.isenabled()
    try:
        gc.enable()
        generate_practice(**small)
        assert gc.isenabled()
        gc.disable()
        generate_practice(**small)
        assert not gc.isenabled()
    finally:
        (gc.enable if was_enabled else gc.disable)()


def test_a_room_booked_twice_stops_the_build_even_when_other_bookings_came_in_between() -> None:
    builder = _Builder(random.Random(3), size=Scale(clients=30, months_back=1, months_ahead=1),
                       zone=ZoneInfo(TIME_ZONE), today=TODAY)
    p = builder.build()
    schedule = Schedule(builder, p)
    day = TODAY + timedelta(days=7)  # ahead: every booking holds its room
    service = next(s for s in p.services if s.name == "Botox Cosmetic")
    room = next(r for r in p.rooms if r.kind == "treatment")
    first, second, third = (pr.id for pr in p.providers[:3])

    def at(hour: int, minute: int = 0) -> tuple[datetime, datetime]:
        start = local_datetime(day, time(hour, minute), ZoneInfo(TIME_ZONE))
        return start, start + timedelta(minutes=service.duration_min)

    apart = [_Placement(day, first, service, room, *at(10)), _Placement(day, second, service, room, *at(14)),
             _Placement(day, third, service, room, *at(12))]
    assert len(schedule._book(apart)) == 3
    overlapping = [_Placement(day, first, service, room, *at(10)), _Placement(day, second, service, room, *at(14)),
                   _Placement(day, third, service, room, *at(10, 15))]
    with pytest.raises(AssertionError, match="double-booked"):
        Schedule(builder, p)._book(overlapping)
