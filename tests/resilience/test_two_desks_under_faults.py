"""Two workstations, 1,000 mixed changes, a network that breaks at random: nothing lost, nothing twice."""

from __future__ import annotations

import random
import threading
from pathlib import Path
from uuid import UUID

import pytest

from tests.resilience.ledger import (
    audit_rows_for,
    cached_records,
    changes_per_mutation,
    latest_seq,
    server_conflicts,
    server_records,
)
from tests.resilience.workload import Workload
from tests.support.fault_proxy import EVERY_FAULT, FaultProxy
from tests.support.live_api import LiveApi
from tests.support.sync_desks import open_desk, wait_until

MUTATIONS = 1000
MIN_FAULTS = 20


@pytest.mark.slow
def test_two_desks_converge_with_every_change_applied_once_through_random_faults(
        live: LiveApi, proxy: FaultProxy, tmp_path: Path, secret_service: None) -> None:
    desks = [open_desk(live, tmp_path / name, who=who, server_url=proxy.url, name=name, push_batch=20)
             for name, who in (("a", "front_desk"), ("b", "manager"))]
    try:
        for desk in desks:
            wait_until(lambda d=desk: d.engine.status.last_success_at is not None, timeout_s=30,
                       what="first sync")
        # Every kind of fault at least twice, then at random.
        proxy.inject(*EVERY_FAULT, *EVERY_FAULT)
        proxy.random_faults(0.25, rng=random.Random(20261122))
        loads = [Workload(desk, live, parity=i, seed=100 + i) for i, desk in enumerate(desks)]
        pause = threading.Event()
        for n in range(MUTATIONS):
            loads[n % 2].step()
            pause.wait(0.01)

        # Desks hear of changes on one held stream, and a desk backing off after a black hole
        # makes few exchanges: keep the network faulty, with both desks asked to sync (as a
        # person pressing Sync would), until enough exchanges have been broken to mean anything.
        def broken_enough() -> bool:
            for desk in desks:
                desk.engine.sync_now()
            return proxy.injected >= MIN_FAULTS

        wait_until(broken_enough, timeout_s=180, what=f"{MIN_FAULTS} injected faults")
        proxy.calm()

        def settled() -> bool:
            head = latest_seq(live)
            return all(d.read(lambda s: s.outbox_count() == 0 and s.pull_cursor() == head) for d in desks)

        wait_until(settled, timeout_s=240, what="both desks to settle")
    finally:
        for desk in desks:
            desk.engine.stop()

    assert sum(load.mutations for load in loads) == MUTATIONS
    assert proxy.injected >= MIN_FAULTS, f"too few faults to mean anything: {dict(proxy.counts)}"
    assert all(proxy.counts[fault] >= 2 for fault in EVERY_FAULT), dict(proxy.counts)

    held = server_records(live)
    for desk in desks:
        assert cached_records(desk.store) == held
        assert desk.store.outbox_count() == 0
        assert desk.store.conflicts() == []
    assert server_conflicts(live) == 0

    expected = {**loads[0].expected_versions, **loads[1].expected_versions}
    assert {record_id: held[record_id].version for record_id in expected} == expected

    applied = changes_per_mutation(live, [d.session.device_id for d in desks])
    assert len(applied) == MUTATIONS
    assert set(applied.values()) == {1}

    local_events = [UUID(event_id) for desk in desks
                    for (event_id,) in desk.store.connection.execute("SELECT id FROM audit").fetchall()]
    rows = audit_rows_for(live, local_events)
    assert len(local_events) >= MUTATIONS
    assert len(set(local_events)) == len(local_events)
    assert {event_id for event_id, stored in rows.items() if stored == 1} == set(local_events)

    for desk in desks:
        desk.close()
