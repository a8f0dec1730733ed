"""Manager → Staff against the live API: invite, change a role, reset an authenticator, disable a
leaver (their refresh token refused at once), enable, unlock; refusals in plain words."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_desk.records import AuditAction, Role, utc_now
from medspa_desk.session import DeskSession
from tests.support.live_api import LiveApi
from tests.ui.online import sign_in_as_the_app_does
from ui.main_window import MainWindow
from ui.manager.staff import StaffDialog
from ui.qt import QMessageBox

FIRST_PASSWORD = "orchard kettle marble 5829"


def staff_screen(qtbot: Any, session: DeskSession) -> StaffDialog:
    dialog = StaffDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def said(qtbot: Any, dialog: StaffDialog, words: str) -> str:
    qtbot.waitUntil(lambda: words in dialog.message.text(), timeout=30_000)
    return dialog.message.text()


def row_of(dialog: StaffDialog, username: str) -> int:
    return next(i for i, m in enumerate(dialog.members) if m.username == username)


def confirm(qtbot: Any, dialog: StaffDialog) -> None:
    qtbot.waitUntil(lambda: dialog.confirmation is not None, timeout=5_000)
    dialog.confirmation.button(QMessageBox.StandardButton.Yes).click()


def refresh_status(live_api: LiveApi, tokens: dict[str, Any]) -> int:
    with live_api.client() as http:
        return http.post(live_api.url("/auth/refresh"), json={
            "refresh_token": tokens["refresh_token"], "device_id": tokens["device_id"],
            "device_secret": tokens.get("device_secret")}).status_code


def test_a_manager_invites_changes_a_role_resets_disables_enables_and_unlocks(
        qtbot: Any, live_api: LiveApi, tmp_path: Path, signed_in_sessions: list[DeskSession]) -> None:
    session = sign_in_as_the_app_does(live_api, tmp_path / "desk", who="manager")
    signed_in_sessions.append(session)
    dialog = staff_screen(qtbot, session)
    said(qtbot, dialog, "accounts")
    assert {m.username for m in dialog.members} >= {live_api.users["front_desk"].username}

    # Invite: the person's authenticator waits for them; the manager sees nothing secret.
    username = f"newhire-{secrets.token_hex(3)}"
    dialog.invite_button.click()
    invite = dialog.invitation
    invite.submit()
    assert invite.message.text() == "Please enter the name, a user name and a first password."
    invite.role.setCurrentIndex(0)
    qtbot.keyClicks(invite.display_name, "Hana Newhire")
    qtbot.keyClicks(invite.username, username)
    qtbot.keyClicks(invite.password, FIRST_PASSWORD)
    invite.invite_button.click()
    text = said(qtbot, dialog, "is invited as front desk")
    assert "otpauth" not in text and "secret" not in text.lower()
    with live_api.client() as http:
        asked = http.post(live_api.url("/auth/login"), json={"tenant": live_api.tenant.name,
                                                            "username": username, "password": FIRST_PASSWORD})
    assert asked.json()["code"] == "totp_enrolment_required"

    # The same user name again: the server's refusal, in words.
    dialog.invite_button.click()
    again = dialog.invitation
    for field, value in ((again.display_name, "Someone Else"), (again.username, username),
                         (again.password, FIRST_PASSWORD)):
        qtbot.keyClicks(field, value)
    again.invite_button.click()
    qtbot.waitUntil(lambda: again.invite_button.isEnabled(), timeout=30_000)
    assert "Traceback" not in again.message.text() and again.message.text() not in ("", "Inviting…")
    again.reject()

    # Change the new person's role.
    dialog.table.selectRow(row_of(dialog, username))
    dialog.role.setCurrentIndex(1)  # provider
    dialog.role_button.click()
    said(qtbot, dialog, "is now provider")
    assert dialog.members[row_of(dialog, username)].role is Role.PROVIDER

    # A leaver: disabled, their refresh token is refused at once; then enabled again.
    leaver = live_api.add_user(Role.FRONT_DESK)
    tokens = live_api.login(leaver.username)
    dialog.reload()
    qtbot.waitUntil(lambda: any(m.username == leaver.username for m in dialog.members), timeout=30_000)
    dialog.table.selectRow(row_of(dialog, leaver.username))
    dialog.disable_button.click()
    confirm(qtbot, dialog)
    said(qtbot, dialog, "is disabled")
    assert refresh_status(live_api, tokens) == 401
    assert not dialog.members[row_of(dialog, leaver.username)].active
    dialog.enable_button.click()
    said(qtbot, dialog, "can sign in again")

    # Reset an authenticator: the person re-enrols at their next sign-in.
    dialog.reset_button.click()
    confirm(qtbot, dialog)
    said(qtbot, dialog, "sets up their authenticator again")

    # Unlock an account locked by failed sign-ins.
    with live_api.database.transaction(live_api.tenant.id) as conn:
        conn.execute(t.users.update().where(t.users.c.tenant_id == live_api.tenant.id, t.users.c.id == leaver.id)
                     .values(failed_logins=10, locked_until=utc_now() + timedelta(minutes=30)))
    dialog.reload()
    qtbot.waitUntil(lambda: dialog.members[row_of(dialog, leaver.username)].locked, timeout=30_000)
    qtbot.waitUntil(lambda: dialog.unlock_button.isEnabled(), timeout=5_000)
    dialog.unlock_button.click()
    said(qtbot, dialog, "is unlocked")
    assert not dialog.members[row_of(dialog, leaver.username)].locked

    with live_api.database.transaction(live_api.tenant.id, write=False) as conn:
        audited = set(conn.execute(sa.select(t.audit.c.detail).where(
            t.audit.c.tenant_id == live_api.tenant.id, t.audit.c.entity_id == leaver.id)).scalars())
    assert {"disabled", "enabled", "totp_enrolment_started", "unlocked"} <= audited

    desk = MainWindow(session)
    qtbot.addWidget(desk)
    assert [a.text() for a in desk.manager_actions] == [
        "&Staff…", "&Workstations…", "Set-up &assistant…", "Location…", "Rooms…", "Providers…", "Services…",
        "Products…", "&Consent texts…", "&Import clients…", "Import upcoming &appointments…"]
    assert "&Manager" in [a.text() for a in desk.menuBar().actions()]
    desk.locker.stop()


def test_a_manager_cannot_make_an_admin_and_is_told_so(
        qtbot: Any, live_api: LiveApi, tmp_path: Path, signed_in_sessions: list[DeskSession]) -> None:
    session = sign_in_as_the_app_does(live_api, tmp_path / "desk", who="manager")
    signed_in_sessions.append(session)
    dialog = staff_screen(qtbot, session)
    said(qtbot, dialog, "accounts")
    dialog.table.selectRow(row_of(dialog, live_api.users["front_desk"].username))
    dialog.role.setCurrentIndex(3)  # admin
    dialog.role_button.click()
    assert "Only an admin may make someone an admin." in said(qtbot, dialog, "admin may")


def test_front_desk_has_no_manager_menu_and_the_staff_screen_refuses_and_audits(
        qtbot: Any, live_api: LiveApi, tmp_path: Path, signed_in_sessions: list[DeskSession]) -> None:
    session = sign_in_as_the_app_does(live_api, tmp_path / "desk", who="front_desk")
    signed_in_sessions.append(session)
    desk = MainWindow(session)
    qtbot.addWidget(desk)
    assert desk.manager_actions == []
    menus = [a.text().replace("&", "") for a in desk.menuBar().actions()]
    assert "Desk" in menus and "Manager" not in menus
    desk.locker.stop()
    dialog = staff_screen(qtbot, session)
    text = said(qtbot, dialog, "Only a manager or an admin can manage staff accounts")
    assert "front desk" in text and not dialog.invite_button.isEnabled()

    def denied() -> bool:
        store = session.store
        return any(e.action is AuditAction.ACCESS_DENIED and e.detail == "manage_staff"
                   for e in store.audit.events(limit=1000))

    from ui.operations import db_worker

    assert db_worker().run_sync(lambda _store: denied())
