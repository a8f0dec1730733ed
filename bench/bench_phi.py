"""PHI left in memory after lock: copies of an opened client's name in the desk core's process.

A child process runs the core (``tests/core/store/phi_memory_child.py``): it opens a
client whose name is a canary (the record, a search, the timeline) and locks as the
session does; the parent reads every readable page of ``/proc/PID/mem``. Figures:
``desk.phi_copies_after_lock`` (target 0, issue 14's aim; 41 in the issue's whole-app
measurement before this work), the same count with the card open, and the data key's
hex text after lock, and for comparison the count with ``cipher_memory_security`` off (on in
the desk since issue 14; its cost is ``store.cipher_memory_security_cost``). The whole signed-in
session (sync, a pulled client) is measured by tests/core/store/test_phi_in_memory.py, which needs
the live API. Counts, not times: no CPU companion is needed. The median of ``RUNS`` children.
"""

from __future__ import annotations

import os
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import Report
from tests.core.store.phi_memory import make_store_with_canary, measure_after_lock

RUNS = 5
STARTS = 5
ANSWERS = 30
DAY_VIEW_APPOINTMENTS = 320  # 40 providers, 8 slots: the store benchmark's day
REPO = Path(__file__).resolve().parents[1]


def run(report: Report) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-phi-") as folder:
        key = bytearray(os.urandom(32))
        client_id = make_store_with_canary(Path(folder), key)
        counts = [measure_after_lock(Path(folder), key, client_id) for _ in range(RUNS)]
        unsecured = [measure_after_lock(Path(folder), key, client_id, memory_security=False) for _ in range(RUNS)]
        child_process_costs(report, Path(folder), key)
        key[:] = bytes(len(key))
    report.figure("desk.phi_copies_after_lock", statistics.median(c.canary_locked for c in counts),
                  unit="copies", target=0)
    report.figure("desk.phi_copies_open", statistics.median(c.canary_open for c in counts), unit="copies")
    report.figure("desk.phi_copies_after_lock_without_memory_security",
                  statistics.median(c.canary_locked for c in unsecured), unit="copies")
    report.figure("desk.key_hex_copies_after_lock", statistics.median(c.key_hex_locked for c in counts),
                  unit="copies", target=0)
    print(f"   load average {os.getloadavg()[0]:.2f}", flush=True)


def child_process_costs(report: Report, folder: Path, key: bytearray) -> None:
    """What the child-process design would cost (docs/security-model.md weighs it).

    ``desk.store_child_start_ms``: spawning a Python process that imports the store and opens it
    with the key, as each unlock would (median of ``STARTS``; its CPU beside it).
    ``desk.store_child_day_answer_ms``: one day view's appointments pickled in the child, sent
    through the pipe and unpickled here (median of ``ANSWERS``), with this process's CPU for it:
    the share the GUI process would pay per answer.
    """
    starts, start_cpus = [], []
    for _ in range(STARTS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        child = _store_child(folder, key)
        starts.append((time.perf_counter() - started) * 1000)
        _stop(child)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        start_cpus.append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000)
    child = _store_child(folder, key)
    try:
        walls, cpus = [], []
        for _ in range(ANSWERS + 1):
            started, cpu = time.perf_counter(), time.process_time()
            answer = _ask(child, f"appointments {DAY_VIEW_APPOINTMENTS}")
            walls.append((time.perf_counter() - started) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            assert len(answer) == DAY_VIEW_APPOINTMENTS
        walls, cpus = walls[1:], cpus[1:]  # the first builds the child's answer
    finally:
        _stop(child)
    report.figure("desk.store_child_start_ms", statistics.median(starts), unit="ms")
    print(f"   start: child CPU {statistics.median(start_cpus):.0f} ms (median of {STARTS})", flush=True)
    report.figure("desk.store_child_day_answer_ms", statistics.median(walls), unit="ms")
    print(f"   day answer ({DAY_VIEW_APPOINTMENTS} appointments): this process's CPU "
          f"{statistics.median(cpus):.2f} ms; load average {os.getloadavg()[0]:.2f}", flush=True)


def _store_child(folder: Path, key: bytearray) -> subprocess.Popen[bytes]:
    child = subprocess.Popen([sys.executable, "-m", "bench.store_child", str(folder)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, cwd=REPO)
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(bytes(key))
    child.stdin.flush()
    assert child.stdout.readline().strip() == b"ready"
    return child


def _ask(child: subprocess.Popen[bytes], line: str) -> list[object]:
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(line.encode() + b"\n")
    child.stdin.flush()
    size = int.from_bytes(child.stdout.read(8), "little")
    return pickle.loads(child.stdout.read(size))  # noqa: S301 (our own child's answer)


def _stop(child: subprocess.Popen[bytes]) -> None:
    assert child.stdin is not None
    child.stdin.write(b"quit\n")
    child.stdin.close()
    child.wait(timeout=60)
