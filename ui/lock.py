"""Locking the desk: when, and what a lock clears.

When: an app-wide event filter restarts a single-shot idle timer on every key,
mouse, wheel, touch or tablet event (the timeout comes from the practice's
policy and has no off switch); Ctrl+L; the platform saying the app is
suspended or the session is ending; and a wall-clock check: a heartbeat timer
notices when the wall clock jumped ahead of the monotonic one (the machine
slept) or when the last input is older than the timeout (the timer could not
fire while asleep).

What (in this order, after KeePassXC's ``lockDatabasesAfterInactivity``):
modal dialogs close, PHI views and their models are destroyed, the clipboard is
cleared if it holds text this app put there, answers still on their way from
the worker are voided, the lock view appears, then the session drops the key
and closes the store (on the worker thread that owns the connection). The lock
view shows no PHI, and neither does the window title.

The session's lock is a job on the database worker, queued behind whatever
the worker is doing, so the GUI thread never waits for it: the lock view
appears at once in a *Locking…* state that takes no PIN, password or sign-out
(the key is still in memory and the store still open), and becomes unlockable
when the job has run. Most locks finish within :data:`LOCK_GRACE_S`, and the
controller waits that long so the ordinary lock shows no *Locking…* flash.
Sign-out and closing the window (:meth:`LockController.stop`) wait for a lock
still running, since they end the session.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from medspa_desk.store import Store
from ui.events import bus, post_to_gui_thread
from ui.operations import NetworkOp, db_worker, describe_error
from ui.os_session import os_session_watcher
from ui.qt import (
    QApplication,
    QDialog,
    QEvent,
    QFormLayout,
    QGuiApplication,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QObject,
    QPushButton,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
    is_alive,
)

if TYPE_CHECKING:
    from medspa_desk.session import DeskSession

log = logging.getLogger(__name__)

DEFAULT_IDLE_MINUTES = 5.0
# A wall-clock jump larger than this between two heartbeats means the machine slept.
SLEEP_JUMP_S = 30.0
HEARTBEAT_MS = 5_000
# How long the GUI thread waits for the lock job before showing "Locking…" (an idle worker needs milliseconds).
LOCK_GRACE_S = 0.5
# Sign-out and closing wait this long for a lock still queued behind a long database job.
LOCK_FINISH_WAIT_S = 60.0
LOCKING = "Locking… The desk can be unlocked as soon as the work in progress has finished."
LOCK_FAILED = ("The desk could not lock cleanly. Sign out, then sign in again; nothing you saved is lost.")
STILL_LOCKING = "Still locking; try again in a moment."

INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TabletPress,
    QEvent.Type.TabletMove, QEvent.Type.Shortcut,
})


@dataclass(frozen=True)
class LockPolicy:
    """The practice's lock rule. Set by the practice, not by the person at the desk."""

    idle_minutes: float = DEFAULT_IDLE_MINUTES

    @classmethod
    def of(cls, session: DeskSession) -> LockPolicy:
        minutes = session.idle_lock_minutes
        return cls(idle_minutes=float(minutes) if minutes else DEFAULT_IDLE_MINUTES)

    @property
    def idle_ms(self) -> int:
        return max(1, int(self.idle_minutes * 60_000))


