"""Compliance: one client's right-of-access FHIR bundle (50 visits), built, validated and written."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bench.harness import Report, median, time_ms
from medspa_demo.practice import generate_practice
from medspa_desk.compliance.right_of_access import export_client_fhir
from medspa_desk.records import Role
from medspa_desk.store import Actor, Store

TARGET_MS = 500
VISITS = 50


def run(report: Report) -> None:
    # A year of a practice whose clients come back about monthly: about 50 visits each.
    practice = generate_practice(clients=90, months_back=12, months_ahead=1)
    manager = practice.user("manager")
    actor = Actor(user_id=manager.id, device_id=None, role=Role.MANAGER)
    visits: dict = {}
    for appt in practice.appointments:
        visits[appt.client_id] = visits.get(appt.client_id, 0) + 1
    client_id = min((c for c, n in visits.items() if n >= VISITS), key=lambda c: visits[c] - VISITS, default=None)
    if client_id is None:
        raise RuntimeError(f"the benchmark practice has no client with {VISITS} visits")
    with tempfile.TemporaryDirectory() as folder, \
            Store.open(Path(folder) / "desk.db", bytearray(os.urandom(32)), create=True) as store:
        store.import_records(practice.all_records())
        out = Path(folder) / "record.json"

        def export() -> None:
            export_client_fhir(store, client_id=client_id, actor=actor, location=practice.location, path=out)

        samples = time_ms(export, repeat=10, warmup=1)
        cpu = []
        for _ in range(10):
            start = time.process_time()
            export()
            cpu.append((time.process_time() - start) * 1000)
        treatments = sum(1 for t in practice.treatments if t.client_id == client_id)
        print(f"   one client: {visits[client_id]} visits, {treatments} treatments, bundle "
              f"{out.stat().st_size / 1024:.0f} KiB; machine load average {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} cores", flush=True)
    report.figure("compliance.fhir_export_ms", median(samples), unit="ms", target=TARGET_MS)
    report.figure("compliance.fhir_export_cpu_ms", median(cpu), unit="ms", target=TARGET_MS)
