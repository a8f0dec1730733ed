"""Central API throughput over TLS on loopback, on SQLite and PostgreSQL.

- api.pull_records_per_s.<db>: initial pull of the benchmark practice
  (100k clients, 300k appointments, 100k treatments) in pages of 5,000;
- api.push_mutations_per_s.<db>: client.create in batches of 100;
- api.poll_p99_ms.<db>: 500 desks long-polling /sync/changes while 20 pushes/s
  land: time from a push's answer to each waiting desk's answer; api.errors.<db>.

MEDSPA_BENCH_API_SCALE (default 1.0) shrinks the practice for a quick run;
MEDSPA_BENCH_API_DBS picks databases (default "sqlite,postgresql").
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.harness import Report, percentile
from medspa_api.demo import bulk_load
from medspa_desk.demo_data import BENCHMARK_SCALE, generate_practice
from medspa_desk.records import Role
from tests.api.desk import create_client, new_client
from tests.support.live_api import LiveApi

DESKS = 500
PUSHES_PER_S = 20
POLL_SECONDS = 10


def _scale() -> float:
    return float(os.environ.get("MEDSPA_BENCH_API_SCALE", "1.0"))


def run(report: Report) -> None:
    factor = _scale()
    scale = replace(BENCHMARK_SCALE, clients=int(100_000 * factor), appointments=int(300_000 * factor),
                    treatments=int(100_000 * factor), months_back=max(2, int(60 * factor)))
    practice = generate_practice(scale=scale)
    records = [r for r in practice.all_records() if r.entity in ("client", "appointment", "treatment")]
    print(f"   practice: {len(records)} clients+appointments+treatments (scale {factor})", flush=True)
    for backend in os.environ.get("MEDSPA_BENCH_API_DBS", "sqlite,postgresql").split(","):
        with tempfile.TemporaryDirectory() as tmp, LiveApi.start(Path(tmp), backend=backend) as api:
            bulk_load(api.database, tenant_id=api.tenant.id, records=records)
            tokens = api.login(api.fresh(Role.MANAGER))
            headers = {"Authorization": f"Bearer {tokens['access_token']}"}
            _pull(report, api, headers, backend, expected=len(records))
            _push(report, api, headers, tokens["device_id"], backend)
            asyncio.run(_poll(report, api, headers, tokens["device_id"], backend))


def _pull(report: Report, api: LiveApi, headers: dict[str, str], backend: str, *, expected: int) -> None:
    pulled, cursor = 0, 0
    with api.client(headers=headers, http2=False) as http:
        started = time.perf_counter()
        while True:
            page = http.get(api.url("/sync/pull"), params={"after": cursor, "limit": 5000}).json()
            pulled += len(page["changes"])
            cursor = page["cursor"]
            if not page["has_more"]:
                break
        elapsed = time.perf_counter() - started
    assert pulled >= expected
    report.figure(f"api.pull_records_per_s.{backend}", pulled / elapsed, unit="records/s", target=20_000,
                  higher_is_better=True)


def _push_body(device_id: str, count: int) -> dict:
    return {"device_id": device_id, "client_time": datetime.now(UTC).isoformat(),
            "mutations": [create_client(new_client()) for _ in range(count)]}


def _push(report: Report, api: LiveApi, headers: dict[str, str], device_id: str, backend: str) -> None:
    batches = [_push_body(device_id, 100) for _ in range(30)]
    with api.client(headers=headers) as http:
        started = time.perf_counter()
        for body in batches:
            answer = http.post(api.url("/sync/push"), json=body)
            assert answer.status_code == 200, answer.text
        elapsed = time.perf_counter() - started
    report.figure(f"api.push_mutations_per_s.{backend}", 3000 / elapsed, unit="mutations/s", target=2_000,
                  higher_is_better=True)


async def _poll(report: Report, api: LiveApi, headers: dict[str, str], device_id: str, backend: str) -> None:
    """500 desks (one session, as a load generator) wait on changes while pushes land 20 times a second."""
    limits = httpx.Limits(max_connections=DESKS + 10, max_keepalive_connections=DESKS + 10)
    latencies: list[float] = []
    errors = 0
    pushed_at: dict[int, float] = {}
    stop = time.perf_counter() + POLL_SECONDS
    async with httpx.AsyncClient(verify=api.ssl_context(), headers=headers, timeout=60, limits=limits) as http:
        latest = (await http.get(api.url("/sync/changes"))).json()["latest_seq"]

        async def desk(cursor: int) -> None:
            nonlocal errors
            while time.perf_counter() < stop:
                try:
                    answer = await http.get(api.url("/sync/changes"), params={"after": cursor, "wait": 5})
                    heard = time.perf_counter()
                    body = answer.json()
                    if answer.status_code != 200:
                        errors += 1
                        continue
                except httpx.HTTPError:
                    errors += 1
                    continue
                if body["changed"]:
                    sent = min((at for seq, at in pushed_at.items() if cursor < seq <= body["latest_seq"]),
                               default=None)
                    if sent is not None:
                        latencies.append((heard - sent) * 1000)
                    cursor = body["latest_seq"]

        async def pusher() -> None:
            nonlocal errors
            while time.perf_counter() < stop:
                answer = await http.post(api.url("/sync/push"), json=_push_body(device_id, 1))
                if answer.status_code != 200:
                    errors += 1
                else:
                    pushed_at[answer.json()["results"][0]["seq"]] = time.perf_counter()
                await asyncio.sleep(1 / PUSHES_PER_S)

        await asyncio.gather(pusher(), *(desk(latest) for _ in range(DESKS)))
    report.figure(f"api.poll_p99_ms.{backend}", percentile(latencies, 99), unit="ms", target=100)
    report.figure(f"api.errors.{backend}", errors, unit="count", target=0)