class IdleWatcher(QObject):
    """Calls ``on_idle`` after ``policy.idle_ms`` without input anywhere in the app."""

    def __init__(self, policy: LockPolicy, *, on_idle: Callable[[str], None]) -> None:
        super().__init__()
        self.policy = policy
        self._on_idle = on_idle
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(policy.idle_ms)
        self.timer.timeout.connect(lambda: self._on_idle("idle"))
        self._last_input_wall = time.time()
        self._last_beat_wall = time.time()
        self._last_beat_mono = time.monotonic()
        self.heartbeat = QTimer(self)
        self.heartbeat.setInterval(min(HEARTBEAT_MS, max(250, policy.idle_ms // 2)))
        self.heartbeat.timeout.connect(self.check_wall_clock)
        self.active = False

    def start(self) -> None:
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)
        self.active = True
        self.restart()
        self.heartbeat.start()

    def stop(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.active = False
        self.timer.stop()
        self.heartbeat.stop()

    def restart(self) -> None:
        self._last_input_wall = time.time()
        self.timer.start()

    def eventFilter(self, watched: Any, event: Any) -> bool:
        if self.active and event.type() in INPUT_EVENTS:
            self.restart()
        return False

    def check_wall_clock(self) -> None:
        """Lock if the machine slept or the idle time passed while the timer could not fire."""
        wall, mono = time.time(), time.monotonic()
        jumped = (wall - self._last_beat_wall) - (mono - self._last_beat_mono)
        self._last_beat_wall, self._last_beat_mono = wall, mono
        if not self.active:
            return
        if jumped > SLEEP_JUMP_S:
            self._on_idle("resume")
        elif (wall - self._last_input_wall) * 1000 >= self.policy.idle_ms:
            self._on_idle("idle")


def close_dialogs() -> int:
    """Close every modal and free-standing dialog (a half-typed booking holds PHI)."""
    closed = 0
    for _ in range(20):
        modal = QApplication.activeModalWidget()
        if modal is None:
            break
        modal.close()
        if isinstance(modal, QDialog):
            modal.reject()
        modal.deleteLater()
        closed += 1
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QDialog | QMessageBox) and widget.isVisible():
            widget.reject() if isinstance(widget, QDialog) else widget.close()
            widget.deleteLater()
            closed += 1
    return closed


def clear_app_clipboard() -> bool:
    """Empty the clipboard when it holds text this app put there; leave others' text alone."""
    clipboard = QGuiApplication.clipboard()
    if clipboard.ownsClipboard() or _clipboard_text_is_ours(clipboard.text()):
        clipboard.clear()
        _app_clipboard_texts.clear()
        return True
    return False


_app_clipboard_texts: set[int] = set()


def remember_copied_text(text: str) -> None:
    """Views that copy call this, so a lock can tell the app's text from other apps' text
    on platforms where ``ownsClipboard`` is not reported."""
    _app_clipboard_texts.add(hash(text))


def _clipboard_text_is_ours(text: str) -> bool:
    return bool(text) and hash(text) in _app_clipboard_texts


def watch_clipboard() -> None:
    """Remember text copied while this app is the active one (Ctrl+C in a field, a copy button).

    X11 and Windows report ownership; other platforms (Wayland, offscreen) do not,
    so a copy made while the app has focus counts as the app's.
    """
    clipboard = QGuiApplication.clipboard()
    if getattr(clipboard, "_medspa_watched", False):
        return

    def changed() -> None:
        text = clipboard.text()
        if text and (clipboard.ownsClipboard()
                     or QGuiApplication.applicationState() == Qt.ApplicationState.ApplicationActive):
            remember_copied_text(text)

    clipboard.dataChanged.connect(changed)
    clipboard._medspa_watched = True


class LockView(QWidget):
    """What a locked desk shows: no names, no schedule, no window title beyond the app's."""

    unlock_with_pin = Signal(str)
    unlock_with_password = Signal(str)
    switch_user = Signal()
    sign_out = Signal()

    def __init__(self, parent: QWidget | None, *, user_label: str, pin_available: bool) -> None:
        super().__init__(parent)
        self._locking = False  # the key still in memory (see set_locking)
        self._pin_available = pin_available
        self.setObjectName("lockView")
        self.setAccessibleName("Desk locked")
        title = QLabel("This desk is locked", self)
        title.setObjectName("lockTitle")
        self.who = QLabel(f"Signed in: {user_label}", self)
        self.pin = QLineEdit(self)
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText("4 to 12 digits")
        self.pin.setAccessibleName("PIN")
        self.pin.setMaxLength(12)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Password")
        self.password.setAccessibleName("Password")
        self.message = QLabel("", self)
        self.message.setObjectName("lockMessage")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Unlock message")
        self.message.hide()  # shown with something to say; empty, it only left a gap above the buttons
        self.unlock = QPushButton("&Unlock", self)
        self.unlock.setDefault(True)
        self.switch = QPushButton("S&witch user", self)
        self.leave = QPushButton("Sign &out", self)
        form = QFormLayout()
        form.addRow("PIN", self.pin)
        form.addRow("or password", self.password)
        buttons = QHBoxLayout()
        buttons.addWidget(self.unlock)
        buttons.addStretch(1)
        buttons.addWidget(self.switch)
        buttons.addWidget(self.leave)
        card = QWidget(self)
        card.setObjectName("lockCard")
        card.setMaximumWidth(440)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(24, 20, 24, 20)
        inner.setSpacing(10)
        inner.addWidget(title)
        inner.addWidget(self.who)
        inner.addLayout(form)
        inner.addWidget(self.message)
        inner.addLayout(buttons)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self.set_pin_available(pin_available)
        self.unlock.clicked.connect(self._unlock)
        self.pin.returnPressed.connect(self._unlock)
        self.password.returnPressed.connect(self._unlock)
        self.switch.clicked.connect(self.switch_user)
        self.leave.clicked.connect(self.sign_out)
        self.setTabOrder(self.pin, self.password)
        self.setTabOrder(self.password, self.unlock)
        self.setTabOrder(self.unlock, self.switch)
        self.setTabOrder(self.switch, self.leave)

    def set_pin_available(self, available: bool) -> None:
        self._pin_available = available
        self.pin.setEnabled(available and not self.locking)
        if not available:
            self.pin.setPlaceholderText("PIN not available: use your password")

    @property
    def locking(self) -> bool:
        return self._locking

    def set_locking(self, locking: bool) -> None:
        """While the key is still in memory: no PIN, password, unlock or sign-out, and a note saying why."""
        self._locking = locking
        for control in (self.password, self.unlock, self.switch, self.leave):
            control.setEnabled(not locking)
        self.pin.setEnabled(not locking and self._pin_available)
        self.show_message(LOCKING if locking else "")
        if not locking:
            self.focus_first()

    def set_lock_failed(self) -> None:
        """The lock job failed: unlocking is off (the session is in an unknown state); sign-out is the way on."""
        self._locking = False
        for control in (self.pin, self.password, self.unlock):
            control.setEnabled(False)
        for control in (self.switch, self.leave):
            control.setEnabled(True)
        self.show_message(LOCK_FAILED)
        self.leave.setFocus()

    def focus_first(self) -> None:
        (self.pin if self.pin.isEnabled() else self.password).setFocus()

    def _unlock(self) -> None:
        if self.locking:
            self.show_message(STILL_LOCKING)
            return
        pin, password = self.pin.text(), self.password.text()
        self.pin.clear()
        self.password.clear()
        if pin:
            self.unlock_with_pin.emit(pin)
        elif password:
            self.unlock_with_password.emit(password)
        else:
            self.show_message("Type your PIN or your password.")

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))


