"""The platform's D-Bus signals lock the desk: a screen saver on the test's real session bus,
logind on a private bus daemon standing in for the system bus, and no bus at all."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtDBus import QDBusConnection, QDBusMessage

from tests.ui.phi_walk import phi_found
from tests.ui.test_lock import open_desk, open_profile, settle_deletes
from ui.os_session import (
    LOGIN1,
    NETWORK_MANAGER,
    NETWORK_MANAGER_PATH,
    NM_STATE_CONNECTED_GLOBAL,
    SCREEN_LOCK,
    SESSION_LOCK,
    SLEEP,
    OsSessionWatcher,
    login1_session_path,
    os_session_watcher,
)
from ui.qt import QObject, Qt, QTimer

SETTLE_S = 10.0


class PlatformObject(QObject):
    """A desktop service's object (the screen saver, logind): its name and path on a bus, its signals."""

    def __init__(self, connection: QDBusConnection, *, service: str, path: str, interface: str) -> None:
        super().__init__()
        self.connection, self.service, self.path, self.interface = connection, service, path, interface
        # Under dbus-run-session (CI) the name is free; on a developer's desktop its own screen
        # saver may hold it, and the signal then comes from this connection's unique name.
        self.owns_name = connection.registerService(service)
        assert connection.registerObject(path, self), connection.lastError().message()

    def emit(self, member: str, *args: Any) -> None:
        message = QDBusMessage.createSignal(self.path, self.interface, member)
        message.setArguments(list(args))
        assert self.connection.send(message)

    def close(self) -> None:
        self.connection.unregisterObject(self.path)
        if self.owns_name:
            self.connection.unregisterService(self.service)


@pytest.fixture
def platform_watcher(qapp: Any) -> Iterator[OsSessionWatcher]:
    """The app's watcher, started on this test's buses, as ui.app.main starts it."""
    watcher = os_session_watcher()
    watcher.start()
    assert watcher.settled.wait(SETTLE_S)
    yield watcher
    watcher.stop()
    assert not watcher.running, "stop() wakes the listening threads from their sockets"


