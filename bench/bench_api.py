"""Central API throughput over TLS on loopback, on SQLite and PostgreSQL.

The server runs as ``medspa-api serve`` in its own process (LiveApi
``in_subprocess=True``), so the load generator here does not share its
interpreter; on this 2-core machine each side gets about one core.

- api.pull_records_per_s.<db>: initial pull of the benchmark practice
  (100k clients, 300k appointments, 100k treatments, loaded with
  ``medspa_demo.seed.bulk_load``) in pages of ``protocol.MAX_PULL_PAGE``,
  page requests issued back to back by one desk; records received / seconds.
- api.push_mutations_per_s.<db>: client.create in batches of 100 from one desk.
- api.poll_p99_ms.<db>: 500 desks, each with its own session and connection,
  long-poll /sync/changes while another desk pushes one change 20 times a
  second. One sample per answer that reports a change: the time from the
  commit of the oldest change that desk had not yet heard of (the push
  answer's ``server_time``, taken just after commit; same clock, same machine)
  to the moment the desk has the answer. Answers without a change (the wait
  ran out) are not samples. api.errors.<db>: failed or non-200 answers
  (pushes and polls).
- api.poll_p99_ms.two_processes: the same on PostgreSQL with two ``medspa-api
  serve`` processes behind HAProxy (TCP, round robin; the real Debian package),
  so about half the desks stream from the process that did not take the push
  and hear it through LISTEN/NOTIFY. Its server CPU is both processes'.

- api.signin_concurrent_health_p99_ms.<db>: p99 of ``GET /healthz`` (one kept-alive
  connection, a request every 20 ms) while 32 sign-ins run at once, each from
  its own loopback address (127.0.1.x, so the per-address limit never answers
  429 before the Argon2 check) and each starting the next as soon as the last
  is answered; a wrong password for an unknown user, so every one costs a full
  Argon2 check. Ratio against the same health check with no sign-ins running.
  api.signin_concurrent_health_p99_ms is the worse of the two databases.
  Companions: the server's and the load generator's CPU (% of a core), the
  sign-ins answered per second, the load average.

- api.oversize_body_rejected_ms.<db>: a sign-in whose body is 16 MiB (Content-Length
  declared, the body streamed after the head as a client would): p99 over 30 tries of
  the time from sending the head to having the whole 413 answer, on an open TLS
  connection; its baseline is a 1 KiB sign-in body that is not JSON (422). Companions:
  api.oversize_body_server_cpu_ms.<db> (the server's CPU per refusal) and
  api.oversize_body_rss_growth_mb.<db> (the server's resident memory after the 30
  refusals less before them; target < 4 MB).

MEDSPA_BENCH_API_SCALE (default 1.0) shrinks the practice;
MEDSPA_BENCH_API_DBS picks databases (default "sqlite,postgresql");
MEDSPA_BENCH_API_PARTS picks measurements (default "pull,push,poll,signin,oversize").
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import os
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.harness import Report, percentile
from medspa_api.db import tables as t
from medspa_api.security import tokens
from medspa_demo.model import BENCHMARK_SCALE
from medspa_demo.practice import generate_practice
from medspa_demo.seed import bulk_load
from medspa_desk.protocol import MAX_PULL_PAGE
from medspa_desk.records import Appointment, Record, Role, new_id, utc_now
from tests.api.desk import create_client, new_client
from tests.support.live_api import LiveApi

DESKS = int(os.environ.get("MEDSPA_BENCH_API_DESKS", "500"))
PUSHES_PER_S = 20
POLL_SECONDS = 12
POLL_WAIT_S = 10
PUSH_BATCHES = 30
GENERATED_SHARE = 0.1
SIGN_INS_AT_ONCE = 32
SIGNIN_SECONDS = 15
HEALTH_EVERY_S = 0.02
SIGNIN_HEALTH_MS = 50


def _scale() -> float:
    return float(os.environ.get("MEDSPA_BENCH_API_SCALE", "1.0"))


def _parts() -> set[str]:
    return set(os.environ.get("MEDSPA_BENCH_API_PARTS", "pull,push,poll,poll2,signin,oversize").split(","))


def run(report: Report) -> None:
    factor = _scale()
    parts = _parts()
    records: list[Record] = []
    if "pull" in parts:
        started = time.perf_counter()
        records = benchmark_records(factor)
        print(f"   practice: {len(records)} clients+appointments+treatments (scale {factor}, built in "
              f"{time.perf_counter() - started:.0f} s)", flush=True)
    health_p99: list[float] = []
    for backend in os.environ.get("MEDSPA_BENCH_API_DBS", "sqlite,postgresql").split(","):
        with tempfile.TemporaryDirectory() as tmp, \
                LiveApi.start(Path(tmp), backend=backend, in_subprocess=True) as api:
            tokens_ = api.login(api.fresh(Role.MANAGER))
            headers = {"Authorization": f"Bearer {tokens_['access_token']}"}
            if "pull" in parts:
                started = time.perf_counter()
                bulk_load(api.database, tenant_id=api.tenant.id, records=records)
                print(f"   {backend}: bulk_load of {len(records)} records in {time.perf_counter() - started:.1f} s",
                      flush=True)
                _pull(report, api, headers, backend, expected=len(records))
            if "push" in parts:
                _push(report, api, headers, tokens_["device_id"], backend)
            if "signin" in parts:
                health_p99.append(_signin_health(report, api, backend))
            if "oversize" in parts:
                _oversize(report, api, backend)
            if "poll" in parts or ("poll2" in parts and backend == "postgresql"):
                desk_tokens = _desk_sessions(api, DESKS)
                # The load generator holds the 500,000-record practice: keep its garbage collector from
                # walking it in the middle of the measurement (a pause there is the generator's, not the server's).
                gc.collect()
                gc.freeze()
            if "poll" in parts:
                _run_fast(_poll(report, api, headers, tokens_["device_id"], desk_tokens, backend))
            if "poll2" in parts and backend == "postgresql":
                _poll_behind_balancer(report, api, headers, tokens_["device_id"], desk_tokens)
    if health_p99:
        report.figure("api.signin_concurrent_health_p99_ms", max(health_p99), unit="ms", target=SIGNIN_HEALTH_MS)


def benchmark_records(factor: float) -> list[Record]:
    """The clients, appointments and treatments of the benchmark practice at ``factor`` x full size.

    Generating the full practice takes minutes (the scheduler books 300,000
    visits one by one), so a tenth of it is generated and then copied: each
    copy gets fresh ids (references between its own records follow) and its
    appointments moved back 53 weeks per copy, so no two hold the same slot.
    Record sizes and the mix of kinds stay those of the generated practice.
    """
    copies = max(1, round(factor / GENERATED_SHARE))
    share = factor / copies
    scale = replace(BENCHMARK_SCALE, clients=int(100_000 * share), appointments=int(300_000 * share),
                    treatments=int(100_000 * share), months_back=max(2, int(60 * share)))
    base = [r for r in generate_practice(scale=scale).all_records()
            if r.entity in ("client", "appointment", "treatment")]
    records = list(base)
    for copy in range(1, copies):
        fresh = {r.id: new_id() for r in base}
        back = timedelta(weeks=53 * copy)
        for record in base:
            update: dict[str, object] = {"id": fresh[record.id]}
            for reference in ("client_id", "appointment_id"):
                value = getattr(record, reference, None)
                if value in fresh:
                    update[reference] = fresh[value]
            if isinstance(record, Appointment):
                update["starts_at"] = record.starts_at - back
                update["ends_at"] = record.ends_at - back
            records.append(record.model_copy(update=update))
    return records


def _run_fast(coroutine) -> None:
    """Run the load generator on uvloop when it is installed (less client CPU per request)."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(coroutine)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(coroutine)


