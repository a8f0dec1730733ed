"""A photo's bytes a desk may not take, and bytes that arrive damaged (two real desks over TLS, both databases).

Desk A (a provider) adds a photo through the charting screen's use case. On desk B the front desk is
signed in (the app's own sign-in, keychain and store): the photo's record arrives but its bytes wait,
and they come once a manager switches in on that workstation. A provider whose role a manager changes
(the Staff screen's use case) is refused the bytes by the server until it is changed back. Damaged
bytes are made at rest in the server's database (a chunk changed after it was checked and kept): the
desk that fetches them never keeps them as the photo, says so in its log, and takes the photo once the
server holds it intact again.
Nothing nudges sync: each cycle is woken by a write on desk A, as in the clinic.
"""

from __future__ import annotations

import logging
from pathlib import Path
from uuid import UUID

import pytest
import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_desk.desk.staff import StaffDesk
from medspa_desk.records import Role
from medspa_desk.session import DeskSession
from medspa_desk.signing_in import sign_in
from medspa_desk.store.errors import NotFound
from medspa_desk.store.photos import photo_image, photos_for
from medspa_desk.store.store import Store
from tests.core.sync.test_photos_two_desks import MB, _add_photo, _photo_file
from tests.core.sync.test_waitlist_two_desks import (  # both databases, A behind the fault proxy
    live,
    proxy,
)
from tests.core.test_session import first_sign_in, options
from tests.support.fault_proxy import FaultProxy
from tests.support.live_api import LiveApi
from tests.support.store_workers import store_worker
from tests.support.sync_desks import Desk, new_client, open_desk, wait_until

__all__ = ["live", "proxy"]
REFETCH_WARNING = "a fetched photo did not match its checksum"


def _count(store: Store, table: str, photo_id: UUID) -> int:
    column = "photo_id" if table == "photo_parts" else "id"
    return int(store.select(f"SELECT count(*) FROM {table} WHERE {column} = ?", (str(photo_id),))[0][0])  # noqa: S608


def _photo_audit(live: LiveApi, photo_id: UUID) -> list[tuple[UUID, str, str]]:
    a = t.audit.c
    with live.database.transaction(live.tenant.id, write=False) as conn:
        return [(row.actor_user_id, row.action, row.outcome) for row in conn.execute(
            sa.select(a.actor_user_id, a.action, a.outcome)
            .where(a.tenant_id == live.tenant.id, a.entity_id == photo_id).order_by(a.seq))]


def _client_sent_from(a: Desk, last_name: str) -> UUID:
    """A new client written on desk A: the write that wakes both desks' sync, as the clinic's writes do."""
    client = new_client("Lina", last_name)
    a.write(lambda store: store.create_client(client, actor=a.actor))
    return client.id


def _holds_client(store: Store, client_id: UUID) -> bool:
    return bool(store.select("SELECT 1 FROM clients WHERE id = ?", (str(client_id),)))


def _provider_desk(live: LiveApi, directory: Path, *, server_url: str | None = None) -> Desk:
    a = open_desk(live, directory, who="provider", name="A", server_url=server_url, interval_s=120.0)
    wait_until(lambda: a.engine.status.last_success_at is not None, timeout_s=30, what="desk A's first sync")
    return a


def _synced_session(session: DeskSession, what: str) -> DeskSession:
    wait_until(lambda: session.sync is not None and session.sync.status.last_success_at is not None,
               timeout_s=30, what=what)
    return session


