"""Locking the desk: idle timeout, Ctrl+L, what is cleared, and unlocking again."""

from __future__ import annotations

import threading
from typing import Any

from tests.ui.phi_walk import phi_found
from ui.client_profile import ClientProfile
from ui.events import bus
from ui.lock import LOCKING, STILL_LOCKING, LockPolicy
from ui.main_window import MainWindow
from ui.operations import db_worker
from ui.qt import QAction, QApplication, QEvent, QGuiApplication, QMessageBox, Qt


def open_desk(qtbot: Any, session: Any, *, idle_minutes: float = 5.0) -> MainWindow:
    window = MainWindow(session, policy=LockPolicy(idle_minutes=idle_minutes))
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    return window


def settle_deletes() -> None:
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QApplication.processEvents()


def open_profile(qtbot: Any, window: MainWindow, client_id: Any) -> ClientProfile:
    profile = window.open_client(client_id)
    assert profile is not None
    qtbot.waitUntil(lambda: profile.data is not None, timeout=5000)
    return profile


def test_idle_desk_locks_and_no_phi_is_left_in_any_widget(qtbot: Any, sign_in: Any, practice: Any) -> None:
    session = sign_in("np.rivera")
    window = open_desk(qtbot, session, idle_minutes=1 / 60)  # one second
    window.locker.stop()  # open the record first, then let the idle timer run
    profile = open_profile(qtbot, window, practice.known[0].id)
    profile.tabs.setCurrentWidget(profile.treatments)
    qtbot.waitUntil(lambda: profile.treatments.topLevelItemCount() > 0, timeout=5000)
    window.open_search()
    qtbot.keyClicks(window.search.query, "Quint")
    qtbot.waitUntil(lambda: window.search.results.count() > 0, timeout=5000)
    QGuiApplication.clipboard().setText(practice.known[0].phone)
    warning = QMessageBox(window)
    warning.setText(f"Check allergies for {practice.known[0].first_name}")
    warning.open()
    assert phi_found(practice.phi_markers), "the walk must see PHI while the desk is open"

    window.locker.start()
    qtbot.waitUntil(lambda: window.locker.locked, timeout=10_000)
    settle_deletes()

    assert phi_found(practice.phi_markers) == []
    assert window.windowTitle() == "Medspa Desk — Locked"
    assert window.lock_view is not None and window.lock_view.isVisible()
    assert QGuiApplication.clipboard().text() == ""
    assert session.store is None


def test_ctrl_l_locks_and_the_pin_unlocks_the_same_user(qtbot: Any, sign_in: Any) -> None:
    session = sign_in("desk.amy")
    window = open_desk(qtbot, session)
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.locker.locked
    view = window.lock_view
    qtbot.keyClicks(view.pin, "2468")
    qtbot.keyClick(view.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.locker.locked, timeout=10_000)
    assert window.desk is not None and window.windowTitle().startswith("Medspa Desk — Glow")
    assert session.store is not None and session.store.is_open


def test_a_wrong_pin_says_so_and_the_desk_stays_locked(qtbot: Any, sign_in: Any) -> None:
    session = sign_in("desk.amy")
    window = open_desk(qtbot, session)
    window.locker.lock("shortcut")
    view = window.lock_view
    assert not view.message.isVisible()  # nothing to say yet: no empty gap above the buttons
    qtbot.keyClicks(view.pin, "1111")
    qtbot.keyClick(view.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "PIN" in view.message.text() and "Unlocking" not in view.message.text(),
                    timeout=10_000)
    assert view.message.isVisible()
    assert window.locker.locked
    assert window.desk is None


def test_the_password_unlocks_too(qtbot: Any, sign_in: Any) -> None:
    from tests.ui.practice import PASSWORDS

    session = sign_in("desk.amy")
    window = open_desk(qtbot, session)
    window.locker.lock("shortcut")
    qtbot.keyClicks(window.lock_view.password, PASSWORDS["desk.amy"])
    qtbot.keyClick(window.lock_view.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.locker.locked, timeout=15_000)
    assert window.desk is not None


