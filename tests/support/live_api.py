"""The real central API, over TLS on loopback, for tests and benchmarks.

    with LiveApi.start(tmp_path, backend="sqlite") as api:     # or backend="postgresql"
        user = api.users["front_desk"]
        tokens = api.login("front_desk")                         # a TokenResponse as a dict
        httpx.get(api.url("/sync/changes"), verify=api.ca_path,
                  headers={"Authorization": f"Bearer {tokens['access_token']}"})

What it gives you:

- ``base_url`` (``https://127.0.0.1:<port>``), ``url(path)`` (under /api/v1),
  ``ca_path`` (the trustme CA to pin), ``database_url`` (the app role's URL);
- ``tenant`` (a :class:`TenantSeed`: name, id, location, room, service,
  provider, and ``users`` by role name: front_desk, provider, manager, admin,
  each a :class:`SeededUser` with username, password, totp_secret);
  ``users`` is a shortcut to ``tenant.users``;
- ``totp(role_or_username)``: a code the server has not seen yet (it waits
  for the next 30-second step when two were already used in this one, since
  each code is accepted once); ``login(role)``: sign in and get the tokens;
- ``add_tenant(name)``: a second practice with its own users;
  ``add_user(role)``: one more user in the main practice; ``fresh(role)``:
  the same, returning the username (use it for repeated sign-ins: one user
  can sign in only twice per 30-second TOTP step);
- ``log_path``: the server's log file; ``stop()``.

PostgreSQL runs get a fresh database ``medspa_test_<random>``, an owner role
(migrations) and an app role that is neither owner, superuser nor BYPASSRLS;
``stop()`` drops all three. The server runs in a background thread of this
process (uvicorn with TLS 1.2+); ``LiveApi.start(..., in_subprocess=True)``
runs it instead as ``medspa-api serve`` in a child process (its own core and
GIL, stderr to ``log_path``), which benchmarks use so the load generator does
not share the server's interpreter.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import time as clock
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import psycopg
import pyotp
import uvicorn

from medspa_api.app import create_app
from medspa_api.data.tenants import create_location, create_tenant
from medspa_api.data.users import create_user, reveal_enrolment
from medspa_api.db.database import Database
from medspa_api.logs import LOGGER_NAME, JsonLines
from medspa_api.migrate import upgrade_database
from medspa_api.settings import Settings
from medspa_desk.records import (
    Location,
    OpeningHours,
    Provider,
    ProviderKind,
    Role,
    Room,
    Service,
    ServiceCategory,
)
from medspa_desk.sync.transport import make_ssl_context
from tests.support.tls import make_tls

SUPERUSER_URL = "postgresql://postgres@127.0.0.1:5432/test"
PASSWORDS = {Role.FRONT_DESK: "lilac window harbor 4217", Role.PROVIDER: "copper kettle meadow 9133",
             Role.MANAGER: "violet ferry lantern 5820", Role.ADMIN: "granite orchard pebble 7746"}


@dataclass
class SeededUser:
    id: UUID
    username: str
    password: str
    role: Role
    totp_secret: str
    provider_id: UUID | None = None
    last_counter: int = 0


@dataclass
class TenantSeed:
    name: str
    id: UUID
    location: Location
    room: Room
    service: Service
    provider: Provider
    users: dict[str, SeededUser] = field(default_factory=dict)


@dataclass
class PostgresScratch:
    """A fresh database with an owner role and an unprivileged app role; ``drop()`` removes them."""

    name: str
    owner: str
    app: str

    @classmethod
    def create(cls) -> PostgresScratch:
        suffix = secrets.token_hex(4)
        scratch = cls(f"medspa_test_{suffix}", f"medspa_owner_{suffix}", f"medspa_app_{suffix}")
        with psycopg.connect(SUPERUSER_URL, autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {scratch.owner} LOGIN")
            conn.execute(f"CREATE ROLE {scratch.app} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE")
            conn.execute(f"CREATE DATABASE {scratch.name} OWNER {scratch.owner}")
        with psycopg.connect(scratch.superuser_url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
            conn.execute(f"REVOKE ALL ON SCHEMA public FROM PUBLIC; GRANT ALL ON SCHEMA public TO {scratch.owner}")
        return scratch

    def url_for(self, role: str) -> str:
        return f"postgresql+psycopg://{role}@127.0.0.1:5432/{self.name}"

    @property
    def owner_url(self) -> str:
        return self.url_for(self.owner)

    @property
    def app_url(self) -> str:
        return self.url_for(self.app)

    @property
    def superuser_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:5432/{self.name}"

    def drop(self) -> None:
        with psycopg.connect(SUPERUSER_URL, autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (self.name,))
            conn.execute(f"DROP DATABASE IF EXISTS {self.name}")
            conn.execute(f"DROP ROLE IF EXISTS {self.app}")
            conn.execute(f"DROP ROLE IF EXISTS {self.owner}")


def seed_tenant(db: Database, *, name: str, suffix: str = "") -> TenantSeed:
    """A practice with one location, room, service, provider and a user of each role."""
    hours = tuple(OpeningHours(weekday=d, opens=clock(8), closes=clock(20)) for d in range(7))
    with db.transaction() as conn:
        tenant_id = create_tenant(conn, name=name)
        location = create_location(conn, tenant_id=tenant_id, location=Location(
            name="Main Street", time_zone="America/New_York", opening_hours=hours))
    provider = Provider(display_name="Injector One", credentials="NP", kind=ProviderKind.INJECTOR)
    seed = TenantSeed(name=name, id=tenant_id, location=location,
                      room=Room(location_id=location.id, name="Room 1"),
                      service=Service(name="Neurotoxin", category=ServiceCategory.NEUROTOXIN, duration_min=30,
                                      requires_intake=False),
                      provider=provider)
    with db.transaction(tenant_id) as conn:
        from medspa_api.data.changes import ChangeLog

        log = ChangeLog(conn, tenant_id)
        for record in (seed.room, seed.service, seed.provider):
            log.save(record, is_new=True)
        log.finish()
    for role in Role:
        add_user(db, seed=seed, role=role, username=f"{role.value.replace('_', '')}{suffix}")
    return seed


def add_user(db: Database, *, seed: TenantSeed, role: Role, username: str) -> SeededUser:
    provider_id = seed.provider.id if role is Role.PROVIDER else None
    with db.transaction(seed.id) as conn:
        made = create_user(conn, tenant_id=seed.id, tenant_name=seed.name, username=username,
                           display_name=username.title(), role=role, password=PASSWORDS[role],
                           provider_id=provider_id)
        # Enrolled as the person would be: the waiting secret given out once (POST /auth/enrolment does the
        # same after the password check); the first sign-in with a code from it confirms it.
        secret = reveal_enrolment(conn, tenant_id=seed.id, user_id=made.id)
    assert secret is not None
    user = SeededUser(id=made.id, username=username, password=PASSWORDS[role], role=role,
                      totp_secret=secret, provider_id=provider_id)
    seed.users.setdefault(role.value, user)
    seed.users[username] = user
    return user


class LiveApi:
    def __init__(self, workdir: Path, *, backend: str = "sqlite", settings_overrides: dict[str, Any] | None = None) -> None:
        self.workdir = workdir
        self.backend = backend
        self.scratch: PostgresScratch | None = None
        self.tls = make_tls(workdir / "tls")
        self.ca_path = str(self.tls.ca_path)
        self.log_path = workdir / "server.log"
        if backend == "postgresql":
            self.scratch = PostgresScratch.create()
            self.database_url = self.scratch.app_url
            upgrade_database(self.scratch.owner_url, app_role=self.scratch.app)
        elif backend == "sqlite":
            self.database_url = f"sqlite:///{workdir / 'api.db'}"
            upgrade_database(self.database_url)
        else:
            raise ValueError(f"backend must be sqlite or postgresql, not {backend!r}")
        self.settings = Settings(database_url=self.database_url, secret_key=secrets.token_urlsafe(48),
                                 environment="test", **(settings_overrides or {}))
        self.database = Database(self.database_url)
        self.tenant = seed_tenant(self.database, name="Glow Aesthetics")
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._log_handler: logging.Handler | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self.port = 0

    @classmethod
    def start(cls, workdir: Path, *, backend: str = "sqlite", in_subprocess: bool = False, **kwargs: Any) -> LiveApi:
        api = cls(workdir, backend=backend, **kwargs)
        try:
            if in_subprocess:
                if kwargs.get("settings_overrides"):
                    raise ValueError("settings_overrides apply only to the in-process server")
                api._serve_in_subprocess()
            else:
                api._serve()
        except BaseException:
            api.stop()
            raise
        return api

    @property
    def users(self) -> dict[str, SeededUser]:
        return self.tenant.users

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.base_url}/api/v1{path}"

    def _serve(self) -> None:
        handler = logging.FileHandler(self.log_path)
        handler.setFormatter(JsonLines())
        logger = logging.getLogger(LOGGER_NAME)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        self._log_handler = handler
        app = create_app(self.settings, database=self.database)
        config = uvicorn.Config(app, host="127.0.0.1", port=0, ssl_certfile=str(self.tls.cert_path),
                                ssl_keyfile=str(self.tls.key_path), ssl_version=ssl.PROTOCOL_TLS_SERVER,
                                log_level="warning", access_log=False, lifespan="on",
                                timeout_keep_alive=30, backlog=2048, server_header=False,
                                **self.settings.forwarded_options(),
                                # Parked long-polls would hold a graceful shutdown for their whole wait.
                                timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="live-api", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the live API did not start; see the server log")
            time.sleep(0.02)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]

    def _serve_in_subprocess(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        env = {**os.environ, "MEDSPA_API_DATABASE_URL": self.database_url,
               "MEDSPA_API_SECRET_KEY": self.settings.secret_key, "MEDSPA_API_ENV": self.settings.environment}
        log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "medspa_api.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--cert", str(self.tls.cert_path), "--key", str(self.tls.key_path)],
            stdout=log, stderr=log, env=env, cwd=Path(__file__).resolve().parents[2])
        log.close()
        deadline = time.monotonic() + 60
        with self.client() as http:
            while True:
                if self._process.poll() is not None:
                    raise RuntimeError(f"the API process exited ({self._process.returncode}); see {self.log_path}")
                try:
                    if http.get(f"{self.base_url}/healthz").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the API process did not answer within a minute; see {self.log_path}")
                time.sleep(0.1)

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts only this server's throwaway CA: the desk's own kind, so a test
        client shared by threads does not race on its ALPN list (``DeskTlsContext``)."""
        return make_ssl_context(ca_path=self.ca_path, pin_ca=True)

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(verify=self.ssl_context(), timeout=30, **kwargs)

    def fresh(self, role: Role) -> str:
        """A new user of ``role``; its username. Signing in as a fresh user never waits for a TOTP step."""
        return self.add_user(role).username

    def totp(self, who: str) -> str:
        """A code for ``who`` (role or username) that has not been used yet."""
        user = self._user(who)
        while True:
            current = int(time.time() // 30)
            counter = max(current, user.last_counter + 1)
            if counter <= current + 1:
                user.last_counter = counter
                return pyotp.TOTP(user.totp_secret).at(counter * 30)
            time.sleep(max(0.05, (current + 1) * 30 - time.time() + 0.05))

    def _user(self, who: str) -> SeededUser:
        for seed in (self.tenant, *getattr(self, "_others", ())):
            if who in seed.users:
                return seed.users[who]
        raise KeyError(f"no seeded user {who!r}")

    def login(self, who: str, *, device_id: UUID | None = None, device_secret: str | None = None,
              tenant: TenantSeed | None = None) -> dict[str, Any]:
        user = self._user(who) if tenant is None else tenant.users[who]
        body = {"tenant": (tenant or self._tenant_of(user)).name, "username": user.username,
                "password": user.password, "totp": self.totp(user.username)}
        if device_id is not None:
            body["device_id"] = str(device_id)
        if device_secret is not None:
            body["device_secret"] = device_secret
        with self.client() as http:
            answer = http.post(self.url("/auth/login"), json=body)
        answer.raise_for_status()
        return answer.json()

    def _tenant_of(self, user: SeededUser) -> TenantSeed:
        for seed in (self.tenant, *getattr(self, "_others", ())):
            if user in seed.users.values():
                return seed
        raise KeyError(user.username)

    def add_tenant(self, name: str) -> TenantSeed:
        seed = seed_tenant(self.database, name=name, suffix="-" + secrets.token_hex(2))
        self._others = (*getattr(self, "_others", ()), seed)
        return seed

    def add_user(self, role: Role, *, username: str | None = None) -> SeededUser:
        return add_user(self.database, seed=self.tenant, role=role,
                        username=username or f"{role.value.replace('_', '')}-{secrets.token_hex(3)}")

    def stop(self) -> None:
        process = getattr(self, "_process", None)
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            self._process = None
        if self._server is not None:
            self._server.should_exit = True
            if self._thread is not None:
                self._thread.join(timeout=15)
            self._server = None
        if self._log_handler is not None:
            logging.getLogger(LOGGER_NAME).removeHandler(self._log_handler)
            self._log_handler.close()
            self._log_handler = None
        self.database.dispose()
        if self.scratch is not None:
            self.scratch.drop()
            self.scratch = None

    def __enter__(self) -> LiveApi:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