def test_a_front_desk_leaves_a_photos_bytes_for_a_clinician_and_they_arrive_when_one_switches_in(
        live: LiveApi, proxy: FaultProxy, tmp_path: Path, secret_service: None) -> None:
    a = _provider_desk(live, tmp_path / "a", server_url=proxy.url)
    workstation = tmp_path / "b"
    reception = _synced_session(first_sign_in(live, workstation, "front_desk"), "the front desk's first sync")
    manager: DeskSession | None = None
    try:
        path, image = _photo_file(tmp_path, 2 * MB + 4_321)
        photo_id, treatment_id = _add_photo(a, path)
        engine = reception.sync
        assert engine is not None
        wait_until(lambda: engine.with_store(lambda store: _count(store, "photo_records", photo_id)) == 1,
                   timeout_s=60, what="the photo's record on the front desk")

        # The front desk keeps syncing: a later change from desk A still arrives.
        later = _client_sent_from(a, "Okafor")
        wait_until(lambda: engine.with_store(lambda store: _holds_client(store, later)), timeout_s=60,
                   what="desk A's later change on the front desk")
        assert engine.status.online and engine.status.message in (None, ""), engine.status
        assert engine.with_store(lambda store: photos_for(store, treatment_id)) == []
        assert engine.with_store(lambda store: _count(store, "photo_parts", photo_id)) == 0
        front_desk = live.users["front_desk"].id
        assert [row for row in _photo_audit(live, photo_id) if row[0] == front_desk] == []  # never asked,
        assert _photo_reads_refused(live, front_desk) == 0  # so never refused either

        reception.hand_over()
        who = live.users["manager"]
        manager = _synced_session(sign_in(workstation, username=who.username, password=who.password,
                                          totp=live.totp("manager"), options=options(live), worker=store_worker(),
                                          handed_over_by=reception.user.id), "the manager's first sync")
        signed_in = manager.sync
        assert signed_in is not None
        wait_until(lambda: [p.id for p in signed_in.with_store(lambda store: photos_for(store, treatment_id))]
                   == [photo_id], timeout_s=60, what="the photo's bytes once the manager is signed in")
        assert signed_in.with_store(lambda store: photo_image(store, photo_id, actor=manager.actor)) == image
        assert (who.id, "view", "ok") in _photo_audit(live, photo_id)
    finally:
        if manager is not None:
            manager.sign_out()
        else:
            reception.sign_out()
        a.close()


def _photo_reads_refused(live: LiveApi, user_id: UUID) -> int:
    """How often the server refused ``user_id`` a photo's bytes (each refusal audited, by the permission)."""
    a = t.audit.c
    with live.database.transaction(live.tenant.id, write=False) as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(t.audit).where(
            a.tenant_id == live.tenant.id, a.actor_user_id == user_id, a.action == "access_denied",
            a.outcome == "forbidden", a.detail == "photo.read")).scalar_one())


def test_a_provider_whose_role_a_manager_changed_is_refused_the_bytes_and_gets_them_once_it_is_back(
        live: LiveApi, proxy: FaultProxy, tmp_path: Path, secret_service: None,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="medspa_desk.sync.photo_sync")
    a = _provider_desk(live, tmp_path / "a", server_url=proxy.url)
    nurse = live.add_user(Role.PROVIDER)
    b = open_desk(live, tmp_path / "b", who=nurse.username, name="B", interval_s=120.0)
    office = _synced_session(first_sign_in(live, tmp_path / "office", "manager"), "the manager's first sync")
    try:
        wait_until(lambda: b.engine.status.last_success_at is not None, timeout_s=30, what="desk B's first sync")
        staff = StaffDesk(office, role=office.user.role)
        # Desk B signed in as a provider; from its next request on, the server answers it as the front desk.
        assert staff.change_role(nurse.id, Role.FRONT_DESK).role is Role.FRONT_DESK
        path, image = _photo_file(tmp_path, MB + 99)
        photo_id, treatment_id = _add_photo(a, path)

        wait_until(lambda: b.read(lambda store: _count(store, "photo_records", photo_id)) == 1
                   and _photo_reads_refused(live, nurse.id) >= 1, timeout_s=60,
                   what="the record on desk B and the server's refusal of its bytes")
        later = _client_sent_from(a, "Okafor")  # desk B keeps syncing, and asks again
        wait_until(lambda: b.read(lambda store: _holds_client(store, later))
                   and _photo_reads_refused(live, nurse.id) >= 2, timeout_s=60,
                   what="desk A's later change on desk B, and the bytes refused again")
        assert b.read(lambda store: photos_for(store, treatment_id)) == []
        assert b.read(lambda store: _count(store, "photo_parts", photo_id)) == 0
        assert b.engine.status.online and b.engine.status.message in (None, ""), b.engine.status
        said = [record.getMessage() for record in caplog.records if record.name == "medspa_desk.sync.photo_sync"]
        assert "a photo's bytes wait for someone allowed to read them; asked again next sync" in said, said
        assert not any("not on the server" in line for line in said), said  # the log says why, truly

        assert staff.change_role(nurse.id, Role.PROVIDER).role is Role.PROVIDER
        _client_sent_from(a, "Mensah")  # the next write wakes desk B, which asks for the bytes again
        wait_until(lambda: [p.id for p in b.read(lambda store: photos_for(store, treatment_id))] == [photo_id],
                   timeout_s=60, what="the photo on desk B once its person may read it again")
        assert b.read(lambda store: photo_image(store, photo_id, actor=b.actor)) == image
    finally:
        office.sign_out()
        b.close()
        a.close()


