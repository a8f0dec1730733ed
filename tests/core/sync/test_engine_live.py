"""The engine against the real central API over TLS: push, pull, notice, status."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

import pytest

from medspa_desk.protocol import MAX_CLOCK_SKEW_S
from medspa_desk.records import utc_now
from medspa_desk.store.store import Store
from medspa_desk.store.worker import Outcome, StoreWorker
from medspa_desk.sync.api import CentralApi
from medspa_desk.sync.auth import Session, sign_in_online
from medspa_desk.sync.credentials import load_refresh_token, refresh_token_entry
from medspa_desk.sync.engine import UNEXPECTED_TROUBLE
from medspa_desk.sync.errors import (
    ClockSkew,
    DeviceRevoked,
    ServerTrouble,
    SignInNeeded,
    SyncCancelled,
    TotpRequired,
)
from medspa_desk.sync.escrow import deposit_escrow, enroll_from_escrow
from medspa_desk.sync.status import Progress, SyncCallbacks, SyncStatus
from medspa_desk.vault import Vault
from medspa_desk.vault.keychain import device_secret_entry
from tests.support.live_api import LiveApi
from tests.support.sync_desks import Desk, client_factory, new_client, open_desk, wait_until

T = TypeVar("T")


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveApi]:
    with LiveApi.start(tmp_path / "api") as api:
        yield api


@pytest.fixture
def two_desks(live: LiveApi, tmp_path: Path, secret_service: None) -> Iterator[tuple[Desk, Desk]]:
    first = open_desk(live, tmp_path / "a", who="front_desk", name="Front desk A")
    second = open_desk(live, tmp_path / "b", who="manager", name="Office B")
    yield first, second
    first.close()
    second.close()


def test_a_client_saved_on_one_desk_reaches_the_other(two_desks: tuple[Desk, Desk]) -> None:
    a, b = two_desks
    client = new_client()
    a.write(lambda store: store.create_client(client, actor=a.actor))
    wait_until(lambda: b.read(lambda store: store.connection.execute(
        "SELECT count(*) FROM clients WHERE id = ?", (str(client.id),)).fetchone()[0]) == 1,
        timeout_s=20, what="the client on desk B")
    # Desk A settles its push when the server answers, which can come after desk B has pulled.
    wait_until(lambda: a.read(lambda store: store.outbox_count()) == 0 and a.engine.status.pending == 0
               and a.engine.status.last_success_at is not None, timeout_s=10, what="desk A to settle its push")
    status: SyncStatus = a.engine.status
    assert status.online


def count(desk: Desk, sql: str, *params: object) -> int:
    return desk.read(lambda store: store.connection.execute(sql, params).fetchone()[0])


def test_clock_skew_beyond_the_limit_stops_sync_with_a_plain_message_and_loses_nothing(
        live: LiveApi, tmp_path: Path, secret_service: None) -> None:
    fast = open_desk(live, tmp_path / "fast", who="front_desk", start=False,
                     clock=lambda: utc_now() + timedelta(seconds=MAX_CLOCK_SKEW_S + 600))
    watcher = open_desk(live, tmp_path / "watcher", who="manager", start=False)
    try:
        client = new_client("Skewed", "Clock")
        fast.write(lambda store: store.create_client(client, actor=fast.actor))
        with pytest.raises(ClockSkew) as refused:
            fast.engine.run_once()
        assert "clock" in refused.value.message and "nothing has been lost" in refused.value.message.lower()
        assert fast.engine.status.message == refused.value.message
        assert count(fast, "SELECT count(*) FROM outbox") == 1
        assert count(fast, "SELECT count(*) FROM clients WHERE id = ?", str(client.id)) == 1
        assert count(fast, "SELECT count(*) FROM reference") == 0, "nothing may be pulled with a skewed clock"
        watcher.engine.run_once()
        assert count(watcher, "SELECT count(*) FROM clients") == 0, "nothing may reach the server"
        assert [kind for kind, _ in fast.events if kind == "sync_did_fail"] == ["sync_did_fail"]
    finally:
        fast.close()
        watcher.close()


def test_a_revoked_workstation_erases_its_cache_and_keychain_entries(
        live: LiveApi, tmp_path: Path, secret_service: None) -> None:
    desk = open_desk(live, tmp_path / "stolen", who="front_desk", start=False)
    desk.engine.run_once()
    desk.write(lambda store: store.create_client(new_client(), actor=desk.actor))
    admin = live.login("admin")
    with live.client() as http:
        answer = http.post(live.url(f"/devices/{desk.session.device_id}/revoke"),
                           headers={"Authorization": f"Bearer {admin['access_token']}"})
    assert answer.status_code == 200, answer.text
    with pytest.raises(DeviceRevoked) as revoked:
        desk.engine.run_once()
    assert "erased" in revoked.value.message
    assert sorted(p.name for p in desk.directory.iterdir()) == []
    user_id = desk.session.user.id
    assert refresh_token_entry(server_url=desk.server_url, user_id=user_id).get() is None
    assert device_secret_entry(desk.vault.vault_id).get() is None
    assert desk.engine.status.message == revoked.value.message
    assert ("sync_did_fail", revoked.value) in desk.events
    desk.engine.stop()
    # Signing in again on this workstation is refused for the same reason.
    user = live.users["front_desk"]
    api = CentralApi(client_factory(desk.server_url, live.ca_path)())
    with pytest.raises(DeviceRevoked):
        sign_in_online(api, tenant=live.tenant.name, username=user.username, password=user.password,
                       totp=live.totp(user.username), device_id=desk.session.device_id)
    api.close()
    desk.session.close()


def test_a_refresh_rotates_the_token_in_the_keychain_and_the_old_one_stops_working(
        live: LiveApi, tmp_path: Path, secret_service: None) -> None:
    desk = open_desk(live, tmp_path / "desk", who="front_desk", start=False)
    try:
        first = desk.session.refresh_token
        assert load_refresh_token(server_url=desk.server_url, user_id=desk.session.user.id,
                                  user_secret=desk.user_secret) == first
        desk.session.refresh_now(stale_access=desk.session.access_token())
        rotated = desk.session.refresh_token
        assert rotated != first
        assert load_refresh_token(server_url=desk.server_url, user_id=desk.session.user.id,
                                  user_secret=desk.user_secret) == rotated
        desk.engine.run_once()
        # The rotated token is used in turn; the first one is then plain reuse (a retry within
        # 30 s while its successor is still unused would be forgiven: a lost answer).
        desk.session.refresh_now(stale_access=desk.session.access_token())
        stale = CentralApi(client_factory(desk.server_url, live.ca_path)())
        with pytest.raises(SignInNeeded) as refused:
            Session.resume(api=stale, refresh_token=first, device_id=desk.session.device_id)
        stale.close()
        assert refused.value.message
    finally:
        desk.close()


def test_sign_in_asks_for_the_authenticator_code_when_the_password_is_right(live: LiveApi) -> None:
    api = CentralApi(client_factory(live.base_url, live.ca_path)())
    user = live.users["provider"]
    try:
        with pytest.raises(TotpRequired) as asked:
            sign_in_online(api, tenant=live.tenant.name, username=user.username, password=user.password)
        assert "code" in asked.value.message
        with pytest.raises(SignInNeeded) as wrong:
            sign_in_online(api, tenant=live.tenant.name, username=user.username, password="not the password")
        assert not isinstance(wrong.value, TotpRequired)
        assert "password" in wrong.value.message
    finally:
        api.close()


def nurse_signs_in_on(desk: Desk, live: LiveApi, api: CentralApi, *, proof: str | None) -> Session:
    """After the desk deposited its key, the nurse signs in online on that workstation (with or without its proof)."""
    deposit_escrow(api=api, session=desk.session, vault=desk.vault, data_key=desk.key)
    nurse = live.users["provider"]
    tokens = sign_in_online(api, tenant=live.tenant.name, username=nurse.username, password=nurse.password,
                            totp=live.totp(nurse.username), device_id=desk.session.device_id, device_secret=proof)
    return Session(api=api, tokens=tokens, device_secret=proof)


def test_a_second_user_enrolls_on_the_workstation_through_the_escrow(
        live: LiveApi, tmp_path: Path, secret_service: None) -> None:
    desk = open_desk(live, tmp_path / "desk", who="front_desk", start=False)
    try:
        api = CentralApi(client_factory(desk.server_url, live.ca_path)())
        second = nurse_signs_in_on(desk, live, api, proof=desk.device_secret)
        key = enroll_from_escrow(api=api, session=second, vault=desk.vault, user_id=second.user.id,
                                 password="the nurse's own desk password")
        assert bytes(key.buffer) == bytes(desk.key.buffer)
        again = Vault.load(desk.directory).unlock(second.user.id, "the nurse's own desk password")
        assert bytes(again.buffer) == bytes(desk.key.buffer)
        key.wipe()
        again.wipe()
        api.close()
    finally:
        desk.close()


def test_pause_keeps_writes_pending_and_resume_catches_up(
        two_desks: tuple[Desk, Desk]) -> None:
    a, b = two_desks
    wait_until(lambda: a.engine.status.last_success_at is not None, timeout_s=20, what="first sync")
    a.engine.pause()
    a.worker.run_sync(lambda _store: a.store.close())  # the lock closes the store on its worker
    with pytest.raises(SyncCancelled):
        a.engine.with_store(lambda store: store.outbox_count())
    assert a.engine.status.paused
    client = new_client("Paused", "Lock")
    b.write(lambda store: store.create_client(client, actor=b.actor))
    wait_until(lambda: b.engine.status.pending == 0 and b.read(lambda s: s.outbox_count()) == 0,
               timeout_s=20, what="desk B's push")
    reopened = a.worker.open(lambda: Store.open(a.database_path, a.key.buffer))
    a.store = reopened
    a.engine.resume(reopened)
    wait_until(lambda: count(a, "SELECT count(*) FROM clients WHERE id = ?", str(client.id)) == 1,
               timeout_s=20, what="catch-up after unlock")
    assert not a.engine.status.paused


def test_initial_sync_reports_progress_up_to_the_total(live: LiveApi, tmp_path: Path,
                                                       secret_service: None) -> None:
    writer = open_desk(live, tmp_path / "writer", who="front_desk", start=False)
    seen: list[Progress] = []
    try:
        clients = [new_client(f"Client{i}", "Progress") for i in range(120)]

        def create_all(store: Store) -> None:
            for client in clients:
                store.create_client(client, actor=writer.actor)

        writer.write(create_all)
        writer.engine.run_once()
        reader = open_desk(live, tmp_path / "reader", who="manager", start=False, pull_page=25,
                           callbacks=SyncCallbacks(status_did_change=lambda s: seen.append(s.progress)))
        try:
            reader.engine.run_once()
            assert count(reader, "SELECT count(*) FROM clients") == 120
        finally:
            reader.close()
    finally:
        writer.close()
    steps = [p for p in seen if p is not None]
    assert len(steps) >= 5
    assert all(b.done > a.done for a, b in pairwise(steps))
    assert steps[-1].done == steps[-1].total
    assert steps[0].total == steps[-1].total


class RaisesOnceForTheSyncWorker(StoreWorker):
    """A store worker like the app's, whose next call from the sync worker times out once."""

    MARKER = "Quintessa Marchbanks"  # stands for PHI an exception message might quote

    def __init__(self) -> None:
        super().__init__(name="test-db-worker")
        self.armed = False
        self.raised = 0

    def run_sync(self, body: Callable[[Any], T], *, timeout: float = 60.0) -> T:
        if self.armed and threading.current_thread().name == "sync-worker":
            self.armed = False
            self.raised += 1
            raise TimeoutError(f"the database worker did not answer in time while saving {self.MARKER}")
        return super().run_sync(body, timeout=timeout)


