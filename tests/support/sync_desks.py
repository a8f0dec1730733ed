"""Workstations for the sync tests (and the sync benchmark): a real vault, SQLCipher store, keychain and engine each.

A :class:`Desk` signs in online through the real API (behind the fault proxy
when one is given), creates its vault and store, and runs a :class:`SyncEngine`
whose refresh tokens rotate into the real keychain. Each desk has its own
:class:`StoreWorker`, as each workstation's app has its database worker: the
store is opened there and the engine's store calls run there. Tests write
through ``desk.write(...)``, a job on the same worker, so their writes and the
engine's never interleave on the one SQLCipher connection; nothing nudges the
engine by hand (the store's outbox watch does, as it does in the app).
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import httpx
import keyring
import pytest
from keyring.backends import SecretService

from medspa_desk.records import Appointment, Client, Record, Role
from medspa_desk.store.actor import Actor
from medspa_desk.store.rows import TABLE_FOR_ENTITY
from medspa_desk.store.store import Store
from medspa_desk.store.worker import StoreWorker
from medspa_desk.sync.api import CentralApi
from medspa_desk.sync.auth import Session, sign_in_online
from medspa_desk.sync.backoff import Backoff
from medspa_desk.sync.credentials import (
    forget_device_proof,
    forget_refresh_token,
    save_device_proof,
    save_refresh_token,
)
from medspa_desk.sync.engine import SyncEngine
from medspa_desk.sync.revocation import wipe_workstation
from medspa_desk.sync.status import SyncCallbacks
from medspa_desk.sync.transport import make_client
from medspa_desk.vault import SecretKey, Vault
from medspa_desk.vault.keychain import forget_device_secret
from tests.support.fault_proxy import FaultProxy
from tests.support.live_api import LiveApi

T = TypeVar("T")
R = TypeVar("R", bound=Record)
DESK_PASSWORD = "desk password for tests 42"
TEST_TIMEOUT = httpx.Timeout(8.0, connect=3.0)


@pytest.fixture
def secret_service() -> None:
    """The real Secret Service keychain (gnome-keyring under scripts/with-keyring.sh)."""
    if not isinstance(keyring.get_keyring(), SecretService.Keyring):
        pytest.skip("needs the Secret Service keychain: run the tests through scripts/with-keyring.sh")


def client_factory(server_url: str, ca_path: str) -> Callable[[], httpx.Client]:
    return functools.partial(make_client, server_url, ca_path=ca_path, pin_ca=True, timeout=TEST_TIMEOUT)


@dataclass
class Desk:
    name: str
    directory: Path
    server_url: str
    vault: Vault
    key: SecretKey
    user_secret: SecretKey
    store: Store
    session: Session
    worker: StoreWorker
    engine: SyncEngine
    events: list[tuple[str, Any]] = field(default_factory=list)
    device_secret: str | None = None  # the workstation's proof, issued at its registration

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.session.user.id, device_id=self.session.device_id, role=self.session.user.role)

    @property
    def database_path(self) -> Path:
        return self.directory / "desk.db"

    def write(self, task: Callable[[Store], T]) -> T:
        """A local write on the desk's store worker; the store's outbox watch wakes the engine."""
        return self.engine.with_store(task)

    def read(self, task: Callable[[Store], T]) -> T:
        return self.engine.with_store(task)

    def wipe(self, _why: Any = None) -> Any:
        return wipe_workstation(database_path=self.database_path, keyslot_path=self.vault.path,
                                vault_id=self.vault.vault_id, user_ids=self.vault.users(),
                                server_url=self.server_url)

    def close(self) -> None:
        self.engine.stop()
        self.session.close()
        self.worker.run_sync(lambda _attached: self.store.close())
        self.worker.stop()
        for user in self.vault.users():
            forget_refresh_token(server_url=self.server_url, user_id=user)
        forget_device_secret(self.vault.vault_id)
        forget_device_proof(server_url=self.server_url, device_id=self.session.device_id)
        self.key.wipe()
        self.user_secret.wipe()


def open_desk(live: LiveApi, directory: Path, *, who: str, server_url: str | None = None,
              name: str = "desk", start: bool = True,
              on_request: Callable[[httpx.Request], None] | None = None, worker: StoreWorker | None = None,
              **engine_options: Any) -> Desk:
    """Sign ``who`` (a seeded role or username) in online and set up a workstation in ``directory``.

    ``on_request`` hears each request the engine's HTTP clients send (httpx's own event hook);
    ``worker`` is the desk's store worker (a new one unless given), stopped by :meth:`Desk.close`.
    """
    url = server_url or live.base_url
    factory = client_factory(url, live.ca_path)
    if on_request is not None:
        factory = functools.partial(_hooked_client, factory, on_request)
    api = CentralApi(factory())
    user = live.users[who]
    tokens = sign_in_online(api, tenant=live.tenant.name, username=user.username, password=user.password,
                            totp=live.totp(user.username), device_name=name)
    if tokens.device_secret:  # kept in the keychain, as the app's first sign-in keeps it
        save_device_proof(tokens.device_secret, server_url=url, device_id=tokens.device_id)
    vault, key, user_secret = Vault.create_with_user_secret(directory, user_id=tokens.user.id,
                                                            password=DESK_PASSWORD)
    worker = worker or StoreWorker(name=f"{name}-store-worker")
    store = worker.open(lambda: Store.open(directory / "desk.db", key.buffer, create=True))
    events: list[tuple[str, Any]] = []
    session = Session(api=api, tokens=tokens,
                      keep_refresh_token=functools.partial(save_refresh_token, server_url=url,
                                                           user_id=tokens.user.id, user_secret=user_secret))
    desk = Desk(name=name, directory=directory, server_url=url, vault=vault, key=key,
                user_secret=user_secret, store=store,
                session=session, worker=worker, engine=None, events=events,  # type: ignore[arg-type]
                device_secret=tokens.device_secret)
    callbacks = engine_options.pop("callbacks", None) or SyncCallbacks(
        sync_did_fail=lambda error: events.append(("sync_did_fail", error)),
        sync_did_finish=lambda changes: events.append(("sync_did_finish", changes)),
        changes_did_arrive=lambda changes: events.append(("changes_did_arrive", changes)))
    options: dict[str, Any] = {"backoff": Backoff(first_s=0.2, longest_s=2.0), "poll_wait_s": 2.0,
                               "interval_s": 5.0}
    options.update(engine_options)
    desk.engine = SyncEngine(store, factory, session=session, worker=worker, callbacks=callbacks,
                             on_device_revoked=desk.wipe, **options)
    if start:
        desk.engine.start()
    return desk


@contextmanager
def two_desks(live: LiveApi, proxy: FaultProxy, directory: Path) -> Iterator[tuple[Desk, Desk]]:
    """Desk A (the front desk, reaching the server through ``proxy``, so a test can take it offline)
    and desk B (a manager, straight to the server), each after its first sync; both closed after."""
    a = open_desk(live, directory / "a", who="front_desk", name="A", server_url=proxy.url, interval_s=120.0)
    b = open_desk(live, directory / "b", who="manager", name="B", interval_s=120.0)
    try:
        for desk in (a, b):
            wait_until(lambda d=desk: d.engine.status.last_success_at is not None, timeout_s=30,
                       what=f"desk {desk.name}'s first sync")
        yield a, b
    finally:
        proxy.go_online()
        a.close()
        b.close()


def _hooked_client(factory: Callable[[], httpx.Client], on_request: Callable[[httpx.Request], None]) -> httpx.Client:
    client = factory()
    client.event_hooks["request"].append(on_request)
    return client


def wait_until(condition: Callable[[], bool], *, timeout_s: float = 60.0, what: str = "condition") -> None:
    done = threading.Event()
    deadline = datetime.now(UTC) + timedelta(seconds=timeout_s)
    while not condition():
        if datetime.now(UTC) > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        done.wait(0.05)


def new_client(first: str = "Ada", last: str = "Lovelace") -> Client:
    return Client(first_name=first, last_name=last, birth_date=date(1985, 3, 14))


def booking(live: LiveApi, *, client_id: UUID, starts_at: datetime, minutes: int = 30) -> Appointment:
    seed = live.tenant
    return Appointment(location_id=seed.location.id, client_id=client_id, provider_id=seed.provider.id,
                       room_id=seed.room.id, service_id=seed.service.id, starts_at=starts_at,
                       ends_at=starts_at + timedelta(minutes=minutes))


def next_opening(hour: int = 10, *, days_ahead: int = 2) -> datetime:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("America/New_York")
    day = datetime.now(zone).date() + timedelta(days=days_ahead)
    return datetime(day.year, day.month, day.day, hour, tzinfo=zone)


def held_on(desk: Desk, cls: type[R], record_id: object) -> R | None:
    """The desk's stored copy of a synced record, or None while it has none."""
    table = TABLE_FOR_ENTITY[cls.entity]
    row = desk.read(lambda store: store.connection.execute(
        f"SELECT data FROM {table.name} WHERE id = ?", (str(record_id),)).fetchone())  # noqa: S608 (our table)
    return cls.model_validate_json(row[0]) if row else None