@dataclass(eq=False)
class _PendingLock:
    """One lock job on the database worker, from the moment it is queued until the view is unlockable."""

    reason: str
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None
    finished: bool = False


class LockController(QObject):
    """Decides when to lock and performs the lock and unlock for one main window."""

    did_lock = Signal(str)  # the reason: idle, shortcut, suspend, resume, session end, screen lock, sleep, session lock
    did_unlock = Signal()

    def __init__(self, window: Any, *, session: DeskSession, policy: LockPolicy) -> None:
        super().__init__(window)
        self.window = window
        self.session = session
        self.policy = policy
        self.locked = False
        self._pending: _PendingLock | None = None
        self.idle = IdleWatcher(policy, on_idle=self.lock)
        watch_clipboard()
        app = QGuiApplication.instance()
        if app is not None:
            app.applicationStateChanged.connect(self._application_state_changed)
            app.commitDataRequest.connect(lambda _manager: self.lock("session end"))
        self._watching_platform = False

    def start(self) -> None:
        self.idle.start()
        self._watch_platform(True)

    def _watch_platform(self, on: bool) -> None:
        """Follow the OS screen lock and sleep (the app's one watcher, started by ``ui.app.main``)."""
        if on == self._watching_platform:
            return
        platform = os_session_watcher()
        if on:
            platform.screen_did_lock.connect(self.lock)
            platform.system_did_resume.connect(self.idle.check_wall_clock)
        else:
            platform.screen_did_lock.disconnect(self.lock)
            platform.system_did_resume.disconnect(self.idle.check_wall_clock)
        self._watching_platform = on

    def stop(self) -> None:
        """Stop watching; a lock still running is waited for (sign-out and closing end the session next)."""
        self.idle.stop()
        self._watch_platform(False)
        pending = self._pending
        if pending is None:
            return
        if not pending.done.wait(LOCK_FINISH_WAIT_S):
            log.error("the session lock had not run after %.0f s", LOCK_FINISH_WAIT_S)
            return
        self._finish_lock(pending)

    @property
    def locking(self) -> bool:
        """Locked on screen, but the session's lock job has not run yet (the key is still in memory)."""
        return self._pending is not None

    @property
    def ready_to_unlock(self) -> bool:
        return self.locked and self._pending is None

    def _application_state_changed(self, state: Qt.ApplicationState) -> None:
        # Inactive (another window has focus) is normal desk life; suspended and
        # hidden are what the platform reports for a locked screen or sleep.
        if state in (Qt.ApplicationState.ApplicationSuspended, Qt.ApplicationState.ApplicationHidden):
            self.lock("suspend")

    def lock(self, reason: str = "shortcut") -> None:
        """Clear every PHI view now, show the lock view, and lock the session on the worker.

        Never waits on the GUI thread for more than :data:`LOCK_GRACE_S`: a long
        database job ahead of the lock leaves the view in its *Locking…* state
        until the session's lock has run.
        """
        if self.locked:
            return
        self.locked = True
        self.idle.stop()
        log.info("desk locking (%s)", reason)
        bus.session_will_lock.emit()
        close_dialogs()
        self.window.clear_phi_views()
        clear_app_clipboard()
        worker = db_worker()
        worker.invalidate()
        pending = self._pending = _PendingLock(reason=reason)
        self.window.show_lock_view()
        view = self.window.lock_view
        if view is not None:
            view.set_locking(True)
        self.window.repaint()  # on screen now, not when the event loop next runs
        session = self.session

        def lock_session(_store: Store) -> None:
            try:
                session.lock()
            except Exception as exc:
                pending.error = exc
            finally:
                pending.done.set()
                post_to_gui_thread(lambda: self._finish_lock(pending))

        try:
            worker.run_sync(lock_session, timeout=LOCK_GRACE_S)
        except TimeoutError:
            log.info("desk lock queued behind a database job")
        worker.detach(close=False)  # queued after the lock job
        if pending.done.is_set():
            self._finish_lock(pending)

    def _finish_lock(self, pending: _PendingLock) -> None:
        """On the GUI thread, once the session's lock has run: the lock view takes an unlock."""
        if pending.finished or not is_alive(self):
            return
        pending.finished = True
        if self._pending is pending:
            self._pending = None
        view = self.window.lock_view if is_alive(self.window) else None
        if pending.error is not None:
            log.error("session lock failed: %s", type(pending.error).__name__)
            if view is not None and is_alive(view):
                view.set_lock_failed()
        elif view is not None and is_alive(view):
            view.set_locking(False)
            view.set_pin_available(self.session.pin_available)
        bus.session_did_lock.emit()
        self.did_lock.emit(pending.reason)

    def try_pin(self, pin: str) -> None:
        self._try_unlock(lambda: self.session.unlock_with_pin(pin))

    def try_password(self, password: str) -> None:
        self._try_unlock(lambda: self.session.unlock_with_password(password))

    def _try_unlock(self, unlock: Callable[[], Any]) -> None:
        view = self.window.lock_view
        if self._pending is not None:
            if view is not None:
                view.show_message(STILL_LOCKING)
            return
        if view is not None:
            view.show_message("Unlocking…")
        NetworkOp(self.window, body=unlock, success=lambda _r: self._unlocked(),
                  failure=self._unlock_failed).run()

    def _unlock_failed(self, exc: BaseException) -> None:
        view = self.window.lock_view
        if view is not None:
            view.show_message(describe_error(exc))
            view.set_pin_available(self.session.pin_available)
            view.focus_first()

    def _unlocked(self) -> None:
        db_worker().attach(self.session.store)
        self.locked = False
        self.window.show_desk()
        self.idle.start()
        bus.session_did_unlock.emit()
        self.did_unlock.emit()
