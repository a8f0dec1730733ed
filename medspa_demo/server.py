"""The demo's central API: migrated, seeded with the demo practice, served over TLS on loopback.

``python main.py --demo`` starts this in a child process
(``main.py --serve-demo DIR``, or ``python -m medspa_demo.server DIR``): SQLite
in a temporary folder, a throwaway TLS certificate authority made with trustme,
uvicorn in a background thread of that process. (In the desk's own process,
building each page of the first sync held the interpreter lock against the
window: heartbeat gaps of 100-200 ms on a 2-core machine.) The child prints
one line saying where it serves and ends when its standard input closes: the
app closing the pipe to it, or the app's process ending.

The desk's side (``ui.demo``) never imports this module: it reads the line.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import re
import secrets
import ssl
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medspa_demo.model import Scale

log = logging.getLogger(__name__)

DEMO_TENANT = "Glow Aesthetics"
# Every demo user's password (demo only; it passes the server's password rules).
DEMO_PASSWORD = "velvet-harbor-lantern-42"  # noqa: S105 (the demo's published password)
SERVER_START_TIMEOUT_S = 30.0
# The one line the child prints once it serves (then JSON), and the line it prints instead when
# the request is wrong (then a plain sentence); ``ui.demo.DemoServerProcess`` reads both.
SERVING_MARKER = "medspa-demo-server "
REFUSED_MARKER = "medspa-demo-refused "
# The most of anything a ``--demo-scale`` may ask for (the benchmark practice stays well inside).
SCALE_CEILING = 1_000_000
SCALE_TEXT_LIMIT = 1_000


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
    def start(cls, directory: Path, *, scale: Scale | None = None, tenant: str = DEMO_TENANT,
              password: str = DEMO_PASSWORD) -> DemoServer:
        from medspa_api.app import create_app
        from medspa_api.db.database import Database
        from medspa_api.migrate import upgrade_database
        from medspa_api.settings import Settings
        from medspa_demo.seed import seed_demo

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


def parse_scale(text: str) -> Scale | None:
    """``--demo-scale``'s JSON as a :class:`~medspa_demo.model.Scale`, or None for the demo practice.

    Raises ValueError with a message saying what is wrong and what is accepted.
    """
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


def serve_until_stdin_closes(directory: Path, *, scale_json: str = "", niceness: int = 0) -> int:
    """Start the demo server, say where it is, serve until standard input closes; the exit code.

    Prints one line, :data:`SERVING_MARKER` and JSON (address, CA file,
    practice, password, authenticator secrets), then serves until its standard
    input closes: the app closing the pipe, or the app's process ending. A
    ``scale_json`` it cannot use is refused with :data:`REFUSED_MARKER` and
    the reason, exit code 2, before anything starts.
    """
    try:
        scale = parse_scale(scale_json)
    except ValueError as exc:
        print(REFUSED_MARKER + str(exc), flush=True)
        return 2
    server = DemoServer.start(directory, scale=scale)
    if niceness:
        os.nice(niceness)
    print(SERVING_MARKER + json.dumps({
        "url": server.base_url, "ca": str(server.tls.ca_path), "cert": str(server.tls.cert_path),
        "key": str(server.tls.key_path), "tenant": server.tenant, "password": server.password,
        "secrets": server.secrets}), flush=True)
    sys.stdout = sys.stderr  # nothing else may fill the pipe nobody reads any more
    sys.stdin.read()
    server.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m medspa_demo.server DIR [--scale JSON] [--niceness N]`` (``main.py --serve-demo``)."""
    parser = argparse.ArgumentParser(prog="medspa_demo.server",
                                     description="The demo's central API on loopback, until stdin closes.")
    parser.add_argument("directory", help="a folder for the demo server's database and certificates")
    parser.add_argument("--scale", default="", help='the demo practice\'s sizes, as JSON: {"clients": 3000}')
    parser.add_argument("--niceness", type=int, default=0, choices=range(20), metavar="0-19",
                        help="how much lower than the app this process runs")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    return serve_until_stdin_closes(Path(args.directory), scale_json=args.scale, niceness=args.niceness)


if __name__ == "__main__":
    sys.exit(main())