def status_on(desk: Desk, visit_id: object) -> str | None:
    """A visit's status on the desk, as its value (``"booked"``), or None while the desk has none."""
    visit = held_on(desk, Appointment, visit_id)
    return visit.status.value if visit else None


def synced_records(store: Store) -> dict[str, dict[str, Any]]:
    """Every synced record in a desk's cache, by id, without the local-only ``updated_at`` drift."""
    conn = store.connection
    found: dict[str, dict[str, Any]] = {}
    for table in ("clients", "appointments"):
        for record_id, data in conn.execute(f"SELECT id, data FROM {table}").fetchall():  # noqa: S608
            found[record_id] = data
    return found


ROLES_FOR_DESKS = (Role.FRONT_DESK.value, Role.MANAGER.value)


def clients_on_server(live: LiveApi, directory: Path, *, count: int, last_name: str) -> None:
    """``count`` new clients sent to the server through a front-desk workstation's real push."""
    writer = open_desk(live, directory, who="front_desk", start=False)
    try:
        writer.write(lambda store: [store.create_client(new_client(f"Client{i}", last_name), actor=writer.actor)
                                    for i in range(count)])
        writer.engine.run_once()
    finally:
        writer.close()


def page_readers(parent: int | None = None) -> list[int]:
    """The sync's page reader helpers running as children of ``parent`` (this process)."""
    parent = parent or os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[-1].split()
            if int(fields[1]) == parent and fields[0] != "Z" and b"medspa_desk.sync.page_parser" in command:
                found.append(int(entry.name))
    return found


def process_alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
