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
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from pydantic import ValidationError

from medspa_desk.clinical.addenda import AddendumRefused
from medspa_desk.desk.errors import DeskRefusal
from medspa_desk.documents.gating import OverrideRefused
from medspa_desk.records import InvalidTransition
from medspa_desk.rules import NotPermitted
from medspa_desk.store import Changes, StoreError
from medspa_desk.store.worker import DeskLocked, Outcome, StoreWorker
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


class DbWorker(StoreWorker):
    """The app's store worker (:class:`~medspa_desk.store.worker.StoreWorker`): one per app, and
    ``submit``'s outcome is delivered on the GUI thread."""

    def __init__(self) -> None:
        super().__init__(poster=post_to_gui_thread, name="desk-db-worker")


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

    def _deliver(self, outcome: Outcome, *, current_epoch: int) -> None:
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
                outcome = Outcome(epoch, value=self._body(None))
            except BaseException as exc:
                outcome = Outcome(epoch, error=exc)
            post_to_gui_thread(lambda: self._deliver(outcome, current_epoch=worker.epoch))

        network_pool().submit(job)


def changes_of(value: object) -> Changes | None:
    """The ``Changes`` a write returned: the value itself, or its ``.changes`` (a use case's outcome)."""
    if isinstance(value, Changes):
        return value
    changes = getattr(value, "changes", None)
    return changes if isinstance(changes, Changes) else None
