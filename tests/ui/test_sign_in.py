"""The sign-in window over the real session: the live API over TLS, and the keyslot offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from medspa_desk.session import DeskSession
from tests.support.live_api import LiveApi
from tests.ui.practice import PASSWORDS
from ui.desk_backend import UNREACHABLE, DeskBackend
from ui.main_window import MainWindow
from ui.qt import QPoint, QScrollArea, Qt, QWidget
from ui.sign_in import SetPinDialog, SignInWindow


def window_for(qtbot: Any, backend: DeskBackend, **fields: str) -> SignInWindow:
    window = SignInWindow(backend, **fields)
    qtbot.addWidget(window)
    window.show()
    return window


def new_desk(tmp_path: Path, live_api: LiveApi) -> DeskBackend:
    return DeskBackend(tmp_path / "new-desk", ca_path=live_api.ca_path)


def test_first_sign_in_asks_for_the_code_then_the_status_bar_shows_online(
        qtbot: Any, live_api: LiveApi, tmp_path: Path, signed_in_sessions: list[DeskSession]) -> None:
    user = live_api.users["front_desk"]
    window = window_for(qtbot, new_desk(tmp_path, live_api))
    assert window.server.isVisible() and window.tenant.isVisible()
    qtbot.keyClicks(window.server, live_api.base_url)
    qtbot.keyClicks(window.tenant, live_api.tenant.name)
    qtbot.keyClicks(window.username, user.username)
    qtbot.keyClicks(window.password, user.password)
    qtbot.keyClick(window.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.totp.isVisible(), timeout=30_000)
    assert "six-digit code" in window.message.text()
    qtbot.keyClicks(window.totp, live_api.totp("front_desk"))
    with qtbot.waitSignal(window.signed_in, timeout=60_000) as signed:
        qtbot.keyClick(window.totp, Qt.Key.Key_Return)
    session = signed.args[0]
    signed_in_sessions.append(session)
    assert session.user.id == user.id and session.sync is not None
    assert not window.server.isVisible()  # the workstation is set up now

    desk = MainWindow(session)
    qtbot.addWidget(desk)
    desk.show()
    qtbot.waitUntil(lambda: desk.schedule is not None, timeout=60_000)
    qtbot.waitUntil(lambda: "Online" in desk.status.connection.text(), timeout=30_000)
    assert desk.status.last_sync.text() == "Synced just now"
    assert desk.windowTitle() == f"Medspa Desk — {live_api.tenant.location.name}"
    desk.locker.stop()


def test_a_wrong_password_at_the_server_says_so_plainly(
        qtbot: Any, live_api: LiveApi, tmp_path: Path) -> None:
    window = window_for(qtbot, new_desk(tmp_path, live_api), server=live_api.base_url,
                        tenant=live_api.tenant.name)
    qtbot.keyClicks(window.username, live_api.users["front_desk"].username)
    qtbot.keyClicks(window.password, "not the password at all")
    window.sign_in_button.click()
    qtbot.waitUntil(lambda: not window.busy, timeout=30_000)
    message = window.message.text()
    assert "password" in message.lower()
    assert "Traceback" not in message and "Error" not in message
    assert window.password.text() == "" and not window.totp.isVisible()


def test_an_unreachable_server_says_enrolled_staff_can_still_sign_in(
        qtbot: Any, live_api: LiveApi, tmp_path: Path) -> None:
    address = live_api.base_url
    live_api.stop()
    window = window_for(qtbot, new_desk(tmp_path, live_api), server=address, tenant=live_api.tenant.name)
    qtbot.keyClicks(window.username, "frontdesk")
    qtbot.keyClicks(window.password, "lilac window harbor 4217")
    window.sign_in_button.click()
    qtbot.waitUntil(lambda: not window.busy, timeout=30_000)
    assert window.message.text() and "Traceback" not in window.message.text()
    qtbot.waitUntil(lambda: UNREACHABLE in window.notes.text(), timeout=5000)


def test_a_new_workstation_asks_for_server_and_practice_first(qtbot: Any, tmp_path: Path) -> None:
    window = window_for(qtbot, DeskBackend(tmp_path / "empty-desk"))
    qtbot.waitUntil(lambda: "not set up yet" in window.notes.text(), timeout=5000)
    window.sign_in_button.click()
    assert window.message.text() == ("Please enter the server address, the practice, your user name "
                                     "and your password.")
    assert not window.busy


def test_the_form_sits_in_the_middle_with_even_space_around_and_is_never_squeezed(
        qtbot: Any, tmp_path: Path) -> None:
    window = window_for(qtbot, DeskBackend(tmp_path / "empty-desk"), extra_notes=["Lock with Ctrl+L."])
    # A 1366x768 laptop at 150% is 910x512 logical pixels: the window the screenshots use there.
    window.resize(600, 500)
    qtbot.waitUntil(lambda: window.notes.isVisible(), timeout=5000)
    assert not window.message.isVisible()  # nothing to say yet, so no gap for it
    card = window.findChild(QWidget, "signInCard")
    top = card.mapTo(window, QPoint(0, 0)).y()
    bottom = window.height() - window.notes.mapTo(window, QPoint(0, window.notes.height())).y()
    left = card.mapTo(window, QPoint(0, 0)).x()
    right = window.width() - card.mapTo(window, QPoint(card.width(), 0)).x()
    assert top > 20 and abs(top - bottom) <= 2
    assert left > 20 and abs(left - right) <= 2
    assert window.notes.width() == card.width()

    # Every line showing (the code, a two-line message, the notes) is more than the window holds:
    # it scrolls, and no field is squeezed below the height its text needs.
    window.show_code_field(True)
    window.say("Your password is right. Now enter the six-digit code from your authenticator app. " * 2)
    window.notes.setText("\n".join(["This workstation is not set up yet."] * 12))
    scroll = window.findChild(QScrollArea)
    qtbot.waitUntil(lambda: scroll.verticalScrollBar().maximum() > 0, timeout=3000)
    for field in (window.server, window.tenant, window.username, window.password, window.totp,
                  window.sign_in_button):
        assert field.height() >= field.minimumSizeHint().height(), field.accessibleName()
    assert window.message.height() >= window.message.heightForWidth(window.message.width())


def test_a_wrong_password_offline_says_so_and_clears_the_field(qtbot: Any, workstation: Any) -> None:
    window = window_for(qtbot, DeskBackend(workstation.directory))
    assert not window.server.isVisible() and not window.tenant.isVisible()
    qtbot.keyClicks(window.username, "desk.amy")
    qtbot.keyClicks(window.password, "not the password at all")
    qtbot.keyClick(window.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.busy, timeout=15_000)
    message = window.message.text()
    assert "password" in message.lower()
    assert "Traceback" not in message and "Error" not in message
    assert window.password.text() == ""


def test_the_code_field_is_hidden_until_a_server_asks_for_it(qtbot: Any, workstation: Any) -> None:
    window = window_for(qtbot, DeskBackend(workstation.directory))
    assert not window.totp.isVisible()


def test_missing_fields_are_named_before_anything_is_tried(qtbot: Any, workstation: Any) -> None:
    window = window_for(qtbot, DeskBackend(workstation.directory))
    window.sign_in_button.click()
    assert window.message.text() == "Please enter your user name and your password."
    assert not window.busy


def test_an_enrolled_user_signs_in_from_the_keyslot_without_a_server(
        qtbot: Any, workstation: Any, signed_in_sessions: list[DeskSession]) -> None:
    window = window_for(qtbot, DeskBackend(workstation.directory))
    qtbot.keyClicks(window.username, "mgr.lee")
    qtbot.keyClicks(window.password, PASSWORDS["mgr.lee"])
    with qtbot.waitSignal(window.signed_in, timeout=15_000) as signed:
        window.sign_in_button.click()
    session = signed.args[0]
    signed_in_sessions.append(session)
    assert session.user.username == "mgr.lee" and session.sync is None
    assert session.store is not None and session.store.is_open


def test_the_pin_offered_after_sign_in_is_checked_then_unlocks(qtbot: Any, sign_in: Any) -> None:
    session = sign_in("desk.amy", pin=None)
    dialog = SetPinDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.pin, "12a4")
    dialog.set_button.click()
    assert dialog.message.text() == "A PIN is 4 to 12 digits, with nothing else in it."
    dialog.pin.clear()
    qtbot.keyClicks(dialog.pin, "4826")
    qtbot.keyClicks(dialog.repeat, "4862")
    dialog.set_button.click()
    assert "different" in dialog.message.text()
    qtbot.keyClicks(dialog.repeat, "4826")
    with qtbot.waitSignal(dialog.accepted, timeout=15_000):
        qtbot.keyClick(dialog.repeat, Qt.Key.Key_Return)
    assert session.pin_available
