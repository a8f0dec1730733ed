"""UI figures: cold start, search keystroke at 100,000 clients, memory, event-loop stalls.

- ui.cold_start_ms: a fresh ``python main.py`` process, spawn to sign-in window
  shown (the child prints a marker after the window's first event-loop turn).
- ui.search_keystroke_ms: p95 of keystroke → results shown in the Ctrl+K popup,
  typing names and phone digits one key at a time over a 100,000-client store.
- ui.rss_mb: resident memory of a fresh app process signed in to that store
  with the schedule, the flow board, a client profile and search open.
- ui.max_event_loop_stall_ms: the longest gap of a 5 ms heartbeat QTimer on the
  GUI thread while a big import runs on the database worker. The sync engine
  was not wired to the desk session when this was written, so the load is a
  store import of the whole benchmark practice (the same bulk path the first
  pull uses), not a pull over TLS.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.harness import percentile

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 100_000
QUERIES = ("ma", "mar", "mari", "jo", "joh", "ngu", "pat", "kim", "555", "5552", "41", "che", "da", "sar")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def cold_start_ms(runs: int = 5) -> list[float]:
    samples = []
    with tempfile.TemporaryDirectory() as empty:
        for _ in range(runs):
            started = time.perf_counter()
            child = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--report-start-up",
                                      "--data-dir", empty], cwd=ROOT, env=_env(),
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            assert child.stdout is not None
            for line in child.stdout:
                if "sign-in window shown" in line:
                    samples.append((time.perf_counter() - started) * 1000)
                    break
            child.wait(timeout=60)
    return samples


def benchmark_practice() -> Any:
    from medspa_desk.demo_data import Scale, generate_practice

    return generate_practice(scale=Scale(clients=CLIENTS, months_back=1, months_ahead=1))


def build_workstation(directory: Path, practice: Any) -> Any:
    from ui.demo import demo_passwords, seed_workstation

    started = time.perf_counter()
    workstation = seed_workstation(directory, records=practice.all_records(), users=practice.users,
                                   passwords=demo_passwords(practice))
    print(f"   workstation with {CLIENTS:,} clients built in {time.perf_counter() - started:.1f} s",
          flush=True)
    return workstation


def _pump_until(app: Any, condition: Any, timeout_s: float = 10.0) -> None:
    deadline = time.perf_counter() + timeout_s
    while not condition():
        app.processEvents()
        if time.perf_counter() > deadline:
            raise TimeoutError("the UI did not answer in time")


def search_keystrokes(workstation: Any) -> list[float]:
    from ui.demo import OfflineSignIn
    from ui.operations import db_worker
    from ui.qt import QApplication, QTest
    from ui.search import ClientSearch

    app = QApplication.instance() or QApplication([])
    session = OfflineSignIn(workstation.directory, pin=None).sign_in(
        username=workstation.front_desk, password=workstation.credentials[workstation.front_desk])
    db_worker().attach(session.store)
    search = ClientSearch(None)
    search.show()
    shown: list[int] = []
    search.results_did_show.connect(shown.append)
    samples: list[float] = []
    try:
        for _ in range(2):  # the first pass warms SQLCipher's page cache, as a working day would
            samples.clear()
            for query in QUERIES:
                search.clear()
                for char in query:
                    started = time.perf_counter()
                    QTest.keyClick(search.query, char)
                    target = search.generation
                    _pump_until(app, lambda t=target: bool(shown) and shown[-1] == t)
                    samples.append((time.perf_counter() - started) * 1000)
    finally:
        search.close()
        db_worker().detach(close=False)
        db_worker().run_sync(lambda _s: None)
        session.sign_out()
    return samples


def event_loop_stall_during_import(directory: Path, practice: Any) -> float:
    """Longest heartbeat gap on the GUI thread while the worker imports a big practice."""
    import secrets

    from medspa_desk.store import Store
    from ui.operations import CollectionOp, db_worker
    from ui.qt import QApplication, QTimer

    app = QApplication.instance() or QApplication([])
    records = list(practice.all_records())
    key = bytearray(secrets.token_bytes(32))
    db_worker().attach(Store.open(directory / "stall.db", key, create=True))
    gaps: list[float] = []
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000)
        last[0] = now

    heartbeat = QTimer()
    heartbeat.setInterval(5)
    heartbeat.timeout.connect(beat)
    done: list[int] = []
    heartbeat.start()
    last[0] = time.perf_counter()
    CollectionOp(None, body=lambda store: store.import_records(records), success=done.append).run()
    _pump_until(app, lambda: bool(done), timeout_s=300)
    heartbeat.stop()
    db_worker().detach(close=True)
    db_worker().run_sync(lambda _s: None)
    print(f"   imported {done[0]:,} records on the worker; {len(gaps)} heartbeats", flush=True)
    return max(gaps) if gaps else float("nan")


def rss_mb(workstation: Any) -> float:
    child = subprocess.run([sys.executable, "-m", "bench.bench_ui", "--rss-child", str(workstation.directory),
                            workstation.front_desk, workstation.credentials[workstation.front_desk]],
                           cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300, check=True)
    return float(child.stdout.strip().splitlines()[-1])


def _rss_child(directory: str, username: str, password: str) -> None:
    """A fresh app process with the benchmark practice open; prints its RSS in MiB."""
    import psutil

    from ui.demo import OfflineSignIn
    from ui.lock import LockPolicy
    from ui.main_window import MainWindow
    from ui.operations import db_worker
    from ui.qt import QApplication
    from ui.style import apply_style

    app = QApplication([])
    apply_style(app)
    session = OfflineSignIn(Path(directory), pin=None).sign_in(username=username, password=password)
    db_worker().attach(session.store)
    window = MainWindow(session, policy=LockPolicy(idle_minutes=60))
    window.resize(1366, 860)
    window.show()
    _pump_until(app, lambda: window.schedule.shown is not None, timeout_s=60)
    hits = db_worker().run_sync(lambda store: store.search_clients("ma", limit=20))
    profile = window.open_client(hits[0].id)
    _pump_until(app, lambda: profile.data is not None, timeout_s=60)
    window.open_search()
    app.processEvents()
    print(psutil.Process().memory_info().rss / 2**20, flush=True)
    window.sign_out()


def run(report: Any) -> None:
    samples = cold_start_ms()
    report.figure("ui.cold_start_ms", percentile(samples, 50), unit="ms", target=1500)
    with tempfile.TemporaryDirectory() as tmp:
        practice = benchmark_practice()
        workstation = build_workstation(Path(tmp) / "desk", practice)
        keystrokes = search_keystrokes(workstation)
        report.figure("ui.search_keystroke_ms", percentile(keystrokes, 95), unit="ms", target=30)
        report.figure("ui.search_keystroke_median_ms", percentile(keystrokes, 50), unit="ms")
        report.figure("ui.rss_mb", rss_mb(workstation), unit="MiB", target=250)
        report.figure("ui.max_event_loop_stall_ms", event_loop_stall_during_import(Path(tmp), practice),
                      unit="ms", target=50)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--rss-child":
        _rss_child(*sys.argv[2:])
