"""How a view asks the core for something: off the GUI thread, answered on it.

- ``QueryOp(parent, body=lambda store: ..., success=..., failure=...).run()``
  reads through the store on the ONE database worker thread;
- ``CollectionOp`` does the same for a write, then announces the write's
  ``Changes`` on ``ui.events.bus.operation_did_execute`` so every open view
  redraws what concerns it;
- ``NetworkOp`` runs a body that needs no store (sign-in, sync calls) on a
  small network pool, so a slow server never holds up a query.

The body never touches a widget. ``success``/``failure`` run on the GUI
thread, and only if the parent widget still exists and the desk has not been
locked since the operation started: a result that arrives after a lock is
dropped, so no PHI reaches a view the lock has cleared. Without ``failure``,
a plain message is shown; the trace goes to the PHI-free log only.
(Modelled on Anki's ``aqt.operations`` and ``aqt.taskman``.)
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from medspa_desk.clinical.addenda import AddendumRefused
from medspa_desk.desk.errors import DeskRefusal
from medspa_desk.documents.gating import OverrideRefused
from medspa_desk.records import InvalidTransition
from medspa_desk.rules import NotPermitted
from medspa_desk.store import StoreError
from medspa_desk.sync.errors import SyncError
from medspa_desk.vault import VaultError
from ui.events import bus, post_to_gui_thread
from ui.qt import QMessageBox, QWidget, is_alive

log = logging.getLogger(__name__)

T = TypeVar("T")

GENERIC_FAILURE = ("Something went wrong and the action was not completed. Nothing was lost; "
                   "please try again. If it keeps happening, tell your manager (the details "
                   "are in the log).")


class Refusal(Exception):
    """A plain sentence the desk itself says (no free slot, not allowed for this role)."""


class DeskLocked(Exception):
    """Raised inside a body when no store is open (the desk is locked or signed out)."""

    def __init__(self) -> None:
        super().__init__("The desk is locked. Unlock it to continue.")


@dataclass(frozen=True)
class _Outcome:
    epoch: int
    value: Any = None
    error: BaseException | None = None


class DbWorker:
    """One thread that owns the store: every query and write runs here, in order.

    SQLCipher connections belong to the thread that uses them, and writes must
    not interleave, so there is exactly one of these per app.
    """

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._store: Any = None
        self._epoch = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="desk-db-worker", daemon=True)
        self._thread.start()

    # --- life of the store ---------------------------------------------------

    def attach(self, store: Any) -> None:
        """Hand an open store to the worker (queued behind any running job)."""
        self._jobs.put(lambda: self._set_store(store))

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

        self._jobs.put(drop)

    def _set_store(self, store: Any) -> Any:
        self._store = store
        return store

    @property
    def has_store(self) -> bool:
        return self._store is not None

    # --- epochs: a lock voids every answer still on its way -------------------

    @property
    def epoch(self) -> int:
        with self._lock:
            return self._epoch

    def invalidate(self) -> None:
        with self._lock:
            self._epoch += 1

    # --- jobs ------------------------------------------------------------------

    def submit(self, body: Callable[[Any], T], *, done: Callable[[_Outcome], None]) -> None:
        """Run ``body(store)`` on the worker; ``done(outcome)`` is posted to the GUI thread."""
        epoch = self.epoch

        def job() -> None:
            try:
                if self._store is None:
                    raise DeskLocked()
                outcome = _Outcome(epoch, value=body(self._store))
            except BaseException as exc:
                outcome = _Outcome(epoch, error=exc)
            post_to_gui_thread(lambda: done(outcome))

        self._jobs.put(job)

    def run_sync(self, body: Callable[[Any], T], *, timeout: float = 60.0) -> T:
        """Run ``body(store)`` on the worker and wait (start-up, shutdown, tests)."""
        result: list[Any] = []
        finished = threading.Event()

        def job() -> None:
            try:
                result.append((True, body(self._store)))
            except BaseException as exc:
                result.append((False, exc))
            finally:
                finished.set()

        self._jobs.put(job)
        if not finished.wait(timeout):
            raise TimeoutError("the database worker did not answer in time")
        ok, value = result[0]
        if not ok:
            raise value
        return value

    def stop(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            try:
                job()
            except Exception:
                log.exception("a database job failed outside its body")


_worker: DbWorker | None = None
_network: ThreadPoolExecutor | None = None
_singletons = threading.Lock()


def db_worker() -> DbWorker:
    """The app's database worker (started on first use)."""
    global _worker
    with _singletons:
        if _worker is None:
            _worker = DbWorker()
        return _worker