def _damage_chunk_at_rest(live: LiveApi, photo_id: UUID, *, index: int) -> bytes:
    """Flip one byte of a chunk the server checked and kept (damage at rest); the intact chunk is returned."""
    c = t.photo_chunks.c
    where = (c.tenant_id == live.tenant.id, c.photo_id == photo_id, c.idx == index)
    with live.database.transaction(live.tenant.id) as conn:
        intact = bytes(conn.execute(sa.select(c.data).where(*where)).scalar_one())
        damaged = intact[:100] + bytes([intact[100] ^ 0xFF]) + intact[101:]
        conn.execute(sa.update(t.photo_chunks).where(*where).values(data=damaged))
    return intact


def _restore_chunk(live: LiveApi, photo_id: UUID, *, index: int, intact: bytes) -> None:
    c = t.photo_chunks.c
    with live.database.transaction(live.tenant.id) as conn:
        conn.execute(sa.update(t.photo_chunks).where(c.tenant_id == live.tenant.id, c.photo_id == photo_id,
                                                     c.idx == index).values(data=intact))


def test_bytes_damaged_on_the_server_are_never_kept_as_the_photo_and_it_arrives_once_intact_again(
        live: LiveApi, tmp_path: Path, secret_service: None, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="medspa_desk.sync.photo_sync")
    a = _provider_desk(live, tmp_path / "a")
    b: Desk | None = None
    try:
        path, image = _photo_file(tmp_path, 2 * MB + 777)  # three chunks of 1 MiB, the last one short
        photo_id, treatment_id = _add_photo(a, path)
        wait_until(lambda: a.engine.status.pending == 0
                   and a.read(lambda store: store.select("SELECT count(*) FROM photo_uploads"))[0][0] == 0,
                   timeout_s=60, what="desk A to have sent the photo and its record")
        intact = _damage_chunk_at_rest(live, photo_id, index=1)

        b = open_desk(live, tmp_path / "b", who="manager", name="B", interval_s=120.0)
        desk_b = b

        def refusals() -> int:
            return sum(REFETCH_WARNING in record.getMessage() for record in caplog.records)

        wait_until(lambda: refusals() >= 1, timeout_s=60, what="desk B to refuse the damaged bytes")
        assert desk_b.read(lambda store: _count(store, "photo_records", photo_id)) == 1
        assert desk_b.read(lambda store: photos_for(store, treatment_id)) == []  # nothing shown
        with pytest.raises(NotFound):
            desk_b.read(lambda store: photo_image(store, photo_id, actor=desk_b.actor))
        manager = live.users["manager"].id
        assert (manager, "view", "ok") in _photo_audit(live, photo_id)  # the server's trail: B read it

        # Desk B keeps syncing and asks again on its next cycle; still damaged, still refused.
        later = _client_sent_from(a, "Okafor")
        wait_until(lambda: desk_b.read(lambda store: _holds_client(store, later)) and refusals() >= 2,
                   timeout_s=60, what="desk B's next cycle to refuse the damaged bytes again")
        assert desk_b.read(lambda store: photos_for(store, treatment_id)) == []
        assert desk_b.engine.status.online, desk_b.engine.status

        _restore_chunk(live, photo_id, index=1, intact=intact)
        _client_sent_from(a, "Mensah")  # the next write wakes desk B, which fetches the photo again
        wait_until(lambda: [p.id for p in desk_b.read(lambda store: photos_for(store, treatment_id))] == [photo_id],
                   timeout_s=60, what="the intact photo on desk B")
        assert desk_b.read(lambda store: photo_image(store, photo_id, actor=desk_b.actor)) == image
        assert desk_b.read(lambda store: _count(store, "photo_parts", photo_id)) == 0
    finally:
        if b is not None:
            b.close()
        a.close()
