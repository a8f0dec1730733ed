"""A write leaves the desk on its own: the store's outbox watch wakes the engine, whoever wrote.

No test here calls ``sync_now`` or ``notify_local_write``: the app never does
either after a save (F5 is the only caller of ``sync_now``), so a test that
nudged would prove a path the app does not take.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from medspa_desk.store.store import Store
from tests.support.live_api import LiveApi
from tests.support.sync_desks import Desk, booking, new_client, next_opening, open_desk, wait_until

# Long enough that only the outbox watch (never the timer or a stream notice) can explain a push.
QUIET_INTERVAL_S = 120.0


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveApi]:
    with LiveApi.start(tmp_path / "api") as api:
        yield api


def _holds(desk: Desk, record_id: object) -> bool:
    return desk.read(lambda store: store.connection.execute(
        "SELECT 1 FROM clients WHERE id = ? UNION ALL SELECT 1 FROM appointments WHERE id = ?",
        (str(record_id), str(record_id))).fetchone()) is not None


def test_a_booking_made_like_the_dialog_makes_it_reaches_the_server_and_another_desk_unnudged(
        live: LiveApi, tmp_path: Path, secret_service: None) -> None:
    a = open_desk(live, tmp_path / "a", who="front_desk", name="A", interval_s=QUIET_INTERVAL_S)
    b = open_desk(live, tmp_path / "b", who="manager", name="B", interval_s=QUIET_INTERVAL_S)
    try:
        wait_until(lambda: a.engine.status.last_success_at is not None, timeout_s=20, what="A's first sync")
        client = new_client("Noor", "Haddad")
        appointment = booking(live, client_id=client.id, starts_at=next_opening(11))

        def dialog_save(store: Store) -> object:
            # What the booking dialog's Save runs on the database worker: a new client and the booking.
            return store.create_client(client, actor=a.actor) | store.book(appointment, actor=a.actor)

        a.engine.with_store(dialog_save)
        wait_until(lambda: a.engine.status.pending == 0 and a.read(lambda s: s.outbox_count()) == 0,
                   timeout_s=10, what="A to push the booking")
        wait_until(lambda: _holds(b, appointment.id), timeout_s=10, what="the booking to reach desk B")
    finally:
        a.close()
        b.close()
