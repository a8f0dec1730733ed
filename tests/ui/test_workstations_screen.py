"""Manager → Workstations against the live API: the list, the lost-device warning, revoking one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from medspa_desk.desk.workstations import WorkstationsDesk
from medspa_desk.records import AuditAction, Role
from medspa_desk.session import DeskSession
from medspa_desk.version import APP_VERSION
from tests.api.desk import Desk
from tests.support.live_api import LiveApi
from tests.ui.online import sign_in_as_the_app_does
from ui.manager.workstations import HEADERS, WorkstationsDialog
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
        assert dialog.table.item(row, 2).text() != "" and dialog.table.item(row, HEADERS.index("Revoked")).text() == ""
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
        assert dialog.table.item(row, HEADERS.index("Revoked")).text() != ""
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


def test_a_manager_renames_a_workstation_and_sees_its_version_and_waiting_changes(
        qtbot: Any, live_api: LiveApi, tmp_path: Path, signed_in_sessions: list[DeskSession]) -> None:
    session = sign_in_as_the_app_does(live_api, tmp_path / "desk", who="manager")
    signed_in_sessions.append(session)
    # This desk reports after its syncs; the list shows what it said once it has.
    calls = WorkstationsDesk(session, role=session.user.role)
    qtbot.waitUntil(lambda: any(w.id == session.config.device_id and w.app_version == APP_VERSION
                                for w in calls.workstations()), timeout=30_000)
    dialog = screen(qtbot, session)
    column = {name: i for i, name in enumerate(HEADERS)}
    own = lambda: next(i for i, w in enumerate(dialog.listed) if w.id == session.config.device_id)  # noqa: E731
    qtbot.waitUntil(lambda: any(w.id == session.config.device_id for w in dialog.listed), timeout=30_000)
    assert dialog.table.item(own(), column["App version"]).text() == APP_VERSION
    assert dialog.table.item(own(), column["Changes waiting"]).text() == "0"

    dialog.table.selectRow(own())
    dialog.rename_button.click()
    qtbot.waitUntil(lambda: dialog.rename_prompt is not None, timeout=5_000)
    dialog.rename_prompt.setTextValue("   ")
    dialog.rename_prompt.accept()
    qtbot.waitUntil(lambda: "one line of 1 to 100 characters" in dialog.message.text(), timeout=10_000)
    dialog.rename_button.click()
    qtbot.waitUntil(lambda: dialog.rename_prompt is not None, timeout=5_000)
    dialog.rename_prompt.setTextValue("Front desk 2")
    dialog.rename_prompt.accept()
    qtbot.waitUntil(lambda: dialog.message.text() == "Renamed: “Front desk 2”.", timeout=30_000)
    assert dialog.table.item(own(), 0).text() == "Front desk 2 (this one)"
