"""Switching user on a shared desk, through the app's own windows, against the live API over TLS.

The app (``DeskApp``) shows the sign-in window; people type into it as at the
front desk. Whoever switches user keeps their server session: back inside the
practice's switch window, their password alone lets them in (the code field never
shows). The manager sets the window on the Location screen.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_desk.records import AuditAction
from tests.support.live_api import LiveApi
from tests.ui.conftest import release_worker
from tests.ui.online import sign_in_as_the_app_does, wait_for
from ui.app import DeskApp
from ui.desk_backend import DeskBackend
from ui.manager.practice import SetupDialog
from ui.operations import db_worker


@pytest.fixture
def desk_app(live_api: LiveApi, tmp_path: Path, qapp: Any) -> Iterator[DeskApp]:
    app = DeskApp(DeskBackend(tmp_path / "desk", ca_path=live_api.ca_path), server=live_api.base_url,
                  tenant=live_api.tenant.name)
    app.show_sign_in()
    yield app
    if app.window is not None:
        # Closed, not left open: its actions' application-wide shortcuts (Ctrl+L) would make the next
        # test's window's ambiguous, and a shown window can take the next test's pointer.
        app.window.locker.stop()
        app.window.close()
        app.window.deleteLater()
    if app.session is not None:
        release_worker()
        app.session.sign_out()
    if app.pin_dialog is not None:
        app.pin_dialog.close()
    app.sign_in.close()


def _types_and_signs_in(qtbot: Any, app: DeskApp, live: LiveApi, who: str, *, code_expected: bool,
                        secret: str | None = None, sets_pin: str | None = None) -> None:
    """``who`` types their name and password (or ``secret``: a PIN), the code when asked, then sets
    ``sets_pin`` in the PIN dialog the app offers, or skips it."""
    window, user = app.sign_in, live.users[who]
    window.username.setText(user.username)
    window.password.setText(secret or user.password)
    window.sign_in_button.click()
    if code_expected:
        qtbot.waitUntil(lambda: window.totp.isVisible(), timeout=60_000)
        window.totp.setText(live.totp(who))
        window.sign_in_button.click()
    qtbot.waitUntil(lambda: app.window is not None, timeout=60_000)
    assert not window.totp.isVisible()
    if app.session.pin_available:
        return  # a PIN switch: the same PIN locks this session, no dialog
    if app.pin_dialog is None:
        qtbot.waitUntil(lambda: app.pin_dialog is not None, timeout=5_000)
    dialog, app.pin_dialog = app.pin_dialog, None
    if sets_pin is None:
        dialog.skip_button.click()  # no PIN now
        return
    dialog.pin.setText(sets_pin)
    dialog.repeat.setText(sets_pin)
    dialog.set_button.click()
    qtbot.waitUntil(lambda: app.session.pin_available, timeout=30_000)


def _switches(app: DeskApp) -> list[tuple[Any, Any]]:
    events = db_worker().run_sync(lambda store: store.audit.events())
    return [(e.actor_user_id, e.entity_id) for e in events if e.action is AuditAction.SWITCH]


def _switch_user(qtbot: Any, app: DeskApp) -> None:
    window = app.window
    with qtbot.waitSignal(window.signed_out, timeout=60_000):
        window.switch_user()
    qtbot.waitUntil(lambda: app.sign_in.isVisible(), timeout=10_000)


def test_a_colleague_switches_in_and_the_first_person_comes_back_with_the_password_alone(
        qtbot: Any, desk_app: DeskApp, live_api: LiveApi) -> None:
    _types_and_signs_in(qtbot, desk_app, live_api, "front_desk", code_expected=True)
    _switch_user(qtbot, desk_app)
    _types_and_signs_in(qtbot, desk_app, live_api, "provider", code_expected=True)  # first time here
    _switch_user(qtbot, desk_app)
    _types_and_signs_in(qtbot, desk_app, live_api, "front_desk", code_expected=False)
    assert desk_app.session.sync is not None  # online again, on the kept session
    front_desk, provider = live_api.users["front_desk"].id, live_api.users["provider"].id
    assert _switches(desk_app) == [(provider, front_desk), (front_desk, provider)]

    def on_server() -> list[tuple[Any, Any]]:
        with live_api.database.transaction(live_api.tenant.id, write=False) as conn:
            return [tuple(row) for row in conn.execute(
                sa.select(t.audit.c.actor_user_id, t.audit.c.entity_id).where(
                    t.audit.c.tenant_id == live_api.tenant.id, t.audit.c.action == "switch")
                .order_by(t.audit.c.seq))]

    wait_for(lambda: len(on_server()) == 2, what="both switches on the server's trail")
    assert on_server() == [(provider, front_desk), (front_desk, provider)]


def test_the_manager_sets_the_switch_window_on_the_location_screen(
        qtbot: Any, live_api: LiveApi, tmp_path: Path, qapp: Any) -> None:
    session = sign_in_as_the_app_does(live_api, tmp_path / "desk", who="manager")
    try:
        db_worker().attach(session.store)
        dialog = SetupDialog(session, "location")
        qtbot.addWidget(dialog)
        dialog.show()
        box = dialog.panel.switch_window
        assert box is not None
        qtbot.waitUntil(lambda: box.save_button.isEnabled(), timeout=30_000)
        assert box.hours.value() == 12
        assert (box.hours.minimum(), box.hours.maximum()) == (1, 24)
        box.hours.setValue(3)
        box.save_button.click()
        qtbot.waitUntil(lambda: box.message.text().startswith("Saved"), timeout=30_000)
        with live_api.database.transaction(live_api.tenant.id, write=False) as conn:
            kept = conn.execute(sa.select(t.tenant_policies.c.switch_window_s).where(
                t.tenant_policies.c.tenant_id == live_api.tenant.id)).scalar_one()
        assert kept == 3 * 3600
    finally:
        release_worker()
        session.sign_out()


def test_a_warm_colleague_comes_back_with_the_pin_and_a_cold_one_is_asked_for_the_password(
        qtbot: Any, desk_app: DeskApp, live_api: LiveApi) -> None:
    _types_and_signs_in(qtbot, desk_app, live_api, "front_desk", code_expected=True, sets_pin="2468")
    _switch_user(qtbot, desk_app)
    _types_and_signs_in(qtbot, desk_app, live_api, "provider", code_expected=True)  # sets no PIN
    _switch_user(qtbot, desk_app)
    window = desk_app.sign_in
    window.username.setText(live_api.users["provider"].username)
    assert window.password_label.text() == "Pass&word"  # no PIN was set: not warm
    window.username.setText(live_api.users["front_desk"].username)
    assert window.password_label.text() == "Pass&word or PIN"
    _types_and_signs_in(qtbot, desk_app, live_api, "front_desk", code_expected=False, secret="2468")
    assert desk_app.session.sync is not None
    front_desk, provider = live_api.users["front_desk"].id, live_api.users["provider"].id
    assert _switches(desk_app)[-1] == (front_desk, provider)
