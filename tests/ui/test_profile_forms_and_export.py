"""From the client profile: a signed form opens as it was signed; a manager exports the whole record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from medspa_desk.records import AuditAction
from tests.ui.forms.signed import signed_consent
from ui.client_profile import ClientProfile
from ui.forms.pdf_view import PdfViewer
from ui.operations import db_worker
from ui.qt import QLabel
from ui.schedule.legend import StatusLegend


def open_profile(qtbot: Any, session: Any, client_id: Any) -> ClientProfile:
    profile = ClientProfile(None, session=session, client_id=client_id)
    qtbot.addWidget(profile)
    qtbot.waitUntil(lambda: profile.data is not None, timeout=5000)
    return profile


def test_a_signed_consent_opens_from_the_profile_in_the_viewer(qtbot: Any, sign_in: Any, practice: Any) -> None:
    session = sign_in("desk.amy")
    client = practice.known[0]
    consent = signed_consent(session, client)
    profile = open_profile(qtbot, session, client.id)
    row = next(profile.forms.topLevelItem(i) for i in range(profile.forms.topLevelItemCount())
               if profile.forms.topLevelItem(i).text(0) == consent.title)
    profile.forms.itemActivated.emit(row, 0)
    qtbot.waitUntil(lambda: isinstance(getattr(profile, "viewer", None), PdfViewer), timeout=10_000)
    profile.viewer.close()


def test_a_manager_exports_the_whole_record_and_the_export_is_audited(
        qtbot: Any, sign_in: Any, practice: Any, tmp_path: Path, monkeypatch: Any) -> None:
    session = sign_in("mgr.lee")
    client = practice.known[0]
    profile = open_profile(qtbot, session, client.id)
    assert profile.export_button.isVisibleTo(profile)
    monkeypatch.setattr("ui.client_profile.QMessageBox.information", lambda *args: None)
    target = tmp_path / "export" / "record.pdf"
    target.parent.mkdir()
    electronic = target.with_name("record.fhir.json")
    profile.export_to(target)
    qtbot.waitUntil(lambda: target.exists() and electronic.exists(), timeout=20_000)
    assert target.read_bytes().startswith(b"%PDF")
    bundle = json.loads(electronic.read_text())
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    assert patient["name"][0]["family"] == client.last_name
    assert target.stat().st_mode & 0o077 == 0 and electronic.stat().st_mode & 0o077 == 0
    events = db_worker().run_sync(lambda store: store.audit.events(limit=10_000))
    assert sorted(e.detail for e in events if e.action is AuditAction.EXPORT and e.entity_id == client.id) == \
        ["fhir_r4_bundle", "record_pdf"]


def test_front_desk_has_no_export_button(qtbot: Any, sign_in: Any, practice: Any) -> None:
    profile = open_profile(qtbot, sign_in("desk.amy"), practice.known[0].id)
    assert not profile.export_button.isVisibleTo(profile)


def test_a_provider_opens_a_treatment_record_with_its_face_chart_for_printing(
        qtbot: Any, sign_in: Any, practice: Any) -> None:
    profile = open_profile(qtbot, sign_in("np.rivera"), practice.known[0].id)
    with qtbot.waitSignal(profile.treatments_did_load, timeout=5000):
        profile.tabs.setCurrentWidget(profile.treatments)
    profile.treatments.itemActivated.emit(profile.treatments.topLevelItem(0), 0)
    qtbot.waitUntil(lambda: isinstance(getattr(profile, "viewer", None), PdfViewer), timeout=10_000)
    assert profile.viewer.document.entity == "treatment"
    profile.viewer.close()


def test_appointment_statuses_in_the_profile_read_as_the_schedule_legend(
        qtbot: Any, sign_in: Any, practice: Any) -> None:
    session = sign_in("desk.amy")
    profile = open_profile(qtbot, session, practice.known[0].id)
    groups = [profile.appointments.topLevelItem(i) for i in range(profile.appointments.topLevelItemCount())]
    statuses = {group.child(i).text(4) for group in groups for i in range(group.childCount())}
    legend = StatusLegend()
    qtbot.addWidget(legend)
    assert statuses == {"Confirmed"}
    assert "Confirmed" in [label.text() for label in legend.findChildren(QLabel)]
