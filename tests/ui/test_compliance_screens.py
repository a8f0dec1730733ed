"""The Compliance menu's screens on a manager's desk (offline here: the desk's own trail, with its note).

The server side of the viewer (filters, pages, the chain, exports) is proven through the use cases against
the live API in tests/api/test_audit_viewer.py; this checks the screens drive them and say what they show.
Set COMPLIANCE_SCREENSHOTS=/some/folder to keep the PNGs.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

import time_machine

from medspa_desk.compliance.audit_trail import OFFLINE_NOTE
from medspa_desk.records import AuditAction
from tests.support.live_api import LiveApi
from tests.ui.conftest import release_worker
from tests.ui.online import sign_in_as_the_app_does, wait_for
from ui.client_profile import ClientProfile
from ui.compliance import compliance_menu, open_audit_viewer
from ui.compliance.access_report import AccessReportWindow
from ui.compliance.audit_viewer import AuditViewer
from ui.compliance.practice_export import PracticeExportDialog
from ui.operations import db_worker
from ui.qt import QImage, Qt, QWidget


def _save(widget: QWidget, name: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("COMPLIANCE_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    assert widget.grab().save(str(folder / name))
    image = QImage(str(folder / name))
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 8  # drawn, not blank


def _audit_events(entity: str) -> list[Any]:
    return db_worker().run_sync(lambda store: [e for e in store.audit.events(limit=100_000) if e.entity == entity])


def test_everyone_signs_policies_from_the_compliance_menu_and_only_managers_get_the_rest(
        qtbot: Any, sign_in: Any) -> None:
    manager, front_desk = sign_in("mgr.lee"), sign_in("desk.amy")
    window = QWidget()
    qtbot.addWidget(window)
    assert [a.text() for a in compliance_menu(window, front_desk).actions()] == ["&Sign policies…"]
    assert [a.text() for a in compliance_menu(window, manager).actions()] == [
        "&Audit trail…", "&Evidence records…", "Compliance &binder…", "Export the &whole practice…",
        "E&nd of contract…", "&Sign policies…"]


def test_the_binder_from_the_menu_is_saved_where_the_manager_chose_and_audited(
        qtbot: Any, sign_in: Any, tmp_path: Path, monkeypatch: Any) -> None:
    session = sign_in("mgr.lee")
    window = QWidget()
    qtbot.addWidget(window)
    told: list[str] = []
    monkeypatch.setattr("ui.compliance.QMessageBox.information", lambda _p, _t, text: told.append(text))
    target = tmp_path / "binder.pdf"
    monkeypatch.setattr("ui.compliance.QFileDialog.getSaveFileName", lambda *_a: (str(target), "PDF (*.pdf)"))
    [binder] = [a for a in compliance_menu(window, session).actions() if "binder" in a.text()]
    binder.trigger()
    qtbot.waitUntil(lambda: bool(told), timeout=20_000)
    assert target.read_bytes().startswith(b"%PDF") and target.stat().st_mode & 0o077 == 0
    assert "binder.pdf" in told[0] and "Missing" in told[0]
    assert [e.action for e in _audit_events("compliance_binder")] == [AuditAction.EXPORT]


def test_the_viewer_shows_this_desks_trail_offline_filters_by_client_and_exports_a_pdf(
        qtbot: Any, sign_in: Any, practice: Any, tmp_path: Path) -> None:
    session = sign_in("mgr.lee")
    client = practice.known[0]
    db_worker().run_sync(lambda store: store.client(client.id, actor=session.actor))
    parent = QWidget()
    qtbot.addWidget(parent)
    viewer = open_audit_viewer(parent, session)
    assert isinstance(viewer, AuditViewer)
    viewer.client.setText(f"{client.first_name} {client.last_name}")
    with qtbot.waitSignal(viewer.did_show, timeout=10_000):
        viewer.show_button.click()
    assert viewer.summary.text().startswith(OFFLINE_NOTE)
    assert viewer.rows and all(r.record_id == client.id for r in viewer.rows)
    assert viewer.table.rowCount() == len(viewer.rows)
    _save(viewer, "compliance-audit-trail.png", tmp_path)
    with qtbot.waitSignal(viewer.did_export, timeout=20_000):
        viewer.export(tmp_path / "trail.pdf", "pdf")
    assert (tmp_path / "trail.pdf").read_bytes().startswith(b"%PDF")
    events = _audit_events("audit")
    assert [e.action for e in events] == [AuditAction.VIEW, AuditAction.EXPORT]
    assert events[0].detail.startswith(f"rows={len(viewer.rows)};offline;")


def test_the_profile_opens_the_clients_access_report_and_saves_it_for_them(
        qtbot: Any, sign_in: Any, practice: Any, tmp_path: Path) -> None:
    session = sign_in("mgr.lee")
    client = practice.known[0]
    profile = ClientProfile(None, session=session, client_id=client.id)
    qtbot.addWidget(profile)
    qtbot.waitUntil(lambda: profile.data is not None, timeout=5000)
    assert profile.access_button.isVisibleTo(profile)
    profile.open_access_report()
    report = profile.access_report
    assert isinstance(report, AccessReportWindow)
    with qtbot.waitSignal(report.did_show, timeout=10_000):
        report.show_button.click()
    assert report.report is not None and report.report.rows  # at least the profile just opened
    assert {r.record_id for r in report.report.rows} <= set(report.report.kinds)
    _save(report, "compliance-access-report.png", tmp_path)
    with qtbot.waitSignal(report.did_save, timeout=20_000):
        report.save(tmp_path / "access.pdf")
    assert (tmp_path / "access.pdf").read_bytes().startswith(b"%PDF")
    assert [e.action for e in _audit_events("access_report")] == [AuditAction.VIEW, AuditAction.EXPORT]


def test_the_front_desk_sees_no_access_report_button(qtbot: Any, sign_in: Any, practice: Any) -> None:
    profile = ClientProfile(None, session=sign_in("desk.amy"), client_id=practice.known[0].id)
    qtbot.addWidget(profile)
    qtbot.waitUntil(lambda: profile.data is not None, timeout=5000)
    assert not profile.access_button.isVisibleTo(profile)


def test_online_the_viewer_pages_the_servers_trail_and_shows_the_signed_checkpoint(
        qtbot: Any, live_api: LiveApi, tmp_path: Path) -> None:
    session = sign_in_as_the_app_does(live_api, tmp_path / "desk", who="manager")
    try:
        wait_for(lambda: db_worker().run_sync(lambda _store: session.reload_location()) is not None,
                 what="the first sync to bring the practice's location")
        parent = QWidget()
        qtbot.addWidget(parent)
        viewer = open_audit_viewer(parent, session)
        assert viewer.chain_button.isEnabled()
        with qtbot.waitSignal(viewer.did_show, timeout=20_000):
            viewer.show_button.click()
        assert not viewer.summary.text().startswith(OFFLINE_NOTE)
        assert any(r.seq is not None for r in viewer.rows)  # the server's rows (its sign-in, at least)
        viewer.check_chain()
        qtbot.waitUntil(lambda: "signed the chain through event" in viewer.chain.text(), timeout=20_000)
    finally:
        release_worker()
        session.sign_out()


def test_the_access_report_opens_on_a_leap_day_with_six_years_back(
        qtbot: Any, sign_in: Any, practice: Any) -> None:
    session = sign_in("mgr.lee")
    client = practice.known[0]
    zone = session.location.zone
    with time_machine.travel(datetime(2028, 2, 29, 11, tzinfo=zone), tick=True):
        window = AccessReportWindow(session, client_id=client.id, client_name="Leap Day")
        qtbot.addWidget(window)
    assert (window.since.date().toPython(), window.until.date().toPython()) == (date(2022, 3, 1), date(2028, 2, 29))


def test_a_manager_exports_the_whole_practice_into_a_folder_they_chose_and_is_told_where_and_how_many(
        qtbot: Any, sign_in: Any, practice: Any, tmp_path: Path, monkeypatch: Any) -> None:
    import json

    session = sign_in("mgr.lee")
    window = QWidget()
    qtbot.addWidget(window)
    target = tmp_path / "handover"
    target.mkdir()
    monkeypatch.setattr("ui.compliance.folder_row.QFileDialog.getExistingDirectory",
                        lambda *_a: str(target))
    [action] = [a for a in compliance_menu(window, session).actions() if "whole practice" in a.text()]
    action.trigger()
    dialog = window.practice_export
    assert isinstance(dialog, PracticeExportDialog)
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    assert dialog.folder.text() == str(target)
    with qtbot.waitSignal(dialog.did_export, timeout=60_000):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)

    manifest = json.loads((target / "manifest.json").read_text("utf-8"))
    clients = db_worker().run_sync(lambda store: len(store.select("SELECT id FROM clients WHERE deleted = 0")))
    assert manifest["counts"]["clients"] == clients >= len(practice.known)
    words = dialog.outcome.text()
    assert f"Exported {clients} clients to {target}" in words and str(target / "manifest.json") in words
    assert dialog.trail_note.text().startswith("The server could not be reached")  # offline here: said plainly
    assert dialog.progress.value() == clients and not dialog.export_button.isEnabled()
    assert [e.outcome for e in _audit_events("practice_export")] == ["ok"]
    _save(dialog, "compliance-practice-export.png", tmp_path)
