"""A booking saved in the real dialog leaves the desk by itself and reaches another desk.

Desk A is the app's own path: signed in through ``DeskBackend`` (the store on
the database worker, the engine reaching it through the worker), the dialog's
Save run as its ``CollectionOp``. Nothing in this test calls ``sync_now`` or
``notify_local_write``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from medspa_desk.records import utc_now
from medspa_desk.session import DeskSession
from medspa_desk.signing_in import SignInOptions
from medspa_desk.signing_in import sign_in as session_sign_in
from tests.support.live_api import LiveApi
from tests.support.store_workers import store_worker
from tests.ui.conftest import release_worker
from tests.ui.online import sign_in_as_the_app_does, wait_for
from ui.booking import BookingDialog
from ui.operations import db_worker


@pytest.fixture
def desks(live_api: LiveApi, tmp_path: Path, qapp: Any) -> Iterator[tuple[DeskSession, DeskSession]]:
    manager = live_api.users["manager"]
    a = sign_in_as_the_app_does(live_api, tmp_path / "a")
    b = session_sign_in(tmp_path / "b", username=manager.username, password=manager.password,
                        totp=live_api.totp("manager"), worker=store_worker(),
                        options=SignInOptions(server_url=live_api.base_url, tenant=live_api.tenant.name,
                                              ca_path=live_api.ca_path))
    try:
        wait_for(lambda: db_worker().run_sync(lambda _store: a.reload_location()) is not None,
                  what="desk A's first sync to bring the practice's location")
        yield a, b
    finally:
        release_worker()
        for session in (a, b):
            session.sign_out()


def _holds(session: DeskSession, appointment_id: Any) -> bool:
    assert session.sync is not None
    return session.sync.with_store(lambda store: store.connection.execute(
        "SELECT 1 FROM appointments WHERE id = ?", (str(appointment_id),)).fetchone()) is not None


def test_a_booking_saved_in_the_dialog_reaches_the_server_and_another_desk_without_a_nudge(
        qtbot: Any, desks: tuple[DeskSession, DeskSession]) -> None:
    a, b = desks
    zone = a.location.zone
    day = (utc_now() + timedelta(days=3)).astimezone(zone).date()
    dialog = BookingDialog(a, starts_at=datetime(day.year, day.month, day.day, 11, tzinfo=zone))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.service.count() > 0 and dialog.conflicts.text().startswith("Free"),
                    timeout=10_000)
    dialog.new_client_button.setChecked(True)
    dialog.new_client.first_name.setText("Noor")
    dialog.new_client.last_name.setText("Haddad")
    dialog.new_client.birth_date.setText("05/17/1990")
    with qtbot.waitSignal(dialog.booked, timeout=10_000) as saved:
        dialog.save_button.click()
    appointment = saved.args[0]
    assert a.sync is not None
    wait_for(lambda: a.sync is not None and a.sync.status.pending == 0
              and db_worker().run_sync(lambda store: store.outbox_count()) == 0, what="desk A to push")
    wait_for(lambda: _holds(b, appointment.id), what="the booking to reach desk B")
