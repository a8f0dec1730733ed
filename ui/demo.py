"""``python main.py --demo``: the whole system on this computer, with no set-up.

A central API runs in a child process on loopback (``127.0.0.1``, a random
port): SQLite in a temporary folder, a throwaway TLS certificate authority made
with trustme, uvicorn in a background thread of that process. (In the desk's
own process, building each page of the first sync held the interpreter lock
against the window: heartbeat gaps of 100-200 ms on a 2-core machine.) The
child ends when the app closes the pipe to it, or dies. It is seeded with the demo practice
(``medspa_desk.demo_data`` through the API's own ``seed_demo``). The desk then
signs in to it as the front desk through the real path: a new workstation
folder, the online sign-in with the six-digit code (the demo knows each demo
user's authenticator secret and types the code itself), the vault and escrow
set-up, and the first sync filling the encrypted cache while a progress bar runs.

Nothing here is used outside the demo and the screenshots: a real desk signs in
through :class:`ui.desk_backend.DeskBackend` against its practice's server.
``make_tls`` and ``serve_in_thread`` are the small start-up pieces a test
harness can share.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import secrets
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medspa_desk.sync.errors import TotpRequired
from ui.desk_backend import DeskBackend

log = logging.getLogger(__name__)

DEMO_TENANT = "Glow Aesthetics"
# Every demo user's password (demo only; it passes the server's password rules).
DEMO_PASSWORD = "velvet-harbor-lantern-42"  # noqa: S105 (the demo's published password)
DEMO_PIN = "2468"
FRONT_DESK, PROVIDER, MANAGER = "frontdesk", "mpatel", "manager"
SERVER_START_TIMEOUT_S = 30.0
TOTP_STEP_S = 30


# --- the pieces: a throwaway CA, and uvicorn in a thread ---------------------------------


@dataclass(frozen=True)
class TlsFiles:
    ca_path: Path  # the CA certificate the desk trusts
    cert_path: Path  # the server's certificate chain
    key_path: Path  # the server's private key


def make_tls(directory: Path, *, names: tuple[str, ...] = ("127.0.0.1", "localhost")) -> TlsFiles:
    """A new certificate authority and a server certificate for loopback, written to ``directory``."""
    import trustme

    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    ca = trustme.CA()
    server = ca.issue_cert(*names)
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server-key.pem")
    ca.cert_pem.write_to_path(str(files.ca_path))
    server.private_key_pem.write_to_path(str(files.key_path))
    files.key_path.chmod(0o600)
    files.cert_path.write_bytes(b"".join(blob.bytes() for blob in server.cert_chain_pems))
    return files


@dataclass
class RunningServer:
    """An ASGI app served over TLS on loopback from a background thread."""

    server: Any
    thread: threading.Thread
    port: int

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def stop(self, *, timeout_s: float = 15.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=timeout_s)


def serve_in_thread(app: Any, *, tls: TlsFiles, name: str = "demo-api") -> RunningServer:
    """Start uvicorn (TLS 1.2+) on 127.0.0.1 and a free port; return once it accepts connections."""
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, ssl_certfile=str(tls.cert_path),
                            ssl_keyfile=str(tls.key_path), ssl_version=ssl.PROTOCOL_TLS_SERVER,
                            log_level="warning", log_config=None, access_log=False, lifespan="on",
                            timeout_keep_alive=30)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the demo server did not start; see the log")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    return RunningServer(server=server, thread=thread, port=port)


# --- the demo server: migrated, seeded, serving -------------------------------------------


def totp_secrets(summary: str) -> dict[str, str]:
    """Username → authenticator secret, from the enrolment links ``seed_demo`` prints."""
    import pyotp

    found = {}
    for username, uri in re.findall(r"(\S+): (otpauth://\S+)", summary):
        found[username] = pyotp.parse_uri(uri).secret
    return found


@dataclass
class DemoServer:
    """The central API with the demo practice, on loopback, for as long as the demo runs."""

    directory: Path
    tls: TlsFiles
    running: RunningServer
    database: Any
    tenant: str
    password: str
    secrets: dict[str, str]

    @classmethod
    def start(cls, directory: Path, *, scale: Any = None, tenant: str = DEMO_TENANT,
              password: str = DEMO_PASSWORD) -> DemoServer:
        from medspa_api.app import create_app
        from medspa_api.db.database import Database
        from medspa_api.demo import seed_demo
        from medspa_api.migrate import upgrade_database
        from medspa_api.settings import Settings

        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        url = f"sqlite:///{directory / 'central-api.db'}"
        upgrade_database(url)
        database = Database(url)
        summary = seed_demo(database, tenant_name=tenant, password=password, scale=scale)
        settings = Settings(database_url=url, secret_key=secrets.token_urlsafe(48), environment="demo")
        tls = make_tls(directory / "tls")
        running = serve_in_thread(create_app(settings, database=database), tls=tls)
        log.info("demo server on port %s", running.port)
        return cls(directory=directory, tls=tls, running=running, database=database, tenant=tenant,
                   password=password, secrets=totp_secrets(summary))

    @property
    def base_url(self) -> str:
        return self.running.base_url

    def stop(self) -> None:
        self.running.stop()
        self.database.dispose()


SERVING_MARKER = "medspa-demo-server "
SERVER_STOP_TIMEOUT_S = 30.0


def serve_until_stdin_closes(directory: Path, *, scale_json: str = "", niceness: int = 0) -> None:
    """The child's side (``main.py --serve-demo DIR``): start the demo server, say where it is, serve.

    Prints one line, :data:`SERVING_MARKER` and JSON (address, CA file,
    practice, password, authenticator secrets), then serves until its standard
    input closes: the app closing the pipe, or the app's process ending.
    """
    server = DemoServer.start(directory, scale=parse_scale(scale_json))
    if niceness:
        os.nice(niceness)
    print(SERVING_MARKER + json.dumps({
        "url": server.base_url, "ca": str(server.tls.ca_path), "cert": str(server.tls.cert_path),
        "key": str(server.tls.key_path), "tenant": server.tenant, "password": server.password,
        "secrets": server.secrets}), flush=True)
    sys.stdout = sys.stderr  # nothing else may fill the pipe nobody reads any more
    sys.stdin.read()
    server.stop()


# The most of anything a ``--demo-scale`` may ask for (the benchmark practice stays well inside).
SCALE_CEILING = 1_000_000
SCALE_TEXT_LIMIT = 1_000


def parse_scale(text: str) -> Any:
    """``--demo-scale``'s JSON as a :class:`~medspa_desk.demo_data.Scale`, or None for the demo practice.

    Raises ValueError with a message saying what is wrong and what is accepted.
    """
    from medspa_desk.demo_data import Scale

    if not text:
        return None
    if len(text) > SCALE_TEXT_LIMIT:
        raise ValueError(f"--demo-scale is longer than {SCALE_TEXT_LIMIT} characters; name only the sizes to change")
    accepted = {f.name: str(f.type) for f in dataclasses.fields(Scale)}  # "int", "int | None", "bool"
    try:
        asked = json.loads(text)
    except ValueError:
        asked = None
    if not isinstance(asked, dict):
        raise ValueError('--demo-scale must be a JSON object such as {"clients": 3000}')
    unknown = sorted(set(asked) - set(accepted))
    if unknown:
        raise ValueError(f"--demo-scale does not know {', '.join(unknown)}; it knows {', '.join(accepted)}")
    for name, value in asked.items():
        wanted_bool = "bool" in accepted[name]
        may_be_none = "None" in accepted[name]
        if wanted_bool != isinstance(value, bool) or not (wanted_bool or (value is None and may_be_none) or (
                isinstance(value, int) and 0 <= value <= SCALE_CEILING)):
            kind = "true or false" if wanted_bool else f"a whole number from 0 to {SCALE_CEILING:,}"
            raise ValueError(f"--demo-scale's {name} must be {kind}")
    return Scale(**asked)


def _app_command() -> list[str]:
    """How to start this app again: the bundled executable, or this Python with main.py."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, str(Path(__file__).resolve().parents[1] / "main.py")]