def _pull(report: Report, api: LiveApi, headers: dict[str, str], backend: str, *, expected: int) -> None:
    pulled, cursor = 0, 0
    with api.client(headers=headers) as http:
        started = time.perf_counter()
        while True:
            page = http.get(api.url("/sync/pull"), params={"after": cursor, "limit": MAX_PULL_PAGE}).json()
            pulled += len(page["changes"])
            cursor = page["cursor"]
            if not page["has_more"]:
                break
        elapsed = time.perf_counter() - started
    assert pulled >= expected, (pulled, expected)
    report.figure(f"api.pull_records_per_s.{backend}", pulled / elapsed, unit="records/s", target=20_000,
                  higher_is_better=True)


def _push_body(device_id: str, count: int) -> dict:
    return {"device_id": device_id, "client_time": datetime.now(UTC).isoformat(),
            "mutations": [create_client(new_client()) for _ in range(count)]}


def _push(report: Report, api: LiveApi, headers: dict[str, str], device_id: str, backend: str) -> None:
    batches = [_push_body(device_id, 100) for _ in range(PUSH_BATCHES + 1)]
    with api.client(headers=headers) as http:
        # One batch to warm the connection and the server's caches; then the timed ones.
        assert http.post(api.url("/sync/push"), json=batches.pop()).status_code == 200
        started = time.perf_counter()
        for body in batches:
            answer = http.post(api.url("/sync/push"), json=body)
            assert answer.status_code == 200, answer.text
            assert all(r["outcome"] == "applied" for r in answer.json()["results"])
        elapsed = time.perf_counter() - started
    report.figure(f"api.push_mutations_per_s.{backend}", PUSH_BATCHES * 100 / elapsed, unit="mutations/s",
                  target=2_000, higher_is_better=True)


