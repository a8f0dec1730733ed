"""A person a manager invited sets up their authenticator at their own first sign-in, on the desk."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pyotp

from medspa_desk.records import Role
from medspa_desk.session import DeskSession
from tests.api.desk import Desk
from tests.support.live_api import LiveApi
from tests.ui.conftest import release_worker
from ui.desk_backend import DeskBackend
from ui.qt import Qt
from ui.sign_in import SignInWindow

PASSWORD = "harbour lantern cedar 4471"


def invited(live_api: LiveApi) -> str:
    """A front-desk person a manager created through the API: their enrolment waits for them."""
    username = f"newcomer-{secrets.token_hex(3)}"
    with Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        made = manager.post("/users", json={"username": username, "display_name": "Nell Newcomer",
                                            "role": "front_desk", "password": PASSWORD})
    assert made.status_code == 201, made.text
    return username


def typed_in(qtbot: Any, live_api: LiveApi, tmp_path: Path, username: str) -> SignInWindow:
    window = SignInWindow(DeskBackend(tmp_path / "new-desk", ca_path=live_api.ca_path))
    qtbot.addWidget(window)
    window.show()
    qtbot.keyClicks(window.server, live_api.base_url)
    qtbot.keyClicks(window.tenant, live_api.tenant.name)
    qtbot.keyClicks(window.username, username)
    qtbot.keyClicks(window.password, PASSWORD)
    qtbot.keyClick(window.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.enrolment is not None, timeout=30_000)
    return window


def test_an_invited_person_scans_the_code_types_the_first_code_and_is_signed_in(
        qtbot: Any, live_api: LiveApi, tmp_path: Path, signed_in_sessions: list[DeskSession]) -> None:
    username = invited(live_api)
    window = typed_in(qtbot, live_api, tmp_path, username)
    dialog = window.enrolment
    assert dialog.isVisible()
    assert not dialog.qr.pixmap().isNull() and dialog.qr.pixmap().width() >= 150
    secret = dialog.secret.text().replace(" ", "")
    dialog.code_field.setText("12")
    dialog.finish_button.click()
    assert "six digits" in dialog.message.text() and dialog.isVisible()
    dialog.code_field.clear()
    qtbot.keyClicks(dialog.code_field, pyotp.TOTP(secret).now())
    with qtbot.waitSignal(window.signed_in, timeout=60_000) as signed:
        qtbot.keyClick(dialog.code_field, Qt.Key.Key_Return)
    session = signed.args[0]
    signed_in_sessions.append(session)
    assert session.user.username == username and session.sync is not None
    assert window.enrolment is None and window.totp.text() == ""


def test_closing_the_set_up_says_to_ask_a_manager_and_the_key_is_never_shown_twice(
        qtbot: Any, live_api: LiveApi, tmp_path: Path) -> None:
    username = invited(live_api)
    window = typed_in(qtbot, live_api, tmp_path, username)
    window.enrolment.cancel_button.click()
    assert window.enrolment is None
    assert "Ask a manager to reset your authenticator" in window.message.text()
    qtbot.keyClicks(window.password, PASSWORD)
    window.sign_in_button.click()
    qtbot.waitUntil(lambda: not window.busy and "Setting up" not in window.message.text(), timeout=30_000)
    # The key is never shown twice: the server now wants a code from it (if the person added it before
    # closing, it works; if not, a manager resets the authenticator).
    assert window.enrolment is None
    assert window.totp.isVisible() and "six-digit code" in window.message.text()


def test_a_person_whose_authenticator_was_reset_sets_up_the_new_one_on_their_own_workstation(
        qtbot: Any, live_api: LiveApi, tmp_path: Path, signed_in_sessions: list[DeskSession]) -> None:
    person = live_api.add_user(Role.PROVIDER)
    backend = DeskBackend(tmp_path / "desk", ca_path=live_api.ca_path)
    first = backend.sign_in(server=live_api.base_url, tenant=live_api.tenant.name, username=person.username,
                            password=person.password, totp=live_api.totp(person.username))
    release_worker()
    first.sign_out()  # the kept refresh token goes with it: the next sign-in asks the server
    with Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        assert manager.post(f"/users/{person.id}/enrolment").status_code == 200

    window = SignInWindow(backend)
    qtbot.addWidget(window)
    window.show()
    assert not window.server.isVisible()  # this workstation knows the person and its server
    qtbot.keyClicks(window.username, person.username)
    qtbot.keyClicks(window.password, person.password)
    qtbot.keyClick(window.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.enrolment is not None, timeout=30_000)
    secret = window.enrolment.secret.text().replace(" ", "")
    qtbot.keyClicks(window.enrolment.code_field, pyotp.TOTP(secret).now())
    with qtbot.waitSignal(window.signed_in, timeout=60_000) as signed:
        window.enrolment.finish_button.click()
    session = signed.args[0]
    signed_in_sessions.append(session)
    assert session.user.id == person.id and session.sync is not None, "online again, not stranded offline"