def test_an_unexpected_error_from_the_store_worker_is_reported_and_sync_carries_on(
        live: LiveApi, tmp_path: Path, secret_service: None, caplog: pytest.LogCaptureFixture) -> None:
    worker = RaisesOnceForTheSyncWorker()
    messages: list[str] = []
    failures: list[Any] = []
    desk = open_desk(live, tmp_path / "desk", who="front_desk", start=False, worker=worker,
                     callbacks=SyncCallbacks(status_did_change=lambda status: messages.append(status.message),
                                             sync_did_fail=failures.append))
    caplog.set_level(logging.INFO, logger="medspa_desk.sync.engine")
    try:
        client = new_client("Runner", "Trouble")
        desk.write(lambda store: store.create_client(client, actor=desk.actor))
        worker.armed = True
        desk.engine.start()  # the worker's first store call (the outbox batch) times out
        wait_until(lambda: worker.raised == 1, timeout_s=20, what="the failing store call")
        wait_until(lambda: desk.read(lambda store: store.outbox_count()) == 0
                   and desk.engine.status.last_success_at is not None,
                   timeout_s=30, what="sync to carry on after the error")
        assert UNEXPECTED_TROUBLE in messages, "the status bar was told"
        assert desk.engine.status.message == ""
        assert [type(error) for error in failures] == [ServerTrouble]
        assert all(thread.is_alive() for thread in desk.engine._threads)
        assert "TimeoutError" in caplog.text
        assert RaisesOnceForTheSyncWorker.MARKER not in caplog.text
    finally:
        desk.close()


