"""The one thread that owns the encrypted store: it opens it, runs every call on it in order, and closes it.

A SQLCipher connection must not run two statements from two threads at once,
and writes must not interleave, so a desk has exactly one :class:`StoreWorker`.
Everything that touches the store is a job on it: a view's query or write, the
sync engine's outbox batches and pulled pages, signing in, lock, unlock and
sign-out. A job asked for from the worker's own thread (the sync engine
starting inside the sign-in job) runs at once, since queueing it behind the
job that asks would wait forever.

:meth:`StoreWorker.submit` runs a body and hands its :class:`Outcome` to
``done``: on the worker's thread, or through the ``poster`` given at
construction (the UI's flavour, ``ui.operations.DbWorker``, posts it to the GUI
thread). Each outcome carries the *epoch* it was asked in; :meth:`invalidate`
(a lock) starts a new one, so an answer still on its way can be dropped.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
Poster = Callable[[Callable[[], None]], None]


class DeskLocked(Exception):
    """Raised for a submitted body when no store is attached (the desk is locked or signed out)."""

    def __init__(self) -> None:
        super().__init__("The desk is locked. Unlock it to continue.")


@dataclass(frozen=True)
class Outcome:
    """What a submitted body gave: its value or its error, and the epoch it was asked in."""

    epoch: int
    value: Any = None
    error: BaseException | None = None


class StoreWorker:
    """One thread that owns the store (see the module docstring)."""

    def __init__(self, *, poster: Poster | None = None, name: str = "store-worker") -> None:
        self._poster = poster
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._store: Any = None
        self._epoch = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    # --- life of the store ---------------------------------------------------

    def attach(self, store: Any) -> None:
        """Hand an open store to the worker (queued behind any running job)."""
        self._enqueue(lambda: self._set_store(store))

    def open(self, opener: Callable[[], Any]) -> Any:
        """Open the store ON the worker thread (``opener()``) and wait for it."""
        return self.run_sync(lambda _store: self._set_store(opener()))

    def detach(self, *, close: bool = True) -> None:
        """Drop (and close) the store after queued jobs; results not yet delivered are void."""
        self.invalidate()

        def drop() -> None:
            store, self._store = self._store, None
            if close and store is not None:
                try:
                    store.close()
                except Exception:
                    log.exception("closing the store failed")

        self._enqueue(drop)

    def _set_store(self, store: Any) -> Any:
        self._store = store
        return store

    @property
    def has_store(self) -> bool:
        return self._store is not None

    @property
    def on_own_thread(self) -> bool:
        """The caller is the worker itself (a job, or what a job calls)."""
        return threading.get_ident() == self._thread.ident

    # --- epochs: a lock voids every answer still on its way -------------------

    @property
    def epoch(self) -> int:
        with self._lock:
            return self._epoch

    def invalidate(self) -> None:
        with self._lock:
            self._epoch += 1

    # --- jobs ------------------------------------------------------------------

    def submit(self, body: Callable[[Any], T], *, done: Callable[[Outcome], None]) -> None:
        """Run ``body(store)`` on the worker; ``done(outcome)`` there, or through the poster."""
        epoch = self.epoch

        def job() -> None:
            try:
                if self._store is None:
                    raise DeskLocked()
                outcome = Outcome(epoch, value=body(self._store))
            except BaseException as exc:
                outcome = Outcome(epoch, error=exc)
            if self._poster is None:
                done(outcome)
            else:
                self._poster(lambda: done(outcome))

        self._enqueue(job)

    def run_sync(self, body: Callable[[Any], T], *, timeout: float = 60.0) -> T:
        """Run ``body(store)`` on the worker and wait; on the worker's own thread, at once."""
        if self.on_own_thread:
            return body(self._store)
        result: list[Any] = []
        finished = threading.Event()

        def job() -> None:
            try:
                result.append((True, body(self._store)))
            except BaseException as exc:
                result.append((False, exc))
            finally:
                finished.set()

        self._enqueue(job)
        if not finished.wait(timeout):
            raise TimeoutError("the database worker did not answer in time")
        ok, value = result[0]
        if not ok:
            raise value
        return value

    def stop(self) -> None:
        """End the thread after the jobs already queued (the store is not closed: :meth:`detach` first)."""
        self._enqueue(None)
        if not self.on_own_thread:
            self._thread.join(timeout=10)

    def _enqueue(self, job: Callable[[], None] | None) -> None:
        self._jobs.put(job)

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            try:
                job()
            except Exception:
                log.exception("a database job failed outside its body")


__all__ = ["DeskLocked", "Outcome", "StoreWorker"]
