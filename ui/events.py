"""App-wide Qt signals, and the bridge that turns the core's plain callbacks into them.

The core (store, sync engine, session) knows nothing of Qt: it calls plain
functions, often from its own threads. ``CoreEventBridge`` receives those calls
on whatever thread makes them and re-emits each as a signal of ``bus`` on the
GUI thread, so a view's slot never runs beside a worker (Electrum's
``qt_event_listener``).

Views listen to ``bus.operation_did_execute(changes, initiator)`` and redraw
only what the ``Changes`` value names.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from medspa_desk.store import Changes
from ui.qt import QCoreApplication, QObject, Qt, QThread, Signal, Slot

log = logging.getLogger(__name__)


class EventBus(QObject):
    """Signals every open view may listen to. Emitted on the GUI thread only."""

    # A write finished: (Changes, the object that started it or None).
    operation_did_execute = Signal(object, object)

    sync_did_start = Signal()
    sync_did_finish = Signal(object)
    sync_did_fail = Signal(object)
    status_did_change = Signal(object)
    changes_did_arrive = Signal(object)
    # (records done, records in all) of the initial pull.
    initial_sync_did_progress = Signal(int, int)

    session_will_lock = Signal()
    session_did_lock = Signal()
    session_did_unlock = Signal()
    session_did_sign_out = Signal()

    privacy_mode_did_change = Signal(bool)

    def __init__(self) -> None:
        super().__init__()
        self._privacy_mode = False

    @property
    def privacy_mode(self) -> bool:
        """Names shown as initials on public-facing views (Ctrl+Shift+P)."""
        return self._privacy_mode

    def set_privacy_mode(self, on: bool) -> None:
        if on != self._privacy_mode:
            self._privacy_mode = on
            self.privacy_mode_did_change.emit(on)


class _GuiThreadCaller(QObject):
    """Runs callables on the thread this object lives in (the GUI thread)."""

    _call = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        # The receiver is this object, so a queued connection lands on its thread.
        self._call.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def post(self, fn: Callable[[], None]) -> None:
        self._call.emit(fn)

    @Slot(object)
    def _run(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception:
            log.exception("a GUI-thread callback failed")


bus = EventBus()
_caller = _GuiThreadCaller()


def on_gui_thread() -> bool:
    app = QCoreApplication.instance()
    if app is None:
        return threading.current_thread() is threading.main_thread()
    return QThread.currentThread() == app.thread()


def call_on_gui_thread(fn: Callable[[], None]) -> None:
    """Run ``fn`` on the GUI thread: now if already there, else queued."""
    if on_gui_thread():
        fn()
    else:
        _caller.post(fn)


def post_to_gui_thread(fn: Callable[[], None]) -> None:
    """Queue ``fn`` for the GUI thread's event loop, even when called from it."""
    _caller.post(fn)


class CoreEventBridge:
    """The callbacks object handed to the sync engine and the session.

    Each method may be called from any thread; it re-emits on ``bus`` on the GUI
    thread. ``as_callbacks()`` gives the same as a name → function mapping for
    cores that take a dict.
    """

    EVENT_NAMES: tuple[str, ...] = (
        "sync_did_start",
        "sync_did_finish",
        "sync_did_fail",
        "status_did_change",
        "changes_did_arrive",
        "session_will_lock",
        "session_did_lock",
        "session_did_unlock",
        "session_did_sign_out",
    )

    def __init__(self, target: EventBus | None = None) -> None:
        self._bus = target or bus

    def _emit(self, name: str, *args: Any) -> None:
        signal = getattr(self._bus, name)
        call_on_gui_thread(lambda: signal.emit(*args))

    def sync_did_start(self, *_: Any) -> None:
        self._emit("sync_did_start")

    def sync_did_finish(self, result: Any = None) -> None:
        self._emit("sync_did_finish", result)

    def sync_did_fail(self, error: Any = None) -> None:
        self._emit("sync_did_fail", error)

    def status_did_change(self, status: Any = None) -> None:
        self._emit("status_did_change", status)
        progress = getattr(status, "progress", None)
        if progress is not None:
            done, total = _progress_pair(progress)
            if total:
                call_on_gui_thread(lambda: self._bus.initial_sync_did_progress.emit(done, total))

    def changes_did_arrive(self, changes: Changes) -> None:
        self._emit("changes_did_arrive", changes)

    def session_will_lock(self, *_: Any) -> None:
        self._emit("session_will_lock")

    def session_did_lock(self, *_: Any) -> None:
        self._emit("session_did_lock")

    def session_did_unlock(self, *_: Any) -> None:
        self._emit("session_did_unlock")

    def session_did_sign_out(self, *_: Any) -> None:
        self._emit("session_did_sign_out")

    def as_callbacks(self) -> dict[str, Callable[..., None]]:
        return {name: getattr(self, name) for name in self.EVENT_NAMES}


def _progress_pair(progress: Any) -> tuple[int, int]:
    """(done, total) from a tuple or an object with ``done``/``total``."""
    if isinstance(progress, tuple) and len(progress) == 2:
        return int(progress[0]), int(progress[1])
    return int(getattr(progress, "done", 0) or 0), int(getattr(progress, "total", 0) or 0)