class SaysWhenQueued(StoreWorker):
    """The app's kind of store worker, which says when a job has been queued."""

    def __init__(self) -> None:
        super().__init__(name="test-db-worker")
        self.queued = threading.Event()

    def _enqueue(self, job: Callable[[], None] | None) -> None:
        super()._enqueue(job)
        self.queued.set()


def test_pause_does_not_wait_behind_a_long_job_on_the_store_worker(
        live: LiveApi, tmp_path: Path, secret_service: None) -> None:
    worker = SaysWhenQueued()
    desk = open_desk(live, tmp_path / "desk", who="front_desk", start=False, worker=worker)
    try:
        started, release = threading.Event(), threading.Event()
        worker.submit(lambda _store: (started.set(), release.wait(20)), done=lambda _outcome: None)
        assert started.wait(5)  # a long report holding the worker
        worker.queued.clear()
        in_flight: Future[int] = Future()
        caller = threading.Thread(target=lambda: in_flight.set_result(
            desk.engine.with_store(lambda store: store.outbox_count())))
        caller.start()  # its call waits behind the long job
        assert worker.queued.wait(5)

        paused = threading.Event()
        threading.Thread(target=lambda: (desk.engine.pause(), paused.set()), daemon=True).start()
        assert paused.wait(5), "pause must not wait for the worker's long job"
        assert not release.is_set() and not in_flight.done()
        closed: Future[Outcome] = Future()
        # The lock's close, queued after the call in flight.
        worker.submit(lambda _store: desk.store.close(), done=closed.set_result)

        release.set()
        assert in_flight.result(timeout=10) == 0  # ran on the open store, before the close
        assert closed.result(timeout=10).error is None
        caller.join(5)
        with pytest.raises(SyncCancelled):
            desk.engine.with_store(lambda store: store.outbox_count())
        desk.store = worker.open(lambda: Store.open(desk.database_path, desk.key.buffer))
        desk.engine.resume(desk.store)
        desk.engine.run_once()
        assert desk.engine.status.last_success_at is not None and not desk.engine.status.paused
    finally:
        desk.close()