@dataclass
class DemoServerProcess:
    """The demo server (:class:`DemoServer`) in a child process of this app."""

    process: subprocess.Popen[str]
    base_url: str
    tls: TlsFiles
    tenant: str
    password: str
    secrets: dict[str, str]
    _last_counter: dict[str, int] = field(default_factory=dict)
    _codes: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(cls, directory: Path, *, scale: Any = None, niceness: int = 0) -> DemoServerProcess:
        """Start the child and wait until it serves (seeding a big practice takes minutes)."""
        command = [*_app_command(), "--serve-demo", str(directory), "--demo-niceness", str(niceness)]
        if scale is not None:
            command += ["--demo-scale", json.dumps(dataclasses.asdict(scale))]
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(SERVING_MARKER):
                reach = json.loads(line.removeprefix(SERVING_MARKER))
                break
        else:
            process.wait(timeout=SERVER_STOP_TIMEOUT_S)
            raise RuntimeError("the demo server did not start; see the messages above")
        tls = TlsFiles(Path(reach["ca"]), Path(reach["cert"]), Path(reach["key"]))
        return cls(process=process, base_url=reach["url"], tls=tls, tenant=reach["tenant"],
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
        super().__init__(directory, ca_path=str(server.tls.ca_path), device_name="demo front desk")
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
        server = DemoServerProcess.start(root / "server", scale=scale)
        backend = DemoBackend(root / "desk", server=server)
        return cls(root=root, server=server, backend=backend)

    def notes(self) -> list[str]:
        return demo_notes(password=self.server.password)

    def stop(self) -> None:
        self.server.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def seed_offline_workstation(directory: Path, *, records: Any, users: list[Any], location_id: Any,
                             passwords: dict[str, str]) -> None:
    """A workstation folder as a first sync would leave it: vault, settings, store with ``records``.

    For tests and benchmarks that need a big practice on the desk without
    syncing it. Every user holds a keyslot, so ``medspa_desk.session.sign_in``
    opens a real ``DeskSession`` from the keyslot, offline (no refresh token is
    kept, so no sync engine starts).
    """
    from medspa_desk.store import Store
    from medspa_desk.vault import Vault
    from medspa_desk.workstation import Workstation, WorkstationConfig

    workstation = Workstation(directory)
    first, *others = users
    vault, key = Vault.create(directory, user_id=first.id, password=passwords[first.username])
    try:
        for user in others:
            vault.enroll(user.id, passwords[user.username], key=key)
        with Store.open(workstation.database_path, key.buffer, create=True) as store:
            store.import_records(records)
    finally:
        key.wipe()
    config = WorkstationConfig(server_url="https://desk.example-spa.com", tenant=DEMO_TENANT,
                               vault_id=vault.vault_id, location_id=location_id)
    for user in users:
        config = config.with_user(user.username, user.id)
    workstation.save(config)


def demo_notes(*, password: str) -> list[str]:
    return [
        "Demo practice (invented people). The server runs on this computer. Sign in as:",
        f"  front desk: {FRONT_DESK}   provider: {PROVIDER}   manager: {MANAGER}",
        f"  password for each: {password}",
        "The demo types the six-digit code for you. "
        f"Lock with Ctrl+L; unlock with PIN {DEMO_PIN} or the password.",
    ]


def start_demo(*, scale: Any = None, sign_in_now: bool = True) -> Any:
    """The demo desk: server up, sign-in window filled in for the front desk, and signing in."""
    from ui.app import DeskApp
    from ui.qt import QTimer

    print("Starting the demo: central server on this computer, seeding the demo practice…", flush=True)
    system = DemoSystem.start(scale=scale)
    print(f"Demo server at {system.server.base_url}. Signing in as the front desk.", flush=True)
    desk = DeskApp(system.backend, server=system.server.base_url, tenant=system.server.tenant,
                   username=FRONT_DESK, password=system.server.password, notes=system.notes(),
                   on_quit=system.stop)
    desk.demo = system
    if sign_in_now:
        QTimer.singleShot(0, desk.sign_in.submit)
    return desk