@pytest.fixture
def system_bus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A bus daemon of our own standing in for the system bus (CI has none)."""
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.skip("dbus-daemon is not installed")
    address = f"unix:path={tmp_path / 'system_bus'}"
    process = subprocess.Popen([daemon, "--session", "--nofork", "--nopidfile", f"--address={address}",
                                "--print-address"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip()
        monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", address)
        yield address
    finally:
        process.terminate()
        process.wait(10)


def test_the_screen_saver_turning_on_locks_the_desk_and_leaves_no_phi(
        qtbot: Any, sign_in: Any, practice: Any, platform_watcher: OsSessionWatcher) -> None:
    assert "screen saver" in platform_watcher.listening
    window = open_desk(qtbot, sign_in("np.rivera"))
    profile = open_profile(qtbot, window, practice.known[0].id)
    profile.tabs.setCurrentWidget(profile.treatments)
    qtbot.waitUntil(lambda: profile.treatments.topLevelItemCount() > 0, timeout=5000)
    assert phi_found(practice.phi_markers), "the walk must see PHI while the desk is open"
    screen_saver = PlatformObject(QDBusConnection.sessionBus(), service="org.freedesktop.ScreenSaver",
                                   path="/org/freedesktop/ScreenSaver", interface="org.freedesktop.ScreenSaver")
    try:
        with qtbot.waitSignal(window.locker.did_lock, timeout=10_000) as locked:
            screen_saver.emit("ActiveChanged", True)
    finally:
        screen_saver.close()
    settle_deletes()

    assert locked.args == [SCREEN_LOCK]
    assert window.locker.locked and window.lock_view is not None and window.lock_view.isVisible()
    assert phi_found(practice.phi_markers) == []


def test_gnome_screen_saver_locks_too_and_turning_off_does_not_unlock(
        qtbot: Any, sign_in: Any, platform_watcher: OsSessionWatcher) -> None:
    window = open_desk(qtbot, sign_in("desk.amy"))
    gnome = PlatformObject(QDBusConnection.sessionBus(), service="org.gnome.ScreenSaver",
                            path="/org/gnome/ScreenSaver", interface="org.gnome.ScreenSaver")
    try:
        gnome.emit("ActiveChanged", False)  # the screen saver going off is not an unlock
        with qtbot.waitSignal(window.locker.did_lock, timeout=10_000) as locked:
            gnome.emit("ActiveChanged", True)
        gnome.emit("ActiveChanged", False)
        qtbot.wait(300)
    finally:
        gnome.close()
    assert locked.args == [SCREEN_LOCK]
    assert window.locker.locked


def test_logind_sleep_and_session_lock_lock_the_desk_and_resume_runs_the_wall_clock_check(
        qtbot: Any, sign_in: Any, system_bus: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_SESSION_ID", "2")
    logind = QDBusConnection.connectToBus(system_bus, "fake-logind")
    assert logind.isConnected(), logind.lastError().message()
    manager = PlatformObject(logind, service=LOGIN1, path="/org/freedesktop/login1",
                             interface="org.freedesktop.login1.Manager")
    assert manager.owns_name  # our own bus daemon: the watcher listens to logind's name only
    ours = PlatformObject(logind, service=LOGIN1 + ".Session2", path=login1_session_path("2"),
                          interface="org.freedesktop.login1.Session")
    theirs = PlatformObject(logind, service=LOGIN1 + ".Session3", path=login1_session_path("3"),
                            interface="org.freedesktop.login1.Session")
    watcher = os_session_watcher()
    watcher.start()
    try:
        assert watcher.settled.wait(SETTLE_S)
        assert {"sleep", "session lock"} <= watcher.listening
        window = open_desk(qtbot, sign_in("desk.amy"))

        with qtbot.waitSignal(window.locker.did_lock, timeout=10_000) as locked:
            theirs.emit("Lock")  # another person's session on this machine: not ours to act on
            manager.emit("PrepareForSleep", True)
        assert locked.args == [SLEEP]  # signals arrive in order: the other session's Lock did nothing
        with qtbot.waitSignal(watcher.system_did_resume, timeout=10_000):
            manager.emit("PrepareForSleep", False)

        window.locker.try_pin("2468")
        qtbot.waitUntil(lambda: not window.locker.locked, timeout=10_000)
        with qtbot.waitSignal(window.locker.did_lock, timeout=10_000) as locked:
            ours.emit("Lock")
        assert locked.args == [SESSION_LOCK]
    finally:
        watcher.stop()
        QDBusConnection.disconnectFromBus("fake-logind")


def test_a_system_bus_without_logind_is_one_info_line(
        qapp: Any, system_bus: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv("XDG_SESSION_ID", raising=False)
    caplog.set_level(logging.INFO, logger="ui.os_session")
    watcher = OsSessionWatcher(session_address="")  # the system bus alone
    watcher.start()
    try:
        assert watcher.settled.wait(SETTLE_S)
    finally:
        watcher.stop()
    system_notes = [r.getMessage() for r in caplog.records if r.name == "ui.os_session"
                    and "session bus" not in r.getMessage()]
    assert [n for n in system_notes if "logind" in n] == [
        "logind is not running on the system bus; sleep and session locks are noticed through Qt and "
        "the wall clock only"]
    assert "session lock" not in watcher.listening


def test_network_manager_saying_connected_tells_the_desk_the_network_is_back(
        qtbot: Any, system_bus: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_SESSION_ID", raising=False)
    nm = QDBusConnection.connectToBus(system_bus, "fake-network-manager")
    assert nm.isConnected(), nm.lastError().message()
    manager = PlatformObject(nm, service=NETWORK_MANAGER, path=NETWORK_MANAGER_PATH, interface=NETWORK_MANAGER)
    watcher = OsSessionWatcher(session_address="")  # the system bus alone
    heard: list[str] = []
    watcher.network_did_come_up.connect(lambda: heard.append("up"))
    watcher.start()
    try:
        assert watcher.settled.wait(SETTLE_S)
        assert "network" in watcher.listening
        manager.emit("StateChanged", 20)  # NM_STATE_DISCONNECTED: nothing to do
        with qtbot.waitSignal(watcher.network_did_come_up, timeout=10_000):
            manager.emit("StateChanged", NM_STATE_CONNECTED_GLOBAL)
        assert heard == ["up"]  # signals arrive in order: the disconnect said nothing
    finally:
        watcher.stop()
        manager.close()
        QDBusConnection.disconnectFromBus("fake-network-manager")


def test_login1_session_paths_are_escaped_as_logind_does() -> None:
    assert login1_session_path("2") == "/org/freedesktop/login1/session/_32"
    assert login1_session_path("c12") == "/org/freedesktop/login1/session/c12"
    assert login1_session_path("a-b") == "/org/freedesktop/login1/session/a_2db"


def test_without_any_bus_the_desk_opens_says_so_once_and_ctrl_l_still_locks(
        qtbot: Any, sign_in: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    window = open_desk(qtbot, sign_in("desk.amy"))
    caplog.set_level(logging.INFO, logger="ui.os_session")
    watcher = OsSessionWatcher()
    try:
        with monkeypatch.context() as nowhere:  # only the watcher's view: the keychain needs the real bus
            nowhere.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-session-bus'}")
            nowhere.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={tmp_path / 'no-system-bus'}")
            watcher.start()
            assert watcher.settled.wait(SETTLE_S)
        assert watcher.listening == set()
        assert set(watcher.unavailable) == {"session", "system"}
        notes = [r for r in caplog.records if r.name == "ui.os_session"]
        assert len(notes) == 2 and all(r.levelno == logging.INFO for r in notes)
        assert sorted("session bus" in r.getMessage() for r in notes) == [False, True]
        assert sorted("system bus" in r.getMessage() for r in notes) == [False, True]
        qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        assert window.locker.locked
    finally:
        watcher.stop()


def test_a_bus_that_never_answers_does_not_hold_up_the_gui_thread(
        qtbot: Any, qapp: Any, tmp_path: Path) -> None:
    """A socket that accepts and then says nothing (a hung bus daemon)."""
    path = tmp_path / "silent_bus"
    silent = socket.socket(socket.AF_UNIX)
    silent.bind(str(path))
    silent.listen(4)
    watcher = OsSessionWatcher(session_address=f"unix:path={path}", system_address=f"unix:path={path}")
    ticks: list[int] = []
    try:
        watcher.start()
        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append(1))
        timer.start(10)
        qtbot.waitUntil(lambda: len(ticks) >= 5, timeout=5000)
        timer.stop()
        assert watcher.running and not watcher.settled.is_set()  # still waiting for the bus, off the GUI thread
        # The wait has a limit: the threads give up on the silent bus by themselves.
        qtbot.waitUntil(lambda: not watcher.running, timeout=10_000)
        assert watcher.listening == set()
    finally:
        watcher.stop()
        silent.close()
