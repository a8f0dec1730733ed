"""More ``medspa-api serve`` processes beside a live API, and the real balancer and pooler in front.

``ServerProcess`` is a real server process on the live API's database (or on
a pooler in front of it); ``PgBouncer`` and ``HaProxy`` are the Debian
packages' daemons, each with a configuration written for the test on
loopback and a port of its own.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.live_api import LiveApi

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(condition, *, what: str, log: Path, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not happen within {timeout_s:.0f} s; see {log}:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL: the process ends mid-whatever, as a crashed or unplugged server does."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def is_listening_for_notices(self) -> bool:
        return b"change_notices_listening" in self.log_path.read_bytes()


def start_server_process(api: LiveApi, *, database_url: str | None = None, env: dict[str, str] | None = None,
                         listening: bool = True, port: int | None = None) -> ServerProcess:
    """A ``medspa-api serve`` on ``api``'s database (or ``database_url``), answering /healthz."""
    port = port or free_port()
    environ = {**os.environ, "MEDSPA_API_DATABASE_URL": database_url or api.database_url,
               "MEDSPA_API_SECRET_KEY": api.settings.secret_key, "MEDSPA_API_ENV": api.settings.environment,
               **(env or {})}
    log_path = api.workdir / f"server-{port}.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "medspa_api.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--cert", str(api.tls.cert_path), "--key", str(api.tls.key_path)],
            stdout=log, stderr=log, env=environ, cwd=REPO)
    server = ServerProcess(process=process, port=port, log_path=log_path)
    try:
        with api.client() as http:
            def healthy() -> bool:
                if process.poll() is not None:
                    raise RuntimeError(f"the server process exited; see {log_path}:\n{log_path.read_text()[-3000:]}")
                try:
                    return http.get(f"{server.base_url}/healthz").status_code == 200
                except httpx.TransportError:
                    return False

            _wait_for(healthy, what="the server process answering", log=log_path)
        if listening:
            _wait_for(server.is_listening_for_notices, what="LISTEN for change notices", log=log_path)
    except BaseException:
        server.stop()
        raise
    return server


@contextmanager
def server_process(api: LiveApi, **kwargs: object) -> Iterator[ServerProcess]:
    server = start_server_process(api, **kwargs)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()


def _daemon(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if path is None:
        raise RuntimeError(f"{name} is not installed; `make setup` installs the Debian package {name}")
    return path


@contextmanager
def pgbouncer(api: LiveApi) -> Iterator[str]:
    """PgBouncer in transaction mode in front of ``api``'s PostgreSQL database; the app's URL through it."""
    assert api.scratch is not None, "PgBouncer stands in front of PostgreSQL"
    # PgBouncer refuses to run as root: as root, it runs as postgres in a folder of its own.
    folder = Path(tempfile.mkdtemp(prefix="medspa-pgbouncer-"))
    as_root = os.geteuid() == 0
    port = free_port()
    database, role = api.scratch.name, api.scratch.app
    (folder / "pgbouncer.ini").write_text(f"""[databases]
{database} = host=127.0.0.1 port=5432 dbname={database} user={role}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = 10
max_client_conn = 500
ignore_startup_parameters = extra_float_digits
logfile = {folder / 'pgbouncer.log'}
pidfile = {folder / 'pgbouncer.pid'}
""")
    (folder / "pgbouncer.log").touch()
    if as_root:
        owner = pwd.getpwnam("postgres")
        for path in (folder, *folder.iterdir()):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    process = subprocess.Popen([_daemon("pgbouncer"), str(folder / "pgbouncer.ini")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                               user="postgres" if as_root else None)
    try:
        def accepting() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"pgbouncer exited:\n{(folder / 'pgbouncer.log').read_text()[-3000:]}")
            with socket.socket() as probe:
                return probe.connect_ex(("127.0.0.1", port)) == 0

        _wait_for(accepting, what="pgbouncer accepting", log=folder / "pgbouncer.log", timeout_s=30)
        yield f"postgresql://{role}@127.0.0.1:{port}/{database}"
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Balancer:
    url: str
    stats_socket: Path

    def is_up(self, index: int) -> bool:
        """Whether HAProxy's health checks have the ``index``-th backend in service."""
        with socket.socket(socket.AF_UNIX) as stats:
            stats.connect(str(self.stats_socket))
            stats.sendall(b"show stat\n")
            answer = b""
            while chunk := stats.recv(65536):
                answer += chunk
        for line in answer.decode().splitlines():
            fields = line.split(",")
            if len(fields) > 17 and fields[0] == "api" and fields[1] == f"api{index}":
                return fields[17] == "UP"
        return False


@contextmanager
def haproxy(api: LiveApi, backends: list[ServerProcess]) -> Iterator[Balancer]:
    """HAProxy passing TLS through (TCP mode) to ``backends``, round robin, checking each often."""
    folder = api.workdir / f"haproxy-{free_port()}"
    folder.mkdir()
    port = free_port()
    servers = "\n".join(f"    server api{i} 127.0.0.1:{b.port} check inter 200ms fall 1 rise 2"
                        for i, b in enumerate(backends))
    (folder / "haproxy.cfg").write_text(f"""global
    maxconn 2000
    stats socket {folder / 'stats.sock'} level user

defaults
    mode tcp
    timeout connect 2s
    timeout client 10m
    timeout server 10m
    retries 3
    option redispatch

frontend desks
    bind 127.0.0.1:{port}
    default_backend api

backend api
    balance roundrobin
{servers}
""")
    log = folder / "haproxy.log"
    with log.open("ab") as out:
        process = subprocess.Popen([_daemon("haproxy"), "-db", "-f", str(folder / "haproxy.cfg")],
                                   stdout=out, stderr=out)
    balancer = Balancer(url=f"https://127.0.0.1:{port}", stats_socket=folder / "stats.sock")
    try:
        def ready() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"haproxy exited:\n{log.read_text()[-3000:]}")
            return balancer.stats_socket.exists() and all(balancer.is_up(i) for i in range(len(backends)))

        _wait_for(ready, what="haproxy with every backend up", log=log, timeout_s=30)
        yield balancer
    finally:
        process.terminate()
        process.wait(10)
