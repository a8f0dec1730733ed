"""The store worker: one thread opens, runs and closes the store, in order."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path

import pytest

from medspa_desk.store import Store
from medspa_desk.store.worker import DeskLocked, Outcome, StoreWorker


@pytest.fixture
def worker() -> Iterator[StoreWorker]:
    running = StoreWorker(name="test-store-worker")
    yield running
    running.detach(close=True)
    running.stop()


def hold(worker: StoreWorker, *, until: threading.Event) -> threading.Thread:
    """A job that keeps the worker busy until ``until`` is set; returns once it is running."""
    started = threading.Event()
    holding = threading.Thread(target=lambda: worker.run_sync(lambda _store: (started.set(), until.wait(5))))
    holding.start()
    assert started.wait(5)
    return holding


def test_the_store_is_opened_and_closed_on_the_worker_thread(worker: StoreWorker, db_path: Path,
                                                            key: bytearray) -> None:
    threads: list[int] = []

    def opener() -> Store:
        threads.append(threading.get_ident())
        return Store.open(db_path, key, create=True)

    store = worker.open(opener)
    assert worker.has_store and threads == [worker.run_sync(lambda _store: threading.get_ident())]
    assert threads[0] != threading.get_ident()
    assert worker.run_sync(lambda attached: attached is store)
    worker.detach(close=True)
    worker.run_sync(lambda _store: None)
    assert not worker.has_store and not store.is_open


def test_jobs_run_in_the_order_asked_and_a_job_asking_for_another_runs_it_at_once(worker: StoreWorker) -> None:
    seen: list[str] = []
    release = threading.Event()
    holding = hold(worker, until=release)
    worker.attach("store")
    worker.submit(lambda store: seen.append(f"first on {store}"), done=lambda _outcome: None)

    def asks_again(_store: object) -> None:
        seen.append(worker.run_sync(lambda store: f"inline on {store}"))  # queued, this would wait forever

    worker.submit(asks_again, done=lambda _outcome: None)
    assert seen == []
    release.set()
    worker.run_sync(lambda _store: None)
    holding.join(5)
    assert seen == ["first on store", "inline on store"]


def test_an_outcome_goes_through_the_poster_with_the_epoch_it_was_asked_in() -> None:
    posted: list[Callable[[], None]] = []
    worker = StoreWorker(poster=posted.append)
    try:
        outcomes: list[Outcome] = []
        worker.attach("store")
        worker.submit(lambda store: store.upper(), done=outcomes.append)
        worker.invalidate()
        worker.run_sync(lambda _store: None)
        assert outcomes == [] and len(posted) == 1  # nothing delivered until the poster runs it
        posted[0]()
        assert outcomes == [Outcome(0, value="STORE")] and worker.epoch == 1
    finally:
        worker.stop()


def test_a_body_asked_for_while_no_store_is_attached_is_told_the_desk_is_locked(worker: StoreWorker) -> None:
    told: Future[Outcome] = Future()
    worker.submit(lambda store: store.clients(), done=told.set_result)
    outcome = told.result(timeout=5)
    assert isinstance(outcome.error, DeskLocked) and outcome.value is None


def test_run_sync_raises_what_the_body_raised_and_gives_up_after_its_timeout(worker: StoreWorker) -> None:
    with pytest.raises(ZeroDivisionError):
        worker.run_sync(lambda _store: 1 / 0)
    release = threading.Event()
    holding = hold(worker, until=release)
    with pytest.raises(TimeoutError):
        worker.run_sync(lambda _store: None, timeout=0.05)
    release.set()
    holding.join(5)
    assert worker.run_sync(lambda _store: "still working") == "still working"