def test_lock_and_unlock_are_audited(qtbot: Any, sign_in: Any) -> None:
    from medspa_desk.records import AuditAction

    session = sign_in("desk.amy")
    window = open_desk(qtbot, session)
    window.locker.lock("shortcut")
    window.locker.try_pin("1111")
    qtbot.waitUntil(lambda: "Unlocking" not in window.lock_view.message.text(), timeout=10_000)
    window.locker.try_pin("2468")
    qtbot.waitUntil(lambda: not window.locker.locked, timeout=10_000)
    events = db_worker().run_sync(lambda store: store.audit.events(limit=10_000))
    trail = [e.action for e in events
             if e.action in {AuditAction.LOCK, AuditAction.UNLOCK_FAILED, AuditAction.UNLOCK}]
    assert trail == [AuditAction.LOCK, AuditAction.UNLOCK_FAILED, AuditAction.UNLOCK]
    assert all(e.actor_user_id == session.user.id for e in events if e.action in trail)


def test_sign_out_from_the_lock_view_closes_the_store(qtbot: Any, sign_in: Any) -> None:
    session = sign_in("desk.amy")
    window = open_desk(qtbot, session)
    window.locker.lock("shortcut")
    with qtbot.waitSignal(window.signed_out, timeout=5000):
        window.lock_view.leave.click()
    assert session.store is None and not session.pin_available


def test_the_idle_lock_follows_the_practice_policy_synced_with_the_location(sign_in: Any) -> None:
    from ui.lock import LockPolicy

    session = sign_in("desk.amy")
    assert session.location.idle_lock_minutes == 7  # set by the practice, not on this desk
    assert LockPolicy.of(session).idle_ms == 7 * 60_000


def test_a_lock_behind_a_long_database_job_shows_locking_without_phi_then_unlocks(
        qtbot: Any, sign_in: Any, practice: Any) -> None:
    session = sign_in("desk.amy")
    window = open_desk(qtbot, session)
    open_profile(qtbot, window, practice.known[0].id)
    assert phi_found(practice.phi_markers), "the walk must see PHI while the desk is open"
    started, release = threading.Event(), threading.Event()

    def long_job(_store: Any) -> None:  # a report or a bulk import holding the database worker
        started.set()
        release.wait(10)

    db_worker().submit(long_job, done=lambda _outcome: None)
    assert started.wait(5)

    window.locker.lock("shortcut")  # returns while the worker is still busy
    settle_deletes()

    view = window.lock_view
    assert window.locker.locked and window.locker.locking and view.locking
    assert view.isVisible() and view.message.text() == LOCKING
    assert not any(control.isEnabled() for control in (view.pin, view.password, view.unlock, view.leave))
    assert phi_found(practice.phi_markers) == []
    assert window.windowTitle() == "Medspa Desk — Locked"
    assert session.store is not None, "the lock job waits its turn behind the long one"
    window.locker.try_pin("2468")
    assert view.message.text() == STILL_LOCKING and window.locker.locked

    release.set()
    qtbot.waitUntil(lambda: window.locker.ready_to_unlock, timeout=10_000)
    assert session.store is None
    assert view.pin.isEnabled() and view.password.isEnabled() and view.message.text() == ""
    qtbot.keyClicks(view.pin, "2468")
    qtbot.keyClick(view.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.locker.locked, timeout=10_000)
    assert session.store is not None and session.store.is_open


def test_while_locked_the_menus_are_hidden_and_no_shortcut_but_unlock_does_anything(qtbot: Any, sign_in: Any) -> None:
    session = sign_in("desk.amy")
    window = open_desk(qtbot, session)
    assert window.menuBar().isVisible()
    window.locker.lock("shortcut")
    qtbot.waitUntil(lambda: window.locker.ready_to_unlock, timeout=10_000)
    settle_deletes()

    assert not window.menuBar().isVisible() and not window.toolbar.isVisible()
    live = [a.text() for a in window.findChildren(QAction) if a.isEnabled() and a.shortcuts()]
    assert live == []
    for key, modifiers in ((Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier),
                           (Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier),
                           (Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier),
                           (Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier),
                           (Qt.Key.Key_F5, Qt.KeyboardModifier.NoModifier)):
        qtbot.keyClick(window.lock_view, key, modifiers)
    assert window.isVisible() and window.search is None and not bus.privacy_mode
    assert window.locker.locked

    window.locker.try_pin("2468")
    qtbot.waitUntil(lambda: not window.locker.locked, timeout=10_000)
    assert window.menuBar().isVisible() and window.find_action.isEnabled() and window.quit_action.isEnabled()
