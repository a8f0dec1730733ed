"""Sync status in the status bar (bridged from the engine's thread) and the conflict inbox over real conflicts."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from medspa_desk.records import Client, ConflictKind
from medspa_desk.session import DeskSession
from medspa_desk.signing_in import SignInOptions
from medspa_desk.signing_in import sign_in as session_sign_in
from medspa_desk.store import StoreError
from medspa_desk.sync.status import Progress, SyncStatus
from tests.support.live_api import LiveApi
from tests.support.store_workers import store_worker
from tests.ui.conftest import release_worker
from tests.ui.online import wait_for
from ui.conflicts import ConflictInbox
from ui.desk_backend import DeskBackend
from ui.events import CoreEventBridge, bus
from ui.operations import db_worker
from ui.qt import QMessageBox
from ui.status_bar import DeskStatusBar


def test_status_from_the_sync_thread_reaches_the_bar(qtbot: Any) -> None:
    bar = DeskStatusBar(None, zone=ZoneInfo("America/New_York"), has_sync=True)
    qtbot.addWidget(bar)
    status = SyncStatus(online=False, pending=3, last_success_at=datetime.now(UTC) - timedelta(minutes=7),
                        conflicts=2, progress=Progress(250, 1000))
    sender = threading.Thread(target=CoreEventBridge().status_did_change, args=(status,))
    sender.start()
    sender.join()
    qtbot.waitUntil(lambda: "Offline" in bar.connection.text(), timeout=3000)
    assert bar.pending.text() == "3 changes waiting to sync"
    assert bar.last_sync.text() == "Synced 7 min ago"
    assert bar.conflicts.text() == "2 conflicts to review"
    qtbot.waitUntil(lambda: bar.progress.value() == 250 and bar.progress.maximum() == 1000, timeout=3000)


def test_the_bar_names_the_record_and_field_the_server_refused(qtbot: Any) -> None:
    bar = DeskStatusBar(None, zone=ZoneInfo("America/New_York"), has_sync=True)
    qtbot.addWidget(bar)
    bar.show_status(SyncStatus(online=True, conflicts=1, refused="Client Octavia Brennan: notes"))
    assert bar.message.text() == ("Not accepted: Client Octavia Brennan: notes. Open the conflict inbox to "
                                      "fix or discard it.")
    assert bar.conflicts.text() == "1 conflict to review"


def test_the_inbox_says_when_there_is_nothing_to_review(qtbot: Any, sign_in: Any) -> None:
    inbox = ConflictInbox(None, session=sign_in("desk.amy"))
    qtbot.addWidget(inbox)
    with qtbot.waitSignal(inbox.did_load, timeout=5000) as loaded:
        inbox.reload()
    assert loaded.args == [0]
    assert "Nothing to review" in inbox.explanation.text()


# --- a real conflict: two desks change a client's allergies at the same time --------------


@dataclass
class TwoDesks:
    """Desk A (this UI, store on the DB worker) and desk B (another workstation), both online."""

    a: DeskSession
    b: DeskSession
    client: Client


def allergies_on(session: DeskSession, client_id: Any) -> str | None:
    assert session.sync is not None
    return session.sync.with_store(lambda store: store.client(client_id, actor=session.actor).allergies)


def has_client(session: DeskSession, client_id: Any) -> bool:
    try:
        allergies_on(session, client_id)
    except StoreError:
        return False
    return True


@pytest.fixture
def two_desks(live_api: LiveApi, tmp_path: Path, qapp: Any) -> Iterator[TwoDesks]:
    front, manager = live_api.users["front_desk"], live_api.users["manager"]
    a = DeskBackend(tmp_path / "a", ca_path=live_api.ca_path).sign_in(
        server=live_api.base_url, tenant=live_api.tenant.name, username=front.username,
        password=front.password, totp=live_api.totp("front_desk"))
    b = session_sign_in(tmp_path / "b", username=manager.username, password=manager.password,
                        totp=live_api.totp("manager"), worker=store_worker(),
                        options=SignInOptions(server_url=live_api.base_url, tenant=live_api.tenant.name,
                                              ca_path=live_api.ca_path))
    try:
        client = Client(first_name="Octavia", last_name="Brennan", birth_date=date(1984, 6, 9),
                        phone="555-410-2298")
        db_worker().run_sync(lambda store: store.create_client(client, actor=a.actor))  # pushed on its own
        wait_for(lambda: has_client(b, client.id), what="the new client to reach desk B")
        yield TwoDesks(a=a, b=b, client=client)
    finally:
        release_worker()
        for session in (a, b):
            session.sign_out()


def make_allergy_conflict(desks: TwoDesks, *, mine: str, theirs: str) -> None:
    """B changes the allergies and syncs while A is paused; A changes them too, then syncs."""
    a, b, client_id = desks.a, desks.b, desks.client.id
    assert a.sync is not None and b.sync is not None
    a.sync.pause()
    b.sync.with_store(lambda store: store.update_client(client_id, {"allergies": theirs}, actor=b.actor))
    wait_for(lambda: b.sync.with_store(lambda store: store.outbox_count()) == 0, what="desk B to push")
    db_worker().run_sync(lambda store: store.update_client(client_id, {"allergies": mine}, actor=a.actor))
    a.sync.resume()
    wait_for(lambda: db_worker().run_sync(lambda store: len(store.conflicts(open_only=True))) == 1
             and a.sync.status.pending == 0, what="desk A's conflict")


def open_inbox(qtbot: Any, session: DeskSession) -> ConflictInbox:
    inbox = ConflictInbox(None, session=session)
    qtbot.addWidget(inbox)
    inbox.show()
    qtbot.waitUntil(lambda: len(inbox.conflicts) == 1, timeout=10_000)
    return inbox


def test_keeping_this_desks_value_sends_it_to_the_other_desk(qtbot: Any, two_desks: TwoDesks) -> None:
    make_allergy_conflict(two_desks, mine="Penicillin", theirs="Latex")
    inbox = open_inbox(qtbot, two_desks.a)
    assert inbox.conflicts[0].kind is ConflictKind.FIELD_CONFLICT
    assert "Allergies: this desk “Penicillin”, other desk “Latex”." in inbox.explanation.text()
    assert inbox.keep_mine.isVisible() and inbox.keep_theirs.isVisible() and not inbox.rebook.isVisible()
    with qtbot.waitSignal(inbox.did_load, timeout=10_000) as reloaded:
        inbox.keep_mine.click()
    assert reloaded.args == [0]  # the pick is pushed on its own, as any local write is
    wait_for(lambda: allergies_on(two_desks.b, two_desks.client.id) == "Penicillin",
             what="this desk's value to reach desk B")


def test_keeping_the_other_allergy_asks_first_and_cancel_keeps_the_entry(qtbot: Any, two_desks: TwoDesks) -> None:
    make_allergy_conflict(two_desks, mine="Penicillin", theirs="Latex")
    inbox = open_inbox(qtbot, two_desks.a)
    inbox.keep_theirs.click()
    assert inbox.question is not None
    qtbot.waitUntil(inbox.question.isVisible, timeout=5000)
    assert "Penicillin" in inbox.question.text()
    inbox.question.done(QMessageBox.StandardButton.Cancel)
    assert [c.id for c in db_worker().run_sync(lambda store: store.conflicts(open_only=True))] == inbox.conflict_ids()

    inbox.keep_theirs.click()
    qtbot.waitUntil(inbox.question.isVisible, timeout=5000)
    with qtbot.waitSignal(inbox.did_load, timeout=10_000) as reloaded:
        inbox.question.done(QMessageBox.StandardButton.Yes)
    assert reloaded.args == [0]
    assert allergies_on(two_desks.a, two_desks.client.id) == "Latex"


def test_discarding_a_conflict_keeps_the_other_desks_value(qtbot: Any, two_desks: TwoDesks) -> None:
    make_allergy_conflict(two_desks, mine="Sulfa drugs", theirs="Aspirin")
    inbox = open_inbox(qtbot, two_desks.a)
    inbox.discard.click()  # it drops this desk's allergy: the inbox asks first
    assert inbox.question is not None
    qtbot.waitUntil(inbox.question.isVisible, timeout=5000)
    assert "Sulfa drugs" in inbox.question.text()
    with qtbot.waitSignal(inbox.did_load, timeout=10_000) as reloaded:
        # A sync cycle finishing just as the person answers (as desk A's engine does whenever a
        # change notice arrives) asks for a reload that reads the inbox before the discard.
        bus.sync_did_finish.emit(None)
        inbox.question.done(QMessageBox.StandardButton.Yes)
    assert reloaded.args == [0]
    assert "Nothing to review" in inbox.explanation.text()
    assert db_worker().run_sync(lambda store: store.conflicts(open_only=True)) == []
    wait_for(lambda: db_worker().run_sync(
        lambda store: store.client(two_desks.client.id, actor=two_desks.a.actor).allergies) == "Aspirin",
        what="desk A to show the other desk's value")
    assert allergies_on(two_desks.b, two_desks.client.id) == "Aspirin"


def test_an_admin_sees_the_conflict_and_who_may_settle_it_but_no_choices(
        qtbot: Any, two_desks: TwoDesks, live_api: LiveApi, tmp_path: Path) -> None:
    make_allergy_conflict(two_desks, mine="Penicillin", theirs="Latex")
    release_worker()
    two_desks.a.sign_out()  # the front desk leaves; the practice's admin signs in on the same workstation
    admin = live_api.users["admin"]
    session = session_sign_in(tmp_path / "a", username=admin.username, password=admin.password,
                              totp=live_api.totp("admin"), worker=db_worker(),
                              options=SignInOptions(server_url=live_api.base_url, tenant=live_api.tenant.name,
                                                    ca_path=live_api.ca_path))
    db_worker().attach(session.store)
    try:
        inbox = open_inbox(qtbot, session)
        assert "Allergies: this desk “Penicillin”, other desk “Latex”." in inbox.explanation.text()
        assert "Only the front desk" in inbox.explanation.text() and "Ask" in inbox.explanation.text()
        assert not any(button.isVisible() for button in inbox.buttons.values())  # the core would refuse each
        assert inbox.close_button.isVisible()
    finally:
        release_worker()
        session.sign_out()
