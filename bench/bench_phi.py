"""PHI left in memory after lock: copies of an opened client's name in the desk core's process.

A child process runs the core (``tests/core/store/phi_memory_child.py``): it opens a
client whose name is a canary (the record, a search, the timeline) and locks as the
session does; the parent reads every readable page of ``/proc/PID/mem``. Figures:
``desk.phi_copies_after_lock`` (target 0, issue 14's aim; 41 in the issue's whole-app
measurement before this work), the same count with the card open, and the data key's
hex text after lock, and for comparison the count with ``cipher_memory_security`` on
(off in the product for its cost: ``store.cipher_memory_security_cost``). Counts, not times:
no CPU companion is needed. The median of ``RUNS`` children is reported.
"""

from __future__ import annotations

import os
import statistics
import tempfile
from pathlib import Path

from bench.harness import Report
from tests.core.store.phi_memory import make_store_with_canary, measure_after_lock

RUNS = 5


def run(report: Report) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-phi-") as folder:
        key = bytearray(os.urandom(32))
        client_id = make_store_with_canary(Path(folder), key)
        counts = [measure_after_lock(Path(folder), key, client_id) for _ in range(RUNS)]
        secured = [measure_after_lock(Path(folder), key, client_id, memory_security=True) for _ in range(RUNS)]
        key[:] = bytes(len(key))
    report.figure("desk.phi_copies_after_lock", statistics.median(c.canary_locked for c in counts),
                  unit="copies", target=0)
    report.figure("desk.phi_copies_open", statistics.median(c.canary_open for c in counts), unit="copies")
    report.figure("desk.phi_copies_after_lock_memory_security",
                  statistics.median(c.canary_locked for c in secured), unit="copies")
    report.figure("desk.key_hex_copies_after_lock", statistics.median(c.key_hex_locked for c in counts),
                  unit="copies", target=0)
    print(f"   load average {os.getloadavg()[0]:.2f}", flush=True)
