"""Manager → Workstations against the live API: the list, the lost-device warning, revoking one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from medspa_desk.records import AuditAction, Role
from medspa_desk.session import DeskSession
from tests.api.desk import Desk
from tests.support.live_api import LiveApi
from tests.ui.online import sign_in_as_the_app_does
from ui.manager.workstations import WorkstationsDialog
from ui.operations import db_worker
from ui.qt import QMessageBox


def screen(qtbot: Any, session: DeskSession) -> WorkstationsDialog:
    dialog = WorkstationsDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_a_manager_sees_who_used_each_workstation_and_revokes_a_lost_one(
        qtbot: Any, live_api: LiveApi, tmp_path: Path, signed_in_sessions: list[DeskSession]) -> None:
    person = live_api.add_user(Role.PROVIDER)
    with Desk.sign_in(live_api, person.username) as laptop:
        session = sign_in_as_the_app_does(live_api, tmp_path / "desk", who="manager")
        signed_in_sessions.append(session)
        dialog = screen(qtbot, session)
        qtbot.waitUntil(lambda: any(w.id == laptop.device_id for w in dialog.listed), timeout=30_000)
        row = next(i for i, w in enumerate(dialog.listed) if w.id == laptop.device_id)
        assert dialog.table.item(row, 1).text() == person.username.title()
        assert dialog.table.item(row, 2).text() != "" and dialog.table.item(row, 3).text() == ""
        own = next(i for i, w in enumerate(dialog.listed) if w.id == session.config.device_id)
        assert dialog.table.item(own, 0).text().endswith("(this one)")
        assert "treat it as a lost device" in dialog.warning.text() and dialog.warning.isVisible()

        dialog.table.selectRow(row)
        dialog.revoke_button.click()
        qtbot.waitUntil(lambda: dialog.confirmation is not None, timeout=5_000)
        assert "lost device" in dialog.confirmation.text()
        dialog.confirmation.button(QMessageBox.StandardButton.Yes).click()
        qtbot.waitUntil(lambda: "is revoked" in dialog.message.text(), timeout=30_000)
        assert "lost device" in dialog.message.text()
        refused = laptop.get("/sync/changes")
        assert (refused.status_code, refused.json()["code"]) == (403, "device_revoked")
        row = next(i for i, w in enumerate(dialog.listed) if w.id == laptop.device_id)
        assert dialog.table.item(row, 3).text() != ""
        dialog.table.selectRow(row)
        assert not dialog.revoke_button.isEnabled(), "a revoked workstation is not revoked twice"


def test_a_provider_cannot_open_workstations_and_the_refusal_is_audited(
        qtbot: Any, live_api: LiveApi, tmp_path: Path, signed_in_sessions: list[DeskSession]) -> None:
    session = sign_in_as_the_app_does(live_api, tmp_path / "desk", who="provider")
    signed_in_sessions.append(session)
    dialog = screen(qtbot, session)
    qtbot.waitUntil(lambda: "Only a manager or an admin can manage workstations" in dialog.message.text(),
                    timeout=30_000)
    assert dialog.listed == [] and not dialog.revoke_button.isEnabled()
    assert db_worker().run_sync(lambda store: any(
        e.action is AuditAction.ACCESS_DENIED and e.detail == "manage_workstations"
        for e in store.audit.events(limit=1000)))