def _desk_sessions(api: LiveApi, count: int) -> list[str]:
    """An access token per desk, each its own device and session (minted directly: 500 Argon2
    sign-ins would take longer than the measurement)."""
    user = api.users["front_desk"]
    tenant_id = api.tenant.id
    now = utc_now()
    devices, sessions, token_rows, minted = [], [], [], []
    for n in range(count):
        device_id, session_id = new_id(), new_id()
        token = tokens.new_token(tenant_id)
        devices.append({"tenant_id": tenant_id, "id": device_id, "name": f"bench desk {n}",
                        "registered_by": user.id, "registered_at": now})
        sessions.append({"tenant_id": tenant_id, "id": session_id, "user_id": user.id, "device_id": device_id,
                         "created_at": now, "last_seen_at": now, "expires_at": now + timedelta(hours=1)})
        token_rows.append({"tenant_id": tenant_id, "token_hash": tokens.token_hash(token), "session_id": session_id,
                           "kind": "access", "expires_at": now + timedelta(minutes=10)})
        minted.append(token)
    with api.database.transaction(tenant_id) as conn:
        conn.execute(t.devices.insert(), devices)
        conn.execute(t.sessions.insert(), sessions)
        conn.execute(t.tokens.insert(), token_rows)
    return minted


class _DeskConnection:
    """One desk's keep-alive HTTPS connection, speaking just enough HTTP/1.1 for GET /sync/changes.

    A load generator, not a client library: httpx costs a few milliseconds of
    CPU per request, and 500 desks answered 20 times a second would measure
    the load generator rather than the server.
    """

    def __init__(self, port: int, token: str, context: ssl.SSLContext) -> None:
        self.port, self.token, self.context = port, token, context
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> asyncio.StreamReader:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port, ssl=self.context)
        assert self.reader is not None
        return self.reader

    def _request(self, path: str) -> None:
        assert self.writer is not None
        self.writer.write(f"GET /api/v1{path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          f"Authorization: Bearer {self.token}\r\n\r\n".encode())

    async def get(self, query: str) -> tuple[int, dict]:
        reader = await self._connect()
        self._request(f"/sync/changes?{query}")
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            body = await reader.readexactly(length)
        except (OSError, asyncio.IncompleteReadError, StopIteration, ValueError):
            await self.close()
            raise
        return int(head[9:12]), json.loads(body)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


class _StreamingDesk(asyncio.Protocol):
    """One desk's change stream, parsed as bytes arrive (no task, no stream reader per event).

    A load generator, not a client library: 500 desks hear 20 events a second
    each, and a reader task per desk would make the generator's own CPU part of
    the latency it measures. ``heard(seq, at)`` is called with each event's
    ``latest_seq`` and the time its bytes were read; ``ended`` is set when the
    server ends the stream or the connection drops.
    """

    def __init__(self, token: str, after: int, heard) -> None:
        self.request = (f"GET /api/v1/sync/changes/stream?after={after} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        f"Authorization: Bearer {token}\r\n\r\n").encode()
        self.heard = heard
        self.buffer = b""
        self.status = 0
        self.transport: asyncio.BaseTransport | None = None
        self.ended = asyncio.get_running_loop().create_future()

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        at = time.time()
        buffer = self.buffer + data
        if not self.status:
            head, found, buffer = buffer.partition(b"\r\n\r\n")
            if not found:
                self.buffer = head
                return
            self.status = int(head[9:12])
            if self.status != 200:
                self._end(f"status {self.status}")
                return
        while True:
            size_line, found, rest = buffer.partition(b"\r\n")
            if not found:
                break
            size = int(size_line, 16)
            if size == 0:
                self._end("the server ended the stream")
                return
            if len(rest) < size + 2:
                break
            chunk, buffer = rest[:size], rest[size + 2:]
            if chunk.startswith(b"data:"):
                start = chunk.index(b'"latest_seq":') + 13
                self.heard(int(chunk[start:chunk.index(b",", start)]), at)
            elif chunk.startswith(b"event: end"):
                self._end("the server ended the stream")
                return
        self.buffer = buffer

    def connection_lost(self, exc: Exception | None) -> None:
        self._end("connection lost")

    def _end(self, why: str) -> None:
        if not self.ended.done():
            self.ended.set_result(why)
        if self.transport is not None:
            self.transport.close()


def _notice_modes() -> list[str]:
    """How desks hear of changes: "stream" (what desks use) and/or "long-poll" (older desks)."""
    return os.environ.get("MEDSPA_BENCH_API_NOTICES", "stream").split(",")


def _server_cpu_s(api: LiveApi) -> float:
    """User + system CPU seconds of the API process so far (Linux /proc)."""
    process = api._process
    if process is None:
        return float("nan")
    return _process_cpu_s(process.pid)


def _process_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class _Front:
    """Where the desks connect and whose CPU is the server's: the API's process, or a balancer before several."""

    port: int
    base_url: str
    server_cpu_s: Callable[[], float]
    label: str

    def url(self, path: str) -> str:
        return f"{self.base_url}/api/v1{path}"


def _front_of(api: LiveApi, backend: str) -> _Front:
    return _Front(port=api.port, base_url=api.base_url, server_cpu_s=lambda: _server_cpu_s(api), label=backend)


def _poll_behind_balancer(report: Report, api: LiveApi, headers: dict[str, str], device_id: str,
                          desk_tokens: list[str]) -> None:
    """api.poll_p99_ms.two_processes: two server processes on the database, HAProxy before them."""
    from tests.support.server_process import haproxy, server_process

    with server_process(api) as one, server_process(api) as two, haproxy(api, [one, two]) as balancer:
        port = int(balancer.url.rsplit(":", 1)[1])
        front = _Front(port=port, base_url=balancer.url, label="two_processes",
                       server_cpu_s=lambda: _process_cpu_s(one.process.pid) + _process_cpu_s(two.process.pid))
        _run_fast(_notice_latency(report, api, headers, device_id, desk_tokens, "postgresql", mode="stream",
                                  front=front))


async def _poll(report: Report, api: LiveApi, headers: dict[str, str], device_id: str, desk_tokens: list[str],
                backend: str) -> None:
    for mode in _notice_modes():
        await _notice_latency(report, api, headers, device_id, desk_tokens, backend, mode=mode)


async def _notice_latency(report: Report, api: LiveApi, headers: dict[str, str], device_id: str,
                          desk_tokens: list[str], backend: str, *, mode: str, front: _Front | None = None) -> None:
    front = front or _front_of(api, backend)
    committed_at: dict[int, float] = {}  # seq -> epoch seconds of its commit (server clock = this clock)
    answers: list[tuple[float, int, int]] = []  # (heard at, cursor before, latest seq heard)
    errors = 0
    context = api.ssl_context()
    stop = time.monotonic() + POLL_SECONDS

    async def long_polling_desk(token: str) -> None:
        nonlocal errors
        connection = _DeskConnection(front.port, token, context)
        _, first = await connection.get("after=0")
        cursor = first["latest_seq"]
        ready.append(token)
        await started.wait()
        while time.monotonic() < stop:
            try:
                status, body = await connection.get(f"after={cursor}&wait={POLL_WAIT_S}")
            except (OSError, asyncio.IncompleteReadError, StopIteration, ValueError):
                errors += 1
                continue
            heard = time.time()
            if status != 200:
                errors += 1
                continue
            if body["changed"]:
                answers.append((heard, cursor, body["latest_seq"]))
                cursor = body["latest_seq"]
        await connection.close()

    async def streaming_desk(token: str) -> None:
        """Hears its stream until the end of the measurement; a stream that ends before is an error."""
        nonlocal errors
        cursor = -1

        def heard(latest: int, at: float) -> None:
            nonlocal cursor
            if cursor < 0:
                cursor = latest
                ready.append(token)
            elif started.is_set() and latest > cursor:
                answers.append((at, cursor, latest))
                cursor = latest

        loop = asyncio.get_running_loop()
        desk_stream = _StreamingDesk(token, 0, heard)
        await loop.create_connection(lambda: desk_stream, "127.0.0.1", front.port, ssl=context)
        await started.wait()
        done, _ = await asyncio.wait({desk_stream.ended}, timeout=max(0.0, stop - time.monotonic()))
        if done:
            errors += 1
        if desk_stream.transport is not None:
            desk_stream.transport.close()

    async def push_one(http: httpx.AsyncClient) -> None:
        nonlocal errors
        try:
            answer = await http.post(front.url("/sync/push"), json=_push_body(device_id, 1))
            if answer.status_code != 200:
                errors += 1
                return
            body = answer.json()
            committed_at[body["results"][0]["seq"]] = datetime.fromisoformat(body["server_time"]).timestamp()
        except httpx.HTTPError:
            errors += 1

    async def pusher() -> None:
        """Pushes start every 1/20 s whether or not the previous one has been answered (other desks)."""
        await started.wait()
        limits = httpx.Limits(max_connections=PUSHES_PER_S, max_keepalive_connections=PUSHES_PER_S)
        async with httpx.AsyncClient(verify=context, headers=headers, timeout=30, limits=limits) as http:
            pushes = []
            next_at = time.monotonic()
            while time.monotonic() < stop - 1:
                pushes.append(asyncio.ensure_future(push_one(http)))
                next_at += 1 / PUSHES_PER_S
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            await asyncio.gather(*pushes)

    started = asyncio.Event()
    ready: list[str] = []
    desk = streaming_desk if mode == "stream" else long_polling_desk
    desks = [asyncio.ensure_future(desk(token)) for token in desk_tokens]
    # Let every desk connect (TLS handshake, first token check) before the clock starts.
    deadline = time.monotonic() + 60
    while len(ready) < len(desks) and time.monotonic() < deadline and not any(d.done() for d in desks):
        await asyncio.sleep(0.2)
    stop = time.monotonic() + POLL_SECONDS
    wall, generator_cpu, server_cpu = time.monotonic(), time.process_time(), front.server_cpu_s()
    started.set()
    await asyncio.gather(pusher(), *desks)
    wall = time.monotonic() - wall
    generator_cpu, server_cpu = time.process_time() - generator_cpu, front.server_cpu_s() - server_cpu
    latencies = []
    first_heard: dict[int, float] = {}  # seq -> the first desk's latency for it
    for heard, cursor, latest in answers:
        oldest = min((seq for seq in committed_at if cursor < seq <= latest), default=None)
        if oldest is not None:
            latencies.append((heard - committed_at[oldest]) * 1000)
            first_heard[oldest] = min(first_heard.get(oldest, math.inf), latencies[-1])
    print(f"   {front.label} ({mode}): {len(committed_at)} pushes, {len(latencies)} change notices heard by "
          f"{len(desk_tokens)} desks; p50 {percentile(latencies, 50):.1f} ms, max "
          f"{max(latencies, default=float('nan')):.1f} ms; first desk to hear a change: p50 "
          f"{percentile(list(first_heard.values()), 50):.1f} ms, p99 {percentile(list(first_heard.values()), 99):.1f} ms; "
          f"CPU over {wall:.1f} s: load generator "
          f"{generator_cpu / wall:.0%}, server {server_cpu / wall:.0%} of a core; machine load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    name = "poll" if mode == "stream" else "long_poll"
    label = front.label
    report.figure(f"api.{name}_p99_ms.{label}", percentile(latencies, 99), unit="ms", target=100)
    report.figure(f"api.{name}_generator_cpu_pct.{label}", generator_cpu / wall * 100, unit="%")
    report.figure(f"api.{name}_server_cpu_pct.{label}", server_cpu / wall * 100, unit="%")
    report.figure(f"api.{name}_errors.{label}" if mode != "stream" else f"api.errors.{label}", errors,
                  unit="count", target=0)


def _health_samples(api: LiveApi, *, seconds: float) -> list[float]:
    """Latencies (ms) of /healthz on one kept-alive connection, one request every HEALTH_EVERY_S."""
    samples = []
    with api.client() as http:
        http.get(f"{api.base_url}/healthz")
        stop = time.monotonic() + seconds
        while time.monotonic() < stop:
            started = time.perf_counter()
            answer = http.get(f"{api.base_url}/healthz")
            samples.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                raise RuntimeError(f"/healthz answered {answer.status_code}: {answer.text[:200]}")
            time.sleep(HEALTH_EVERY_S)
    return samples


def _signin_health(report: Report, api: LiveApi, backend: str) -> float:
    """/healthz while SIGN_INS_AT_ONCE sign-ins run; returns its p99 (ms)."""
    baseline = percentile(_health_samples(api, seconds=3), 99)
    stop = threading.Event()
    answered: list[int] = []

    def sign_in_again_and_again(slot: int) -> None:
        transport = httpx.HTTPTransport(verify=api.ssl_context(), local_address=f"127.0.1.{slot + 1}")
        body = {"tenant": api.tenant.name, "username": "nobody-by-this-name", "password": "a wrong guess each time"}
        with httpx.Client(transport=transport, timeout=120) as http:
            while not stop.is_set():
                answer = http.post(api.url("/auth/login"), json=body)
                if answer.status_code != 401:
                    raise RuntimeError(f"sign-in answered {answer.status_code}: {answer.text[:200]}")
                answered.append(1)

    with ThreadPoolExecutor(max_workers=SIGN_INS_AT_ONCE) as pool:
        running = [pool.submit(sign_in_again_and_again, slot) for slot in range(SIGN_INS_AT_ONCE)]
        time.sleep(2)  # every sign-in connected and queued for Argon2
        wall, generator_cpu, server_cpu, before = time.monotonic(), time.process_time(), _server_cpu_s(api), len(answered)
        samples = _health_samples(api, seconds=SIGNIN_SECONDS)
        wall = time.monotonic() - wall
        generator_cpu, server_cpu = time.process_time() - generator_cpu, _server_cpu_s(api) - server_cpu
        rate = (len(answered) - before) / wall
        stop.set()
        for future in running:
            future.result()
    p99 = percentile(samples, 99)
    print(f"   {backend}: /healthz p50 {percentile(samples, 50):.1f} ms, p99 {p99:.1f} ms, max {max(samples):.1f} ms "
          f"({len(samples)} checks) while {SIGN_INS_AT_ONCE} sign-ins ran ({rate:.1f} answered/s); alone p99 "
          f"{baseline:.1f} ms; CPU over {wall:.1f} s: server {server_cpu / wall:.0%}, load generator "
          f"{generator_cpu / wall:.0%} of a core; machine load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores", flush=True)
    report.figure(f"api.signin_concurrent_health_p99_ms.{backend}", p99, unit="ms", target=SIGNIN_HEALTH_MS,
                  baseline=baseline, baseline_name="health alone")
    report.figure(f"api.signin_concurrent_server_cpu_pct.{backend}", server_cpu / wall * 100, unit="%")
    report.figure(f"api.signin_concurrent_generator_cpu_pct.{backend}", generator_cpu / wall * 100, unit="%")
    report.figure(f"api.signin_concurrent_answered_per_s.{backend}", rate, unit="/s")
    return p99
OVERSIZE_TRIES = 30
OVERSIZE_BYTES = 16 * 1024 * 1024


def _server_rss_mb(api: LiveApi) -> float:
    process = api._process
    if process is None:
        return float("nan")
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _answer_ms(api: LiveApi, *, declared: int, body: bytes) -> tuple[float, int]:
    """Send a sign-in head declaring ``declared`` bytes, then ``body`` until the server answers; (ms, status)."""
    head = (f"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {declared}\r\n\r\n").encode()
    chunk = 64 * 1024
    with socket.create_connection(("127.0.0.1", api.port), timeout=30) as plain, \
            api.ssl_context().wrap_socket(plain, server_hostname="127.0.0.1") as tls:
        tls.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # head and body as separate writes, no Nagle wait
        started = time.perf_counter()
        tls.sendall(head)
        received, sent = b"", 0
        while b"\r\n\r\n" not in received or len(received.partition(b"\r\n\r\n")[2]) < _length(received):
            if sent < len(body):
                try:
                    tls.sendall(body[sent:sent + chunk])
                except OSError:  # the server answered and closed: read what it said
                    sent = len(body)
                sent += chunk
            # While the body is still going out, only look for an answer; once it is sent, wait for one.
            tls.settimeout(0 if sent < len(body) else 30)
            try:
                data = tls.recv(65536)
            except (ssl.SSLWantReadError, BlockingIOError):
                continue
            finally:
                tls.settimeout(30)
            if not data:
                break
            received += data
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, int(received.split(b" ", 2)[1])


def _length(received: bytes) -> int:
    head = received.partition(b"\r\n\r\n")[0].lower()
    for line in head.split(b"\r\n"):
        if line.startswith(b"content-length:"):
            return int(line.split(b":")[1])
    return 0


def _oversize(report: Report, api: LiveApi, backend: str) -> None:
    huge = b"x" * OVERSIZE_BYTES
    small = b"x" * 1024
    baseline = [_answer_ms(api, declared=len(small), body=small) for _ in range(OVERSIZE_TRIES)]
    assert all(status == 422 for _, status in baseline), baseline
    rss_before, cpu_before = _server_rss_mb(api), _server_cpu_s(api)
    refused = [_answer_ms(api, declared=len(huge), body=huge) for _ in range(OVERSIZE_TRIES)]
    cpu = (_server_cpu_s(api) - cpu_before) * 1000 / OVERSIZE_TRIES
    growth = _server_rss_mb(api) - rss_before
    assert all(status == 413 for _, status in refused), refused
    times = [ms for ms, _ in refused]
    print(f"   {backend}: 16 MiB sign-in refused in p50 {percentile(times, 50):.2f} ms, p99 "
          f"{percentile(times, 99):.2f} ms (1 KiB non-JSON body: p50 {percentile([m for m, _ in baseline], 50):.2f} "
          f"ms); server CPU {cpu:.2f} ms per refusal, RSS {rss_before:.1f} -> {rss_before + growth:.1f} MB; machine "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    report.figure(f"api.oversize_body_rejected_ms.{backend}", percentile(times, 99), unit="ms", target=20,
                  baseline=percentile([m for m, _ in baseline], 99), baseline_name="1 KiB non-JSON sign-in")
    report.figure(f"api.oversize_body_rejected_p50_ms.{backend}", percentile(times, 50), unit="ms")
    report.figure(f"api.oversize_body_server_cpu_ms.{backend}", cpu, unit="ms")
    report.figure(f"api.oversize_body_rss_growth_mb.{backend}", growth, unit="MB", target=4)
