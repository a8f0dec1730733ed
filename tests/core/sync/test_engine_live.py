"""The engine against the real central API over TLS: push, pull, notice, status."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from medspa_desk.sync.status import SyncStatus
from tests.core.sync.desks import Desk, new_client, open_desk, wait_until
from tests.support.live_api import LiveApi


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
    assert a.read(lambda store: store.outbox_count()) == 0
    status: SyncStatus = a.engine.status
    assert status.online and status.pending == 0 and status.last_success_at is not None
