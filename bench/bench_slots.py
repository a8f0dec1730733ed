"""Next free time with any provider: the first five slots across 40 providers, 14 days ahead.

The benchmark practice of ``bench_store`` (40 providers, 40 rooms, 100,000
clients, 300,000 appointments booked solid 9:00-17:00 every day, in a real
SQLCipher store) with opening hours 9:00-17:00 every day. The search starts 10
days before the last booked day, so ``find_next_free`` walks ten fully booked
days of all 40 providers before the first free times (the afternoon of the
half-booked day after): the five it returns are on day 11. ``desk.next_free_any_provider_ms``
is the median wall time of the use case as the dialog calls it (store reads
included); the CPU-time companion is the same call in process CPU time.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from datetime import time as clock
from datetime import timedelta
from pathlib import Path

from bench.bench_store import APPOINTMENTS, PROVIDERS, SLOTS_PER_DAY, Practice
from bench.harness import Report, cpu_ms, median, percentile, time_ms
from medspa_desk.desk.free_time import find_next_free
from medspa_desk.records import OpeningHours, Role, new_id
from medspa_desk.scheduling import local_datetime
from medspa_desk.store import Actor, Store

TARGET_MS = 30
REPEAT = 30


def run(report: Report) -> None:
    practice = Practice(random.Random(16))
    practice.location = practice.location.model_copy(update={"opening_hours": tuple(
        OpeningHours(weekday=w, opens=clock(9), closes=clock(17)) for w in range(7))})
    for room in practice.rooms:  # the rooms belong to the location with the hours
        assert room.location_id == practice.location.id
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(Path(folder) / "desk.db", bytearray(os.urandom(32)), create=True)
        try:
            started = time.perf_counter()
            store.import_records([*practice.reference(), *practice.clients, *practice.appointments()])
            print(f"   built {APPOINTMENTS:,} appointments, {len(practice.clients):,} clients in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
            full_days = APPOINTMENTS // (PROVIDERS * SLOTS_PER_DAY)
            after = local_datetime(practice.first_day + timedelta(days=full_days - 10), clock(0),
                                   practice.location.zone)
            actor = Actor(user_id=new_id(), device_id=new_id(), role=Role.FRONT_DESK)

            def search() -> list[object]:
                return find_next_free(store, actor=actor, location=practice.location,  # type: ignore[return-value]
                                      service_id=practice.service.id, after=after)

            found = find_next_free(store, actor=actor, location=practice.location, service_id=practice.service.id,
                                   after=after)
            zone = practice.location.zone
            print("   first five: " + "; ".join(f"{c.slot.starts_at.astimezone(zone):%b %d %H:%M} "
                                                 f"{c.provider.display_name}" for c in found), flush=True)
            assert len(found) == 5 and found[0].slot.starts_at.astimezone(zone).date() == \
                practice.first_day + timedelta(days=full_days)
            wall = time_ms(search, repeat=REPEAT)
            report.figure("desk.next_free_any_provider_ms", median(wall), unit="ms", target=TARGET_MS)
            report.figure("desk.next_free_any_provider_p95_ms", percentile(wall, 95), unit="ms")
            report.figure("desk.next_free_any_provider_cpu_ms", median(cpu_ms(search, repeat=REPEAT)), unit="ms",
                          target=TARGET_MS)
            print(f"   load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        finally:
            store.close()
