"""Compliance: one client's right-of-access FHIR bundle (50 visits), built, validated and written; one page
of the audit viewer filtered by one client over a large trail on PostgreSQL.

``MEDSPA_BENCH_COMPLIANCE`` picks parts (default "fhir,binder,audit_page").
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import psycopg
import sqlalchemy as sa

from bench.harness import Report, cpu_ms, median, time_ms
from medspa_demo.practice import generate_practice
from medspa_desk.compliance.right_of_access import export_client_fhir
from medspa_desk.desk.compliance import save_compliance_binder
from medspa_desk.records import Role
from medspa_desk.store import Actor, Store
from tests.support.live_api import LiveApi

TARGET_MS = 500
VISITS = 50


def run(report: Report) -> None:
    parts = os.environ.get("MEDSPA_BENCH_COMPLIANCE", "fhir,binder,audit_page").split(",")
    if "fhir" in parts:
        run_fhir_export(report)
    if "binder" in parts:
        run_binder(report)
    if "audit_page" in parts:
        run_audit_page(report)


def run_fhir_export(report: Report) -> None:
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
        cpu = cpu_ms(export, repeat=10)
        treatments = sum(1 for t in practice.treatments if t.client_id == client_id)
        print(f"   one client: {visits[client_id]} visits, {treatments} treatments, bundle "
              f"{out.stat().st_size / 1024:.0f} KiB; machine load average {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} cores", flush=True)
    report.figure("compliance.fhir_export_ms", median(samples), unit="ms", target=TARGET_MS)
    report.figure("compliance.fhir_export_cpu_ms", median(cpu), unit="ms", target=TARGET_MS)


# --- compliance.binder_pdf_ms: the binder, its audit chain walked on a demo practice's desk -------------

BINDER_TARGET_MS = 2000


def run_binder(report: Report) -> None:
    practice = generate_practice(clients=2000, months_back=3, months_ahead=1)  # the demo practice's size
    manager = practice.user("manager")
    actor = Actor(user_id=manager.id, device_id=None, role=Role.MANAGER)
    with tempfile.TemporaryDirectory() as folder, \
            Store.open(Path(folder) / "desk.db", bytearray(os.urandom(32)), create=True) as store:
        store.import_records(practice.all_records())
        for client in practice.clients[:500]:  # a desk that has been used: 500 audited views in its trail
            store.client(client.id, actor=actor)
        kept = _keep_evidence(store, practice, actor)

        def make() -> None:
            save_compliance_binder(store, actor=actor, location=practice.location, path=Path(folder) / "b.pdf")

        samples = time_ms(make, repeat=5, warmup=1)
        cpu = cpu_ms(make, repeat=5)
        print(f"   binder over a trail of {store.audit.count():,} events and {kept}; machine load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    report.figure("compliance.binder_pdf_ms", median(samples), unit="ms", target=BINDER_TARGET_MS)
    report.figure("compliance.binder_pdf_cpu_ms", median(cpu), unit="ms", target=BINDER_TARGET_MS)


def _keep_evidence(store: Store, practice: Any, actor: Actor) -> str:
    """A practice that keeps its records: a 60-asset risk assessment, 12 vendors, every active person's three
    signatures, 20 incidents and 8 quarterly restore drills (as the server's pull brings them)."""
    from datetime import UTC, datetime, timedelta

    from medspa_desk.compliance.policies import POLICIES
    from medspa_desk.desk import evidence
    from medspa_desk.protocol import Change
    from medspa_desk.records import AssetKind, Level, RestoreDrill, RiskItem
    from medspa_desk.scheduling import local_day
    from medspa_desk.store.pulled import pulled_from_changes

    now, location = datetime.now(UTC), practice.location
    today = local_day(now, location.zone)
    levels = list(Level)
    evidence.save_risk_assessment(store, actor=actor, location=location, assessed_on=today, now=now, items=[
        RiskItem(asset=f"Asset {n}", asset_kind=AssetKind.WORKSTATION if n < 20 else AssetKind.OTHER,
                 threats="Theft, malware, a wrong recipient", controls="Encryption, idle lock, training",
                 likelihood=levels[n % 3], impact=levels[(n + 1) % 3], treatment="Reduce", owner="Manager",
                 due_on=today + timedelta(days=n), residual=Level.LOW) for n in range(60)])
    for n in range(12):
        evidence.save_business_associate(store, actor=actor, vendor=f"Vendor {n}", service="Hosting",
                                         baa_signed_on=today - timedelta(days=30 * n))
    for user in (u for u in practice.users if u.active):
        person = Actor(user_id=user.id, device_id=None, role=user.role)
        for kind in POLICIES:
            evidence.acknowledge_policy(store, actor=person, kind=kind, typed_name=user.display_name, now=now)
    for n in range(20):
        evidence.save_incident(store, actor=actor, location=location, now=now, what=f"Incident {n}.",
                               discovered_at=now - timedelta(days=9 * n), reported_by="Front desk",
                               phi_involved=n % 2 == 0)
    drills = [RestoreDrill(checked_at=now - timedelta(days=91 * n), ok=True, report="audit chain ok", seq=n + 1)
              for n in range(8)]
    store.apply_pulled(pulled_from_changes([Change(seq=d.seq, entity=d.entity, entity_id=d.id, version=1,
                                                   data=d.to_json()) for d in drills], cursor=len(drills)))
    return "a 60-asset risk assessment, 12 vendors, every person's signatures, 20 incidents, 8 drills"


# --- compliance.audit_page_ms: one page of the audit viewer, filtered by one client --------------------

AUDIT_PAGE_TARGET_MS = 100
PAGE = 200
# The 5 million rows (a few minutes to build on this 2-core machine); MEDSPA_BENCH_AUDIT_ROWS changes it.
AUDIT_ROWS = int(os.environ.get("MEDSPA_BENCH_AUDIT_ROWS", "5000000"))
RECORDS = 20_000  # record ids the trail is spread over (a client with their visits, forms, treatments)
CLIENT_RECORDS = 30  # the measured client's record: the client and 29 records filed under them


def _fill_audit(api: Any, *, rows: int, record_ids: list[UUID]) -> None:
    """``rows`` audit rows for the practice, spread evenly over ``record_ids`` (PostgreSQL, one statement)."""
    fake = "f" * 64
    with api.database.transaction(api.tenant.id) as conn:
        head = conn.execute(sa.text("SELECT last_seq FROM audit_heads WHERE tenant_id = :t"),
                            {"t": api.tenant.id}).scalar_one()
        conn.execute(sa.text(
            "INSERT INTO audit (tenant_id, seq, id, at, recorded_at, actor_user_id, device_id, address, user_agent, "
            "action, entity, entity_id, outcome, detail, origin, prev_hash, hash, key_id) "
            "SELECT :t, :head + i, md5(i::text || 'audit')::uuid, now() - (i || ' seconds')::interval, now(), "
            "NULL, NULL, '', '', 'view', 'client', (:ids)[1 + i % :n], 'ok', '', 'client', :h, :h, '' "
            "FROM generate_series(1, :rows) AS i"),
            {"t": api.tenant.id, "head": head, "ids": record_ids, "n": len(record_ids), "rows": rows, "h": fake})
        conn.execute(sa.text("UPDATE audit_heads SET last_seq = :s, last_hash = :h WHERE tenant_id = :t"),
                     {"s": head + rows, "h": fake, "t": api.tenant.id})
    with psycopg.connect(api.scratch.owner_url.replace("+psycopg", ""), autocommit=True) as owner:
        owner.execute("ANALYZE audit")


def _page_ms(api: Any, http: httpx.Client, params: dict[str, Any]) -> tuple[list[float], float]:
    """Wall-clock samples of one page, and the server's CPU per page (ms) over the same requests."""
    from bench.bench_api import _server_cpu_s

    def page() -> None:
        answer = http.get(api.url("/audit"), params=params)
        answer.raise_for_status()
        if len(answer.json()["rows"]) != PAGE:
            raise RuntimeError(f"a page of {PAGE} rows was expected: {answer.text[:200]}")

    cpu_before = _server_cpu_s(api)
    samples = time_ms(page, repeat=30, warmup=3)
    server_cpu_ms = (_server_cpu_s(api) - cpu_before) * 1000 / 33
    return samples, server_cpu_ms


def run_audit_page(report: Report) -> None:
    with tempfile.TemporaryDirectory() as folder, \
            LiveApi.start(Path(folder), backend="postgresql", in_subprocess=True) as api:
        record_ids = [uuid4() for _ in range(RECORDS)]
        started = time.perf_counter()
        _fill_audit(api, rows=AUDIT_ROWS, record_ids=record_ids)
        print(f"   audit trail: {AUDIT_ROWS:,} rows on PostgreSQL over {RECORDS:,} records, built in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
        token = api.login(api.fresh(Role.MANAGER))["access_token"]
        # The client's whole record, as the viewer and the access report ask for it: about 750 rows, 200 a page.
        params = {"entity_id": [str(i) for i in record_ids[:CLIENT_RECORDS]], "limit": PAGE}
        with api.client(headers={"Authorization": f"Bearer {token}"}) as http:
            samples, server_cpu_ms = _page_ms(api, http, params)
            with psycopg.connect(api.scratch.owner_url.replace("+psycopg", ""), autocommit=True) as owner:
                owner.execute("DROP INDEX ix_audit_entity")  # the baseline: the trail before migration 0008
            baseline, _cpu = _page_ms(api, http, params)
        print(f"   machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    report.figure("compliance.audit_page_ms", median(samples), unit="ms", target=AUDIT_PAGE_TARGET_MS,
                  baseline=median(baseline), baseline_name="without ix_audit_entity")
    report.figure("compliance.audit_page_server_cpu_ms", server_cpu_ms, unit="ms", target=AUDIT_PAGE_TARGET_MS)
    report.figure("compliance.audit_page_load_average", os.getloadavg()[0], unit="")
