"""Signing out and switching user: the person's changes go first, and no network wait runs on the GUI thread.

Desk A signs in through the app's own backend, reaching the real API only
through the fault proxy, so the network can be held (black-holed) or cut.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_desk.records import Client
from medspa_desk.session import DeskSession
from tests.support.fault_proxy import Fault, FaultProxy, proxy_in_front_of
from tests.support.live_api import LiveApi
from tests.ui.conftest import release_worker
from tests.ui.online import sign_in_as_the_app_does, wait_for
from ui.lock import LockPolicy
from ui.main_window import MainWindow
from ui.operations import db_worker
from ui.qt import QTimer


@pytest.fixture
def proxy(live_api: LiveApi) -> Iterator[FaultProxy]:
    with proxy_in_front_of(live_api, black_hole_s=4.0, delay_s=0.3) as running:
        yield running


@pytest.fixture
def desk(live_api: LiveApi, proxy: FaultProxy, tmp_path: Path, qapp: Any) -> Iterator[DeskSession]:
    session = sign_in_as_the_app_does(live_api, tmp_path / "a", server_url=proxy.url)
    try:
        wait_for(lambda: db_worker().run_sync(lambda _store: session.reload_location()) is not None,
                  what="the first sync to bring the practice's location")
        yield session
    finally:
        proxy.calm()
        proxy.go_online()
        release_worker()
        if session.sync is not None or session.store is not None:
            session.sign_out()


def _window(qtbot: Any, session: DeskSession) -> tuple[MainWindow, list[str]]:
    window = MainWindow(session, policy=LockPolicy(idle_minutes=5.0))
    qtbot.addWidget(window)
    window.show()
    heard: list[str] = []
    window.signed_out.connect(lambda: heard.append("signed out"))
    window.switch_user_requested.connect(lambda: heard.append("switch user"))
    return window, heard


def _ticking() -> tuple[list[int], QTimer]:
    """A timer on the GUI thread that notes each tick: it ticks only while that thread is free."""
    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    return ticks, timer


def _on_server(live: LiveApi, record_id: UUID) -> bool:
    with live.database.transaction(live.tenant.id, write=False) as conn:
        return conn.execute(sa.select(t.records.c.id).where(
            t.records.c.tenant_id == live.tenant.id, t.records.c.id == record_id)).first() is not None


def _save_client(session: DeskSession, first: str) -> Client:
    client = Client(first_name=first, last_name="Leaving", birth_date=date(1988, 2, 3))
    db_worker().run_sync(lambda store: store.create_client(client, actor=session.actor))
    return client


def test_signing_out_while_the_network_holds_every_request_keeps_the_window_turning(
        qtbot: Any, desk: DeskSession, proxy: FaultProxy) -> None:
    window, heard = _window(qtbot, desk)
    ticks, timer = _ticking()
    proxy.random_faults(1.0, rng=random.Random(3), kinds=[Fault.BLACK_HOLE])
    window.sign_out()
    # Sync stopping and the logout request are held by the network for seconds; meanwhile the
    # GUI thread keeps handling events (the timer ticks) and the sign-out has not ended yet.
    qtbot.waitUntil(lambda: len(ticks) >= 30, timeout=10_000)
    assert heard == []
    with qtbot.waitSignal(window.signed_out, timeout=30_000):
        pass
    timer.stop()
    assert proxy.counts[Fault.BLACK_HOLE] >= 1  # the network really held a request
    assert desk.store is None and desk.sync is None


def test_before_signing_out_the_persons_own_changes_are_sent(
        qtbot: Any, desk: DeskSession, live_api: LiveApi, proxy: FaultProxy) -> None:
    window, _heard = _window(qtbot, desk)
    proxy.random_faults(1.0, rng=random.Random(3), kinds=[Fault.DELAY])  # a slow line, not a dead one
    client = _save_client(desk, "Sent")
    window.sign_out()
    with qtbot.waitSignal(window.signed_out, timeout=30_000):
        pass
    assert _on_server(live_api, client.id)
    assert window.leaving_notice is None  # nothing of theirs waits: nothing to say


def test_switching_user_offline_says_whose_changes_wait_and_how_many(
        qtbot: Any, desk: DeskSession, proxy: FaultProxy) -> None:
    window, heard = _window(qtbot, desk)
    proxy.go_offline()
    _save_client(desk, "Waiting")
    _save_client(desk, "Waiting")
    window.switch_user()
    with qtbot.waitSignal(window.signed_out, timeout=30_000):
        pass
    assert heard == ["switch user", "signed out"]
    assert window.leaving_notice is not None
    text = window.leaving_notice.text()
    assert f"2 changes made by {desk.user.display_name} could not be sent yet" in text
    assert "the server cannot be reached" in text and "signs in here while connected" in text
    window.leaving_notice.close()


def test_signing_out_from_the_lock_view_offline_says_how_many_changes_wait(
        qtbot: Any, desk: DeskSession, proxy: FaultProxy) -> None:
    window, heard = _window(qtbot, desk)
    proxy.go_offline()
    _save_client(desk, "Locked")
    window.locker.lock("shortcut")
    qtbot.waitUntil(lambda: window.locker.ready_to_unlock, timeout=10_000)
    assert window.lock_view is not None
    with qtbot.waitSignal(window.signed_out, timeout=30_000):
        window.lock_view.leave.click()
    assert heard == ["signed out"]
    assert window.leaving_notice is not None
    assert f"1 change made by {desk.user.display_name} could not be sent yet" in window.leaving_notice.text()
    window.leaving_notice.close()


def test_quitting_while_the_network_holds_a_push_keeps_the_window_turning_and_stops_sync(
        qtbot: Any, desk: DeskSession, proxy: FaultProxy) -> None:
    window, heard = _window(qtbot, desk)
    ticks, timer = _ticking()
    proxy.random_faults(1.0, rng=random.Random(5), kinds=[Fault.BLACK_HOLE])
    _save_client(desk, "Quitting")  # its push is held by the network when the person quits
    qtbot.waitUntil(lambda: proxy.counts[Fault.BLACK_HOLE] >= 1, timeout=10_000)
    window.quit_action.trigger()
    # The desk locks at once; stopping sync waits on the held push, on the network pool, while the
    # GUI thread keeps handling events and the window stays until sync has stopped.
    qtbot.waitUntil(lambda: len(ticks) >= 30, timeout=10_000)
    assert window.locker.locked and window.isVisible()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=30_000)
    timer.stop()
    assert desk.sync is None and desk.store is None
    assert heard == []  # quitting is not signing out: the sign-in is kept for next time
