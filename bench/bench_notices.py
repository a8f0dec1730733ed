"""Change notices across server processes (PostgreSQL LISTEN/NOTIFY).

Desk A pushes through the live API's process; desk B holds a change stream
from a second ``medspa-api serve`` process on the same database, whose
safety-net poll is ten minutes. The figure is the time from desk A's push
being sent until desk B's stream announces it; its companion is the second
process's CPU per notice heard.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

import psutil

from bench.harness import Report, percentile
from medspa_desk.records import Role
from tests.api.desk import Desk, create_client, new_client
from tests.api.test_notices_across_processes import stream_from
from tests.support.live_api import LiveApi
from tests.support.server_process import server_process

NOTICES = 60
TARGET_P95_MS = 250


def run(report: Report) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        api = LiveApi.start(Path(tmp), backend="postgresql")
        try:
            _measure(report, api)
        finally:
            api.stop()


def _measure(report: Report, api: LiveApi) -> None:
    with server_process(api, env={"MEDSPA_API_NOTIFY_FALLBACK_POLL_S": "600"}) as second, \
            Desk.sign_in(api, api.fresh(Role.FRONT_DESK)) as writing, \
            Desk.sign_in(api, api.fresh(Role.FRONT_DESK)) as listening:
        other, server = second.base_url, psutil.Process(second.process.pid)
        latest = writing.push_ok(create_client(new_client()))[0]["seq"]
        sent: dict[int, float] = {}
        heard: dict[int, float] = {}
        with stream_from(other, listening, after=latest) as events:
            events.next_change()
            done = threading.Event()

            def listen() -> None:
                while len(heard) < NOTICES:
                    change = events.next_change()
                    heard.setdefault(change["latest_seq"], time.perf_counter())
                done.set()

            reader = threading.Thread(target=listen, daemon=True)
            reader.start()
            cpu_before = sum(server.cpu_times()[:2])
            for _ in range(NOTICES):
                start = time.perf_counter()
                seq = writing.push_ok(create_client(new_client()))[0]["seq"]
                sent[seq] = start
                deadline = time.monotonic() + 5
                while seq not in heard and time.monotonic() < deadline:
                    time.sleep(0.001)
            done.wait(10)
            cpu = sum(server.cpu_times()[:2]) - cpu_before
    latencies = [(heard[s] - sent[s]) * 1000 for s in sent if s in heard]
    print(f"   {len(latencies)} of {NOTICES} pushes heard across processes; p50 {percentile(latencies, 50):.1f} ms; "
          f"machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    report.figure("api.cross_process_notice_p95_ms", percentile(latencies, 95), unit="ms", target=TARGET_P95_MS)
    report.figure("api.cross_process_notice_server_cpu_us", cpu / max(1, len(latencies)) * 1e6, unit="µs/notice")
    report.figure("api.cross_process_notices_missed", NOTICES - len(latencies), unit="count", target=0)
