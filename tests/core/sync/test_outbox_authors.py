"""Who made a change stays true across a user switch on one workstation (live API over TLS)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_desk.store.actor import Actor
from medspa_desk.sync.api import CentralApi
from medspa_desk.sync.auth import Session, sign_in_online
from tests.resilience.ledger import server_records
from tests.support.live_api import LiveApi
from tests.support.sync_desks import Desk, client_factory, new_client, open_desk


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveApi]:
    with LiveApi.start(tmp_path / "api") as api:
        yield api


def manager_signs_in_on(desk: Desk, live: LiveApi, api: CentralApi) -> Session:
    """The manager signs in online on the desk's workstation (the front desk person has stepped away)."""
    manager = live.users["manager"]
    tokens = sign_in_online(api, tenant=live.tenant.name, username=manager.username, password=manager.password,
                            totp=live.totp(manager.username), device_id=desk.session.device_id,
                            device_secret=desk.device_secret)
    return Session(api=api, tokens=tokens, device_secret=desk.device_secret)


def pushed_by(live: LiveApi, mutation_id: UUID) -> UUID | None:
    with live.database.transaction(live.tenant.id, write=False) as conn:
        return conn.execute(sa.select(t.mutations.c.user_id).where(
            t.mutations.c.tenant_id == live.tenant.id, t.mutations.c.id == mutation_id)).scalar()


def test_changes_made_offline_by_one_user_are_pushed_only_in_their_own_session(
        live: LiveApi, tmp_path: Path, secret_service: None) -> None:
    desk = open_desk(live, tmp_path / "desk", who="front_desk", start=False)
    api = CentralApi(client_factory(desk.server_url, live.ca_path)())
    try:
        front_desk = desk.actor
        hers = new_client("Offline", "Frontdesk")
        desk.write(lambda store: store.create_client(hers, actor=front_desk))
        [her_change] = desk.read(lambda store: store.outbox_batch(10))
        # She locks; the manager signs in online on the same workstation and books a client of his own.
        manager_session = manager_signs_in_on(desk, live, api)
        manager = Actor(user_id=manager_session.user.id, device_id=desk.session.device_id,
                        role=manager_session.user.role)
        his = new_client("Online", "Manager")
        desk.write(lambda store: store.create_client(his, actor=manager))
        desk.engine.resume(session=manager_session)

        desk.engine.run_once()

        on_server = server_records(live)
        assert his.id in on_server and hers.id not in on_server
        assert desk.read(lambda store: [m.id for m in store.outbox_batch(10)]) == [her_change.id]
        assert (desk.engine.status.pending, desk.engine.status.waiting_for_others) == (1, 1)
        assert desk.read(lambda store: store.outbox_waiting_for_others(manager.user_id)) == 1

        # She signs in again: her change goes, under her own name.
        desk.engine.resume(session=desk.session)
        desk.engine.run_once()

        assert hers.id in server_records(live)
        assert pushed_by(live, her_change.id) == front_desk.user_id
        assert desk.read(lambda store: store.outbox_count()) == 0
        assert (desk.engine.status.pending, desk.engine.status.waiting_for_others) == (0, 0)
    finally:
        api.close()
        desk.close()
