"""The platform's own word that the screen locked or the machine is going to sleep, over D-Bus.

Qt reports only what happens to the app's windows; a desktop that locks its
screen or a laptop that suspends says so on D-Bus:

- session bus: ``ActiveChanged(true)`` on ``org.freedesktop.ScreenSaver``
  (KDE, Xfce, most others) and ``org.gnome.ScreenSaver`` (GNOME);
- system bus (logind): ``PrepareForSleep(true)`` on
  ``org.freedesktop.login1.Manager`` before a suspend or hibernation,
  ``PrepareForSleep(false)`` after the resume, and ``Lock`` on this
  workstation session's ``org.freedesktop.login1.Session`` object
  (``loginctl lock-session``, a screen-lock key handled by logind);
- system bus (NetworkManager): ``StateChanged(70)`` on
  ``org.freedesktop.NetworkManager`` when the machine is connected again
  (``NM_STATE_CONNECTED_GLOBAL``).

Each lock signal becomes :attr:`OsSessionWatcher.screen_did_lock` on the GUI
thread, the resume :attr:`OsSessionWatcher.system_did_resume`, and the network
coming back :attr:`OsSessionWatcher.network_did_come_up` (the main window hands
it to the sync engine, which then pushes at once instead of waiting out its
backoff).

Why jeepney in a thread and not QtDBus: PySide6's QtDBus holds Python's GIL
while it connects (``QDBusConnection.connectToBus``), so a bus that accepts the
connection and never answers freezes the GUI thread as well. jeepney's sockets
release the GIL and its authentication has a time limit; each bus gets its own
daemon thread, and a missing or silent bus costs the app nothing but one log
line. Nothing here waits on the GUI thread.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ui.events import post_to_gui_thread
from ui.qt import QObject, Signal, is_alive

log = logging.getLogger(__name__)

# The bus must authenticate and answer Hello/AddMatch within this (the thread waits, never the GUI).
CONNECT_TIMEOUT_S = 2.0

SCREEN_SAVER_INTERFACES = ("org.freedesktop.ScreenSaver", "org.gnome.ScreenSaver")
LOGIN1 = "org.freedesktop.login1"
LOGIN1_PATH = "/org/freedesktop/login1"
LOGIN1_MANAGER = "org.freedesktop.login1.Manager"
LOGIN1_SESSION = "org.freedesktop.login1.Session"
NETWORK_MANAGER = "org.freedesktop.NetworkManager"
NETWORK_MANAGER_PATH = "/org/freedesktop/NetworkManager"
NM_STATE_CONNECTED_GLOBAL = 70

# Reasons handed to LockController.lock (they reach the log and the audit; no PHI).
SCREEN_LOCK = "screen lock"
SLEEP = "sleep"
SESSION_LOCK = "session lock"


def session_bus_address(environ: dict[str, str] | None = None) -> str | None:
    """The session bus as libdbus would find it: the variable, else ``$XDG_RUNTIME_DIR/bus``."""
    env = os.environ if environ is None else environ
    if env.get("DBUS_SESSION_BUS_ADDRESS"):
        return env["DBUS_SESSION_BUS_ADDRESS"]
    runtime = env.get("XDG_RUNTIME_DIR")
    if runtime and (Path(runtime) / "bus").exists():
        return f"unix:path={Path(runtime) / 'bus'}"
    return None


def system_bus_address(environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return env.get("DBUS_SYSTEM_BUS_ADDRESS") or "unix:path=/var/run/dbus/system_bus_socket"


def login1_session_path(session_id: str) -> str:
    """logind's object path for a session id (systemd's ``bus_label_escape``: ``2`` → ``_32``)."""
    if not session_id:
        return f"{LOGIN1_PATH}/session/_"
    label = "".join(
        ch if (ch.isascii() and ch.isalpha()) or (i > 0 and ch.isascii() and ch.isdigit())
        else "".join(f"_{b:02x}" for b in ch.encode())
        for i, ch in enumerate(session_id))
    return f"{LOGIN1_PATH}/session/{label}"


@dataclass(frozen=True)
class _Watch:
    """One signal this app listens for, and what it means."""

    interface: str
    member: str
    path: str | None = None
    sender: str | None = None

    def rule(self) -> Any:
        from jeepney import MatchRule

        return MatchRule(type="signal", interface=self.interface, member=self.member, path=self.path,
                         sender=self.sender)

    def matches(self, interface: str | None, member: str | None, path: str | None) -> bool:
        # The bus already delivered only what matched a rule; the sender check (a well-known
        # name in the rule, a unique name on the message) is the bus daemon's job.
        return (interface == self.interface and member == self.member
                and (self.path is None or path == self.path))


class OsSessionWatcher(QObject):
    """Listens on the session and system buses for a screen lock, a suspend and a resume.

    :meth:`start` returns at once; the connections are made on two daemon
    threads. :attr:`listening` says what is being watched (for the log and the
    tests), :attr:`unavailable` why a bus is not.
    """

    screen_did_lock = Signal(str)  # SCREEN_LOCK, SLEEP or SESSION_LOCK
    system_did_resume = Signal()
    network_did_come_up = Signal()

    def __init__(self, *, session_address: str | None = None, system_address: str | None = None,
                 session_id: str | None = None) -> None:
        super().__init__()
        self._addresses = {"session": session_address, "system": system_address}
        self._session_id = session_id
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.listening: set[str] = set()
        self.unavailable: dict[str, str] = {}
        self.settled = threading.Event()  # both buses connected or given up
        self._pending = 0

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def start(self) -> None:
        """Connect and listen in the background. A second call while running does nothing."""
        if self.running:
            return
        if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
            return  # no D-Bus desktop: Qt's application state is all there is
        self._stop.clear()
        self.settled.clear()
        self.listening.clear()
        self.unavailable.clear()
        self._pending = 2
        self._threads = [threading.Thread(target=self._listen, args=(bus,), name=f"os-{bus}-bus", daemon=True)
                         for bus in ("session", "system")]
        for thread in self._threads:
            thread.start()

    def stop(self, timeout_s: float = 1.0) -> None:
        """Stop listening; the threads wake from their sockets and end."""
        self._stop.set()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed by its thread
                sock.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout_s)

    # -- on the bus threads --------------------------------------------------

    def _address(self, bus: str) -> str | None:
        given = self._addresses[bus]
        if given is not None:
            return given
        return session_bus_address() if bus == "session" else system_bus_address()

    def _listen(self, bus: str) -> None:
        connection = None
        try:
            connection, watches = self._connect(bus)
        except Exception as exc:
            self._give_up(bus, exc)
        finally:
            self._settle()
        if connection is None:
            return
        try:
            self._receive(connection, watches)
        except Exception as exc:
            if not self._stop.is_set():
                log.info("stopped listening on the D-Bus %s bus (%s); screen locks and sleep are "
                         "still noticed through Qt and the wall clock", bus, type(exc).__name__)
        finally:
            connection.close()

    def _connect(self, bus: str) -> tuple[Any, dict[_Watch, tuple[str, str]]]:
        from jeepney import new_method_call
        from jeepney.bus import get_connectable_addresses
        from jeepney.io.blocking import DBusConnection, Proxy, prep_socket

        address = self._address(bus)
        if not address:
            raise LookupError("no address")
        sock = prep_socket(next(get_connectable_addresses(address)), timeout=CONNECT_TIMEOUT_S)
        with self._lock:
            if self._stop.is_set():
                sock.close()
                raise InterruptedError("stopped")
            self._sockets.append(sock)
        connection = DBusConnection(sock)  # says Hello; a stop() shuts the socket to wake it
        try:
            bus_proxy = Proxy(_message_bus(), connection, timeout=CONNECT_TIMEOUT_S)
            watches = self._watches(bus, connection, new_method_call)
            for watch in watches:
                bus_proxy.AddMatch(watch.rule())
        except BaseException:
            connection.close()
            raise
        self.listening.update(kind for kind, _what in watches.values())
        log.info("listening on the D-Bus %s bus for %s", bus,
                 ", ".join(sorted({kind for kind, _what in watches.values()})))
        return connection, watches

    def _watches(self, bus: str, connection: Any, new_method_call: Any) -> dict[_Watch, tuple[str, str]]:
        if bus == "session":
            return {_Watch(interface, "ActiveChanged"): ("screen saver", SCREEN_LOCK)
                    for interface in SCREEN_SAVER_INTERFACES}
        watches = {_Watch(LOGIN1_MANAGER, "PrepareForSleep", LOGIN1_PATH, LOGIN1): ("sleep", SLEEP),
                   _Watch(NETWORK_MANAGER, "StateChanged", NETWORK_MANAGER_PATH, NETWORK_MANAGER): ("network", "")}
        if not self._login1_running(connection):
            log.info("logind is not running on the system bus; sleep and session locks are noticed "
                     "through Qt and the wall clock only")
            return watches  # PrepareForSleep still, should logind start later
        path = self._login1_session(connection, new_method_call)
        if path:
            watches[_Watch(LOGIN1_SESSION, "Lock", path, LOGIN1)] = ("session lock", SESSION_LOCK)
        return watches

    @staticmethod
    def _login1_running(connection: Any) -> bool:
        from jeepney.io.blocking import Proxy

        try:
            return bool(Proxy(_message_bus(), connection, timeout=CONNECT_TIMEOUT_S).NameHasOwner(LOGIN1)[0])
        except Exception:
            return False

    def _login1_session(self, connection: Any, new_method_call: Any) -> str | None:
        """This app's logind session object: from ``XDG_SESSION_ID``, else asked by our PID."""
        from jeepney import DBusAddress

        session_id = self._session_id if self._session_id is not None else os.environ.get("XDG_SESSION_ID")
        if session_id:
            return login1_session_path(session_id)
        manager = DBusAddress(LOGIN1_PATH, bus_name=LOGIN1, interface=LOGIN1_MANAGER)
        try:
            reply = connection.send_and_get_reply(
                new_method_call(manager, "GetSessionByPID", "u", (os.getpid(),)), timeout=CONNECT_TIMEOUT_S)
        except Exception as exc:
            log.info("no logind session for this app (%s); a session lock is noticed through Qt only",
                     type(exc).__name__)
            return None
        from jeepney import MessageType

        if reply.header.message_type is MessageType.error or not reply.body:
            log.info("no logind session for this app; a session lock is noticed through Qt only")
            return None
        return str(reply.body[0])

    def _receive(self, connection: Any, watches: dict[_Watch, tuple[str, str]]) -> None:
        from jeepney import HeaderFields

        while not self._stop.is_set():
            message = connection.receive()  # no wake-ups while idle; stop() shuts the socket to end this
            fields = message.header.fields
            interface, member = fields.get(HeaderFields.interface), fields.get(HeaderFields.member)
            path = fields.get(HeaderFields.path)
            for watch, (_kind, reason) in watches.items():
                if watch.matches(interface, member, path):
                    self._dispatch(watch, reason, message.body)

    def _dispatch(self, watch: _Watch, reason: str, body: tuple[Any, ...]) -> None:
        if watch.member == "StateChanged":
            if body and body[0] == NM_STATE_CONNECTED_GLOBAL:
                self._post(self.network_did_come_up.emit)
            return
        # Lock has no argument; ActiveChanged(true) and PrepareForSleep(true) mean "locking now".
        if watch.member == "Lock" or (body and body[0] is True):
            self._post(lambda: self.screen_did_lock.emit(reason))
        elif watch.member == "PrepareForSleep" and body and body[0] is False:
            self._post(self.system_did_resume.emit)

    def _post(self, emit: Any) -> None:
        post_to_gui_thread(lambda: emit() if is_alive(self) else None)

    def _give_up(self, bus: str, exc: BaseException) -> None:
        if self._stop.is_set():
            return
        self.unavailable[bus] = type(exc).__name__
        what = "a screen lock" if bus == "session" else "sleep or a session lock"
        log.info("no D-Bus %s bus to listen on (%s); %s is noticed through Qt and the wall clock only",
                 bus, type(exc).__name__, what)

    def _settle(self) -> None:
        with self._lock:
            self._pending -= 1
            if self._pending <= 0:
                self.settled.set()


def _message_bus() -> Any:
    from jeepney.bus_messages import message_bus

    return message_bus


_watcher: OsSessionWatcher | None = None


def os_session_watcher() -> OsSessionWatcher:
    """The app's one watcher (started by ``ui.app.main``; lock controllers connect to it)."""
    global _watcher
    if _watcher is None:
        _watcher = OsSessionWatcher()
    return _watcher
