"""The cyclic garbage collector kept from freezing the window during sync (ui/collector.py).

A real first sign-in and sync against the live API over TLS (in this process,
so the server's threads allocate too); the collector is set to collect very
often, so a full collection would certainly run during the sync if nothing
held it off.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from medspa_desk.session import DeskSession
from tests.support.live_api import LiveApi
from ui.collector import HELD_OFF_THRESHOLD, freeze_long_lived, full_collections
from ui.desk_backend import DeskBackend
from ui.events import CoreEventBridge, bus
from ui.operations import NetworkOp, network_pool

EAGER = (50, 1, 1)  # a young collection every 50 allocations, a full one whenever it may


@pytest.fixture
def eager_collector() -> Iterator[None]:
    saved = gc.get_threshold()
    # CPython runs a full collection only once the objects new to the old generation
    # are a quarter of those a full collection last left there: freezing the test
    # process first makes that quarter small, as it is after a desk's start-up.
    gc.freeze()
    gc.collect()
    gc.set_threshold(*EAGER)
    yield
    full_collections.resume_all()
    gc.set_threshold(*saved)


class CycleWatch(CoreEventBridge):
    """The bridge, noting the generation of every collection made while a sync cycle runs.

    The engine calls ``sync_did_start`` first thing in a cycle and
    ``sync_did_finish`` last, on its own thread.
    """

    def __init__(self) -> None:
        super().__init__()
        self.cycles = 0
        self.running = threading.Event()
        self.generations: list[int] = []

    def note(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start" and self.running.is_set():
            self.generations.append(info["generation"])

    def sync_did_start(self, *args: Any) -> None:
        self.running.set()
        super().sync_did_start(*args)

    def sync_did_finish(self, result: Any = None) -> None:
        self.running.clear()
        self.cycles += 1
        super().sync_did_finish(result)


@pytest.fixture
def cycle_watch() -> Iterator[CycleWatch]:
    watch = CycleWatch()
    gc.callbacks.append(watch.note)
    yield watch
    gc.callbacks.remove(watch.note)


def _finish_earlier_sign_outs(qtbot: Any) -> None:
    """Wait until every network worker is free (earlier tests' sign-outs run there), then deliver
    the signals they left for the GUI thread."""
    pool = network_pool()
    workers = pool._max_workers
    barrier = threading.Barrier(workers + 1)
    for _ in range(workers):
        pool.submit(barrier.wait, 30)
    barrier.wait(30)
    qtbot.wait(50)


def test_a_first_sync_runs_no_full_collection_and_they_resume_when_it_ends(
        qtbot: Any, live_api: LiveApi, tmp_path: Path, eager_collector: None,
        cycle_watch: CycleWatch, signed_in_sessions: list[DeskSession]) -> None:
    sessions = signed_in_sessions
    backend = DeskBackend(tmp_path / "new-desk", ca_path=live_api.ca_path, bridge=cycle_watch)
    user = live_api.users["front_desk"]
    failed: list[BaseException] = []
    _finish_earlier_sign_outs(qtbot)  # a thaw they end with would otherwise land inside this count
    frozen_before = gc.get_freeze_count()
    NetworkOp(None, body=lambda: backend.sign_in(
        server=live_api.base_url, tenant=live_api.tenant.name, username=user.username,
        password=user.password, totp=live_api.totp("front_desk")),
        success=sessions.append, failure=failed.append).run()
    qtbot.waitUntil(lambda: bool(sessions) or bool(failed), timeout=60_000)
    assert not failed
    assert gc.get_freeze_count() > frozen_before  # what signing in made is out of every collection's way
    session = sessions[0]
    qtbot.waitUntil(lambda: session.sync.status.last_success_at is not None, timeout=60_000)
    qtbot.waitUntil(lambda: not full_collections.held_off, timeout=10_000)

    assert cycle_watch.cycles >= 1
    assert 1 in cycle_watch.generations, "the cycle allocated enough for the older young generation"
    assert 2 not in cycle_watch.generations
    assert gc.get_threshold() == EAGER


def test_locking_and_signing_out_end_every_hold_and_sign_out_thaws(
        qtbot: Any, tmp_path: Path, eager_collector: None) -> None:
    DeskBackend(tmp_path / "desk")  # follows the session's events from the first backend on
    full_collections.hold_off()
    full_collections.hold_off()  # a cycle cut short by the lock never announces its end
    assert gc.get_threshold()[2] == HELD_OFF_THRESHOLD
    bus.session_did_lock.emit()
    assert not full_collections.held_off and gc.get_threshold() == EAGER

    full_collections.hold_off()
    freeze_long_lived()
    assert gc.get_freeze_count() > 0
    bus.session_did_sign_out.emit()
    assert not full_collections.held_off and gc.get_threshold() == EAGER
    assert gc.get_freeze_count() == 0


def test_holds_nest_so_one_ending_does_not_resume_for_another(eager_collector: None) -> None:
    full_collections.hold_off()
    full_collections.hold_off()
    full_collections.resume()
    assert full_collections.held_off and gc.get_threshold()[2] == HELD_OFF_THRESHOLD
    full_collections.resume()
    assert not full_collections.held_off and gc.get_threshold() == EAGER
    full_collections.resume()  # one end too many (a late end after a lock) changes nothing
    assert gc.get_threshold() == EAGER


def test_a_long_pull_turns_young_collections_off_until_its_cycle_ends(qtbot: Any, eager_collector: None) -> None:
    from medspa_desk.store.changes import Changes
    from medspa_desk.sync.page_parser import OFFLOAD_AT
    from medspa_desk.sync.status import Progress, SyncStatus
    from ui.desk_backend import sync_callbacks

    callbacks = sync_callbacks(CoreEventBridge())
    callbacks.sync_did_start()
    callbacks.status_did_change(SyncStatus(progress=Progress(done=500, total=OFFLOAD_AT - 1)))
    assert gc.isenabled()  # a short pull keeps its young collections

    callbacks.status_did_change(SyncStatus(progress=Progress(done=2000, total=OFFLOAD_AT * 25)))
    assert not gc.isenabled()
    # 2,000 new containers and no collection: the young count stays above 1,000 (with the collector
    # on, this test's eager threshold collects every 50 allocations and would have left it below 50).
    # Not exactly 2,000: other threads (a sync engine, the network pool) free containers meanwhile.
    cycles = [{} for _ in range(2000)]
    for d in cycles:
        d["self"] = d
    del cycles, d
    assert gc.get_count()[0] >= 1000
    callbacks.changes_did_arrive(Changes())  # a page applied: its youngest generation is collected
    assert gc.get_count()[0] < 100
    callbacks.sync_did_finish(None)

    qtbot.waitUntil(gc.isenabled, timeout=5_000)  # resumed on the GUI thread once the views had the end
    assert not full_collections.held_off


def test_young_collections_stay_on_outside_a_cycle_and_a_collector_turned_off_elsewhere_stays_off(
        eager_collector: None) -> None:
    full_collections.hold_off_young_too()
    assert gc.isenabled()  # no cycle holds it off

    gc.disable()
    try:
        full_collections.hold_off()
        full_collections.hold_off_young_too()
        full_collections.resume()
        assert not gc.isenabled()  # not ours to turn back on
    finally:
        gc.enable()
