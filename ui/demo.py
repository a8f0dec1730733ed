"""``python main.py --demo``: the whole system on this computer, with no set-up.

The demo's central API runs in a child process (``medspa_demo.server``,
started as ``main.py --serve-demo DIR`` or the bundled executable with the same
flag): SQLite in a temporary folder, TLS on loopback, seeded with the demo
practice. This module never imports ``medspa_demo`` nor ``medspa_api``: it
reads the one line the child prints (where it serves, the CA to trust, the
practice, the password and the authenticator secrets) and ends the child by
closing the pipe to it. The desk then signs in to it as the front desk through
the real path: a new workstation folder, the online sign-in with the six-digit
code (the demo knows each demo user's authenticator secret and types the code
itself), the vault and escrow set-up, and the first sync filling the encrypted
cache while a progress bar runs.

Nothing here is used outside the demo and the screenshots: a real desk signs in
through :class:`ui.desk_backend.DeskBackend` against its practice's server.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medspa_desk.sync.errors import TotpRequired
from ui.desk_backend import DeskBackend

log = logging.getLogger(__name__)

DEMO_PIN = "2468"
FRONT_DESK, PROVIDER, MANAGER = "frontdesk", "mpatel", "manager"
TOTP_STEP_S = 30
SERVER_STOP_TIMEOUT_S = 30.0
# The lines medspa_demo.server prints: where it serves (then JSON), or why it will not (a sentence).
SERVING_MARKER = "medspa-demo-server "
REFUSED_MARKER = "medspa-demo-refused "


class DemoRefused(ValueError):
    """The demo server would not start with what it was asked for (the message says why)."""


def _app_command() -> list[str]:
    """How to start this app again: the bundled executable, or this Python with main.py."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, str(Path(__file__).resolve().parents[1] / "main.py")]


def scale_text(scale: Any) -> str:
    """The demo practice's sizes as ``--demo-scale`` JSON: from JSON text as given, or a ``Scale``."""
    if scale is None or isinstance(scale, str):
        return scale or ""
    return json.dumps(dataclasses.asdict(scale))


@dataclass
class DemoServerProcess:
    """The demo's central API (``medspa_demo.server``) in a child process of this app."""

    process: subprocess.Popen[str]
    base_url: str
    ca_path: Path  # the throwaway certificate authority the demo desk trusts
    tenant: str
    password: str
    secrets: dict[str, str]
    _last_counter: dict[str, int] = field(default_factory=dict)
    _codes: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(cls, directory: Path, *, scale: Any = None, niceness: int = 0) -> DemoServerProcess:
        """Start the child and wait until it serves (seeding a big practice takes minutes).

        ``scale`` is a ``medspa_demo.model.Scale``, its JSON text, or None
        for the demo's own practice. Raises :class:`DemoRefused` with the
        child's reason when it will not start with that scale.
        """
        command = [*_app_command(), "--serve-demo", str(directory), "--niceness", str(niceness),
                   "--scale", scale_text(scale)]
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(SERVING_MARKER):
                reach = json.loads(line.removeprefix(SERVING_MARKER))
                break
            if line.startswith(REFUSED_MARKER):
                process.wait(timeout=SERVER_STOP_TIMEOUT_S)
                process.stdout.close()
                raise DemoRefused(line.removeprefix(REFUSED_MARKER).strip())
        else:
            process.wait(timeout=SERVER_STOP_TIMEOUT_S)
            process.stdout.close()
            raise RuntimeError("the demo server did not start; see the messages above")
        return cls(process=process, base_url=reach["url"], ca_path=Path(reach["ca"]), tenant=reach["tenant"],
                   password=reach["password"], secrets=reach["secrets"])

    def totp(self, username: str) -> str | None:
        """A code the server has not seen for ``username`` (each code is accepted once)."""
        import pyotp

        secret = self.secrets.get(username.strip().lower())
        if secret is None:
            return None
        with self._codes:
            while True:
                current = int(time.time() // TOTP_STEP_S)
                counter = max(current, self._last_counter.get(username, 0) + 1)
                if counter <= current + 1:  # the server accepts one step ahead
                    self._last_counter[username] = counter
                    return pyotp.TOTP(secret).at(counter * TOTP_STEP_S)
                time.sleep((current + 1) * TOTP_STEP_S - time.time() + 0.05)

    def stop(self) -> None:
        """Close the pipe (the child stops its server and ends); kill it if it does not."""
        if self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=SERVER_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            log.warning("the demo server did not stop in time; ending it")
            self.process.kill()
            self.process.wait(timeout=SERVER_STOP_TIMEOUT_S)
        if self.process.stdout is not None:
            self.process.stdout.close()


class DemoBackend(DeskBackend):
    """The real sign-in, with the demo typing the six-digit code and setting the demo PIN."""

    def __init__(self, directory: Path, *, server: DemoServerProcess, pin: str | None = DEMO_PIN) -> None:
        super().__init__(directory, ca_path=str(server.ca_path), device_name="demo front desk")
        self.server = server
        self.pin = pin

    def sign_in(self, *, server: str = "", tenant: str = "", username: str, password: str,
                totp: str | None = None) -> Any:
        try:
            session = super().sign_in(server=server, tenant=tenant, username=username, password=password,
                                      totp=totp)
        except TotpRequired:
            code = self.server.totp(username)
            if code is None:
                raise
            session = super().sign_in(server=server, tenant=tenant, username=username, password=password,
                                      totp=code)
        if self.pin:
            session.set_pin(self.pin)
        return session


@dataclass
class DemoSystem:
    """Server, workstation folder and sign-in backend of one demo run."""

    root: Path
    server: DemoServerProcess
    backend: DemoBackend

    @classmethod
    def start(cls, *, scale: Any = None, root: Path | None = None) -> DemoSystem:
        root = Path(root or tempfile.mkdtemp(prefix="medspa-desk-demo-"))
        try:
            server = DemoServerProcess.start(root / "server", scale=scale)
        except (DemoRefused, RuntimeError):
            shutil.rmtree(root, ignore_errors=True)
            raise
        backend = DemoBackend(root / "desk", server=server)
        return cls(root=root, server=server, backend=backend)

    def notes(self) -> list[str]:
        return demo_notes(password=self.server.password)

    def stop(self) -> None:
        self.server.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def demo_notes(*, password: str) -> list[str]:
    return [
        "Demo practice (invented people). The server runs on this computer. Sign in as:",
        f"  front desk: {FRONT_DESK}   provider: {PROVIDER}   manager: {MANAGER}",
        f"  password for each: {password}",
        "The demo types the six-digit code for you. "
        f"Lock with Ctrl+L; unlock with PIN {DEMO_PIN} or the password.",
    ]


def start_demo(*, desk_app: Callable[..., Any], scale: Any = None, sign_in_now: bool = True) -> Any:
    """The demo desk: server up, sign-in window filled in for the front desk, and signing in.

    ``desk_app`` is :class:`ui.app.DeskApp` (passed in, so this module does not import ui.app).
    """
    from ui.qt import QTimer

    print("Starting the demo: central server on this computer, seeding the demo practice…", flush=True)
    system = DemoSystem.start(scale=scale)
    print(f"Demo server at {system.server.base_url}. Signing in as the front desk.", flush=True)
    desk = desk_app(system.backend, server=system.server.base_url, tenant=system.server.tenant,
                    username=FRONT_DESK, password=system.server.password, notes=system.notes(),
                    on_quit=system.stop)
    desk.demo = system
    if sign_in_now:
        QTimer.singleShot(0, desk.sign_in.submit)
    return desk
