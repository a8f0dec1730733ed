"""Photo sync figures: a 4 MB photo from desk A to desk B, over TLS on loopback, between SQLCipher stores.

- desk.photo_sync_mb_per_s: a provider adds a 4 MB photo on desk A through the charting screen's use case
  (``import_photo``, no nudge: the outbox watch wakes A's engine); A sends its bytes in 1 MiB chunks and
  pushes its record; desk B (a manager, following the change stream) pulls the record and fetches the
  bytes by range into its own store. Megabytes (10^6 bytes) over the seconds from A's commit until the
  photo is whole in B's store, median of the samples; target >= 10 MB/s.
- desk.photo_sync_cpu_ms_per_mb: its CPU companion, this process's CPU time per megabyte (both desks run
  here; the API runs in its own process, as a server does); with the load average beside it.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from uuid import UUID

from bench.harness import Report, median
from medspa_desk.desk.photos import import_photo
from medspa_desk.records import PhotoKind, new_id
from tests.support.live_api import LiveApi
from tests.support.sync_desks import Desk, new_client, open_desk

PHOTO_BYTES = 4 * 1024 * 1024
SAMPLES = 6
TARGET_MB_PER_S = 10.0


def run(report: Report) -> None:
    with tempfile.TemporaryDirectory() as tmp, LiveApi.start(Path(tmp) / "api", in_subprocess=True) as live:
        a = open_desk(live, Path(tmp) / "a", who="provider", name="a", interval_s=600.0)
        b = open_desk(live, Path(tmp) / "b", who="manager", name="b", interval_s=600.0)
        try:
            client = new_client("Bench", "Photos")
            a.write(lambda store: store.create_client(client, actor=a.actor))
            _wait_for(b, "SELECT 1 FROM clients WHERE id = ?", client.id)
            rates, cpu_per_mb = [], []
            for sample in range(SAMPLES):
                path = Path(tmp) / f"photo-{sample}.jpg"
                path.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(PHOTO_BYTES - 4))  # incompressible
                started, cpu_started = time.perf_counter(), time.process_time()
                info = a.write(lambda store, path=path: import_photo(
                    store, path, client_id=client.id, treatment_id=new_id(), kind=PhotoKind.BEFORE, actor=a.actor))
                _wait_for(b, "SELECT 1 FROM photos WHERE id = ?", info.id)
                elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
                rates.append(PHOTO_BYTES / 1e6 / elapsed)
                cpu_per_mb.append(cpu * 1000 / (PHOTO_BYTES / 1e6))
                time.sleep(0.2)
        finally:
            a.close()
            b.close()
    report.figure("desk.photo_sync_mb_per_s", median(rates), unit="MB/s", target=TARGET_MB_PER_S,
                  higher_is_better=True, baseline=TARGET_MB_PER_S, baseline_name="the target")
    report.figure("desk.photo_sync_cpu_ms_per_mb", median(cpu_per_mb), unit="ms")
    report.figure("desk.photo_sync_load_average", os.getloadavg()[0], unit="")
    print(f"   {SAMPLES} photos of {PHOTO_BYTES / 1e6:.1f} MB: {min(rates):.1f} to {max(rates):.1f} MB/s; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)


def _wait_for(desk: Desk, sql: str, record_id: UUID, *, timeout_s: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        if desk.read(lambda store: store.select(sql, (str(record_id),))):
            return
        time.sleep(0.005)
    raise AssertionError(f"record {record_id} did not reach desk {desk.name} in {timeout_s} s")