def network_pool() -> ThreadPoolExecutor:
    """A few threads for network calls, apart from the database worker."""
    global _network
    with _singletons:
        if _network is None:
            _network = ThreadPoolExecutor(max_workers=3, thread_name_prefix="desk-network")
        return _network


# The core's own errors: each message is a plain sentence with no value from a client's record.
CORE_REFUSALS: tuple[type[BaseException], ...] = (
    StoreError, VaultError, SyncError, InvalidTransition, NotPermitted, DeskRefusal, OverrideRefused,
    AddendumRefused)


def describe_error(exc: BaseException) -> str:
    """Words a receptionist can act on. Only the core's own errors speak for themselves."""
    if isinstance(exc, DeskLocked | TimeoutError | Refusal):
        return str(exc) or GENERIC_FAILURE
    if isinstance(exc, CORE_REFUSALS):
        return getattr(exc, "message", None) or str(exc)
    try:
        from pydantic import ValidationError
    except ImportError:  # pragma: no cover - pydantic is a core dependency
        ValidationError = ()  # type: ignore[assignment]
    if isinstance(exc, ValidationError):
        return validation_message(exc)
    return GENERIC_FAILURE


def validation_message(exc: Any) -> str:
    """A pydantic error as one line per field, without echoing the refused value."""
    lines = []
    for error in exc.errors():
        field = " ".join(str(part).replace("_", " ") for part in error.get("loc", ()))
        message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
        lines.append(f"{field}: {message}" if field else message)
    return "\n".join(lines) or "Some details are not valid."


def show_failure(parent: QWidget | None, exc: BaseException) -> None:
    """The default failure: a plain message box; the trace to the log (no message text)."""
    log.error("operation failed: %s", type(exc).__name__, exc_info=(type(exc), exc, exc.__traceback__))
    if isinstance(exc, DeskLocked):
        return
    box = QMessageBox(parent if is_alive(parent) else None)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Medspa Desk")
    box.setText(describe_error(exc))
    box.setAccessibleName("Problem")
    box.open()


class _Op(Generic[T]):
    def __init__(self, parent: QWidget | None, *, body: Callable[[Any], T],
                 success: Callable[[T], None] | None = None,
                 failure: Callable[[BaseException], None] | None = None) -> None:
        self._parent = parent
        self._body = body
        self._success = success
        self._failure = failure

    def _deliver(self, outcome: _Outcome, *, current_epoch: int) -> None:
        if outcome.epoch != current_epoch:
            return  # the desk locked or signed out meanwhile: drop, PHI included
        if self._parent is not None and not is_alive(self._parent):
            return
        if outcome.error is not None:
            if self._failure is not None:
                log.info("operation failed: %s", type(outcome.error).__name__)
                self._failure(outcome.error)
            else:
                show_failure(self._parent, outcome.error)
            return
        self._on_value(outcome.value)

    def _on_value(self, value: T) -> None:
        if self._success is not None:
            self._success(value)


class QueryOp(_Op[T]):
    """A read through the store on the database worker."""

    def run(self) -> None:
        worker = db_worker()
        worker.submit(self._body, done=lambda o: self._deliver(o, current_epoch=worker.epoch))


class CollectionOp(_Op[T]):
    """A write through the store; its ``Changes`` go out on ``bus.operation_did_execute``."""

    def run(self) -> None:
        worker = db_worker()
        worker.submit(self._body, done=lambda o: self._deliver(o, current_epoch=worker.epoch))

    def _on_value(self, value: T) -> None:
        changes = changes_of(value)
        if changes is not None:
            bus.operation_did_execute.emit(changes, self._parent)
        super()._on_value(value)


class NetworkOp(_Op[T]):
    """A body with no store (sign-in, a sync call) on the network pool."""

    def __init__(self, parent: QWidget | None, *, body: Callable[[], T],
                 success: Callable[[T], None] | None = None,
                 failure: Callable[[BaseException], None] | None = None) -> None:
        super().__init__(parent, body=lambda _none: body(), success=success, failure=failure)

    def run(self) -> None:
        worker = db_worker()
        epoch = worker.epoch

        def job() -> None:
            try:
                outcome = _Outcome(epoch, value=self._body(None))
            except BaseException as exc:
                outcome = _Outcome(epoch, error=exc)
            post_to_gui_thread(lambda: self._deliver(outcome, current_epoch=worker.epoch))

        network_pool().submit(job)


def changes_of(value: Any) -> Any:
    """The ``Changes`` a write returned: the value itself, or its ``.changes``."""
    if value is None:
        return None
    if hasattr(value, "days") and hasattr(value, "clients"):
        return value
    return getattr(value, "changes", None)
