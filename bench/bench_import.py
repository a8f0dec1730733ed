"""Client import: a 10,000-row CSV export, read, validated, deduplicated and saved (issue 17 item 5).

``setup.import_clients_per_s``: rows per second from the file on disk to the
clients in a real SQLCipher store, through the two use cases the Import
clients screen calls (``preview_client_import`` then ``import_clients``): every
row parsed and validated, matched against the 2,000 clients already on file
and the rows before it, then saved in one transaction with an outbox entry and
an audit event per client. Median of three runs, each into a fresh store. The
baseline is the store's bulk load of the same clients as a first pull brings
them (no validation from text, no outbox, one audit event for the load). The
CPU companion is this process's CPU per row; the load average is recorded.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.harness import Report, median
from medspa_desk.desk.client_import import import_clients, preview_client_import
from medspa_desk.records import Client, Role, new_id
from medspa_desk.store import Actor, Store
from tests.core.sync.test_client_import_syncs import write_client_list

ROWS = 10_000
ON_FILE = 2_000
RUNS = 3
TARGET_PER_S = 5_000


def _fresh_store(folder: Path, actor: Actor) -> Store:
    store = Store.open(folder / f"{new_id()}.db", bytearray(os.urandom(32)), create=True)
    store.import_records([Client(first_name=f"Known{i}", last_name="OnFile", birth_date=date(1970, 1, 1 + i % 28),
                                 phone=f"555-900-{i:04d}") for i in range(ON_FILE)], actor=actor)
    return store


def run(report: Report) -> None:
    actor = Actor(user_id=new_id(), device_id=new_id(), role=Role.MANAGER)
    walls, cpus, bulk = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "export.csv"
        write_client_list(path, ROWS)
        for _ in range(RUNS):
            with _fresh_store(folder, actor) as store:
                cpu, wall = time.process_time(), time.perf_counter()
                preview = preview_client_import(store, actor=actor, path=path, today=date.today())
                outcome = import_clients(store, actor=actor, preview=preview)
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
                if outcome.imported != ROWS:
                    raise RuntimeError(f"imported {outcome.imported} of {ROWS}")
            with _fresh_store(folder, actor) as store:
                clients = [row.client for row in preview.good]
                wall = time.perf_counter()
                store.import_records(clients, actor=actor)
                bulk.append(time.perf_counter() - wall)
    load = os.getloadavg()[0]
    print(f"   {ROWS:,} rows against {ON_FILE:,} on file, {RUNS} runs: {', '.join(f'{w:.2f}' for w in walls)} s; "
          f"load average {load:.1f} on {os.cpu_count()} cores", flush=True)
    report.figure("setup.import_clients_per_s", ROWS / median(walls), unit="rows/s", target=TARGET_PER_S,
                  higher_is_better=True, baseline=ROWS / median(bulk),
                  baseline_name="bulk load of the same clients (first pull)")
    report.figure("setup.import_clients_cpu_us_per_row", median(cpus) / ROWS * 1e6, unit="µs CPU per row")
    report.figure("setup.import_clients_load_average", load, unit=f"1-min, on {os.cpu_count()} cores")
