"""The sign-in window over the real offline keyslot sign-in."""

from __future__ import annotations

from typing import Any

from tests.ui.practice import PASSWORDS
from ui.demo import OfflineSignIn
from ui.qt import Qt
from ui.sign_in import SignInWindow


def window_for(qtbot: Any, workstation: Any) -> SignInWindow:
    window = SignInWindow(OfflineSignIn(workstation.directory, pin=None), tenant="glow")
    qtbot.addWidget(window)
    window.show()
    return window


def test_a_wrong_password_says_so_plainly_and_clears_the_field(qtbot: Any, workstation: Any) -> None:
    window = window_for(qtbot, workstation)
    qtbot.keyClicks(window.username, "desk.amy")
    qtbot.keyClicks(window.password, "not the password at all")
    qtbot.keyClick(window.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.busy, timeout=15_000)
    message = window.message.text()
    assert "password" in message.lower()
    assert "Traceback" not in message and "Error" not in message
    assert window.password.text() == ""


def test_the_code_field_is_hidden_until_a_server_asks_for_it(qtbot: Any, workstation: Any) -> None:
    window = window_for(qtbot, workstation)
    assert not window.totp.isVisible()


def test_missing_fields_are_named_before_anything_is_tried(qtbot: Any, workstation: Any) -> None:
    window = window_for(qtbot, workstation)
    window.sign_in_button.click()
    assert window.message.text() == "Please enter your user name and your password."
    assert not window.busy


def test_the_right_password_signs_in_and_hands_over_the_session(qtbot: Any, workstation: Any) -> None:
    window = window_for(qtbot, workstation)
    qtbot.keyClicks(window.username, "mgr.lee")
    qtbot.keyClicks(window.password, PASSWORDS["mgr.lee"])
    with qtbot.waitSignal(window.signed_in, timeout=15_000) as signed:
        window.sign_in_button.click()
    session = signed.args[0]
    try:
        assert session.user.username == "mgr.lee" and session.store.is_open
    finally:
        session.sign_out()


def test_the_window_explains_offline_sign_in(qtbot: Any, workstation: Any) -> None:
    window = window_for(qtbot, workstation)
    qtbot.waitUntil(lambda: bool(window.notes.text()), timeout=5000)
    assert "offline" in window.notes.text().lower()
