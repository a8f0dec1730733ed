"""A practice running itself: how fast a leaver is cut off.

``setup.leaver_cut_off_ms``: a manager disables a person who holds an open
change stream and a refresh token; the figure is the time from the disable
request being sent until both the stream has ended *and* a refresh with their
token has been refused (the later of the two), p95 over the trials, on the
live API over TLS (PostgreSQL; SQLite as a second figure). The baseline is the
person's own sign-out ending their stream (the same server path, started by
them). The CPU companion is this process's CPU (the API runs in it) per
cut-off; the machine's load average is recorded with it.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from bench.harness import Report, median, percentile
from medspa_desk.records import Role
from tests.api.desk import Desk
from tests.api.test_change_notices import _ends, open_stream
from tests.support.live_api import LiveApi

TRIALS = 12
TARGET_MS = 1_000


def run(report: Report) -> None:
    for backend in ("postgresql", "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            api = LiveApi.start(Path(tmp), backend=backend)
            try:
                _measure(report, api, suffix="" if backend == "postgresql" else ".sqlite")
            finally:
                api.stop()


def _refused(api: LiveApi, tokens: dict) -> bool:
    with api.client() as http:
        answer = http.post(api.url("/auth/refresh"), json={
            "refresh_token": tokens["refresh_token"], "device_id": tokens["device_id"],
            "device_secret": tokens.get("device_secret")})
    return answer.status_code == 401


def _stream_end_ms(desk: Desk, end: Callable[[], object]) -> float:
    """Open the person's stream, run ``end`` (which sends the request that should end it), time the end."""
    ended = threading.Event()
    with open_stream(desk) as events:
        events.next_change()

        def wait() -> None:
            _ends(events)
            ended.set()

        reader = threading.Thread(target=wait, daemon=True)
        reader.start()
        start = time.perf_counter()
        end()
        if not ended.wait(10):
            raise RuntimeError("the stream did not end within 10 s")
        return (time.perf_counter() - start) * 1000


def _measure(report: Report, api: LiveApi, *, suffix: str) -> None:
    me = psutil.Process()
    cut_offs, sign_outs, cpu = [], [], 0.0
    with Desk.sign_in(api, api.fresh(Role.MANAGER)) as manager:
        for _ in range(TRIALS):
            # The baseline: a person's own sign-out ends their stream.
            with Desk.sign_in(api, api.fresh(Role.FRONT_DESK)) as leaving:
                sign_outs.append(_stream_end_ms(leaving, lambda d=leaving: d.post("/auth/logout")))
            leaver = api.add_user(Role.FRONT_DESK)
            tokens = api.login(leaver.username)
            with Desk(api, tokens) as desk:
                cpu_before = sum(me.cpu_times()[:2])
                start = time.perf_counter()
                stream_ms = _stream_end_ms(desk, lambda u=leaver: manager.post(f"/users/{u.id}/disable"))
                if not _refused(api, tokens):
                    raise RuntimeError("a disabled leaver's refresh token was accepted")
                refused_ms = (time.perf_counter() - start) * 1000
                cpu += sum(me.cpu_times()[:2]) - cpu_before
            cut_offs.append(max(stream_ms, refused_ms))
    load = os.getloadavg()[0]
    print(f"   {TRIALS} leavers: cut-off p50 {median(cut_offs):.1f} ms, max {max(cut_offs):.1f} ms; own sign-out "
          f"ends the stream in p50 {median(sign_outs):.1f} ms; machine load average {load:.1f} on "
          f"{os.cpu_count()} cores", flush=True)
    report.figure(f"setup.leaver_cut_off_ms{suffix}", percentile(cut_offs, 95), unit="ms (p95)", target=TARGET_MS,
                  baseline=percentile(sign_outs, 95), baseline_name="own sign-out ends the stream (p95)")
    report.figure(f"setup.leaver_cut_off_cpu_ms{suffix}", cpu / TRIALS * 1000, unit="ms CPU per cut-off")
    report.figure(f"setup.leaver_cut_off_load_average{suffix}", load, unit=f"1-min, on {os.cpu_count()} cores")