def test_a_sign_in_that_claims_the_workstation_without_its_proof_gets_no_key(
        live: LiveApi, tmp_path: Path, secret_service: None) -> None:
    desk = open_desk(live, tmp_path / "desk", who="front_desk", start=False)
    try:
        api = CentralApi(client_factory(desk.server_url, live.ca_path)())
        # Refused at the sign-in itself (401 invalid_device_secret), before any escrow call.
        with pytest.raises(SignInNeeded, match="could not prove"):
            nurse_signs_in_on(desk, live, api, proof=None)
        api.close()
    finally:
        desk.close()


def test_audit_events_the_server_refuses_are_kept_for_the_manager_and_never_block_newer_ones(
        live: LiveApi, tmp_path: Path, secret_service: None) -> None:
    from uuid import uuid4

    import sqlalchemy as sa

    from medspa_api.db import tables as t
    from medspa_desk.records import AuditAction, AuditEvent
    from medspa_desk.sync.engine import AUDIT_BATCH

    desk = open_desk(live, tmp_path / "desk", who="front_desk", start=False)
    try:
        # A whole push's worth of events by someone who never signed in here, then the desk's own.
        strangers = [AuditEvent(actor_user_id=uuid4(), action=AuditAction.VIEW, entity="client",
                                entity_id=uuid4()) for _ in range(AUDIT_BATCH)]
        own = [AuditEvent(actor_user_id=desk.session.user.id, action=AuditAction.LOCK, entity="user",
                          entity_id=desk.session.user.id) for _ in range(3)]
        desk.write(lambda store: [store.audit.record(event) for event in (*strangers, *own)])
        desk.engine.run_once()
        assert desk.read(lambda store: store.unsent_audit(AUDIT_BATCH * 2)) == []
        with live.database.transaction(live.tenant.id, write=False) as conn:
            arrived = set(conn.execute(sa.select(t.audit.c.id).where(
                t.audit.c.tenant_id == live.tenant.id, t.audit.c.id.in_([e.id for e in own]))).scalars())
        assert arrived == {event.id for event in own}
        refused = desk.read(lambda store: store.refused_audit(AUDIT_BATCH * 2))
        assert [event.id for event in refused] == [event.id for event in strangers]  # kept, in order
        assert desk.read(lambda store: store.refused_audit_count()) == AUDIT_BATCH
        assert desk.engine.status.refused_audit == AUDIT_BATCH  # shown in the status bar
        desk.engine.run_once()  # never sent again
        assert desk.read(lambda store: store.unsent_audit(10)) == []
    finally:
        desk.close()
