"""The compliance evidence screens driven as a person uses them, on a signed-in desk (offline here).

The records' sync and the server's checks are proven through the use cases against the live API in
tests/api/test_compliance_evidence.py; this checks the screens call them and say what to fix.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from medspa_desk.records import (
    BusinessAssociate,
    Disclosure,
    PolicyAcknowledgment,
    PolicyKind,
    RiskAssessment,
)
from ui.client_profile import ClientProfile
from ui.compliance import compliance_menu
from ui.compliance.evidence import RISK_COLUMNS, DisclosureDialog, EvidenceWindow, SignPolicyDialog
from ui.dates import short_date
from ui.operations import db_worker
from ui.qt import QTableWidgetItem, QWidget


def _records(cls: Any) -> list[Any]:
    return db_worker().run_sync(lambda store: store.evidence(cls))


def test_a_manager_records_a_disclosure_from_the_clients_profile(qtbot: Any, sign_in: Any, practice: Any) -> None:
    session = sign_in("mgr.lee")
    client = practice.known[0]
    profile = ClientProfile(None, session=session, client_id=client.id)
    qtbot.addWidget(profile)
    qtbot.waitUntil(lambda: profile.data is not None, timeout=5000)
    assert profile.disclosure_button.isVisibleTo(profile) and profile.request_button.isVisibleTo(profile)
    profile.disclosure_button.click()
    dialog = profile.disclosure_dialog
    assert isinstance(dialog, DisclosureDialog)

    dialog.what.setPlainText("Visit dates in 2026")
    dialog.purpose.setPlainText("Court order 4471")
    dialog.address.setPlainText("1 Court Street")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "Recipient is empty" in dialog.error.text(), timeout=5000)
    assert dialog.isVisible() and _records(Disclosure) == []

    dialog.recipient.setText("Harbor County Court")
    with qtbot.waitSignal(dialog.did_save, timeout=5000):
        dialog.save_button.click()
    [kept] = _records(Disclosure)
    assert (kept.client_id, kept.recipient, kept.recorded_by) == (client.id, "Harbor County Court",
                                                                  session.actor.user_id)
    profile.open_access_report()  # the client's accounting lists it
    report = profile.access_report
    with qtbot.waitSignal(report.did_show, timeout=10_000):
        report.show_button.click()
    assert [d.id for d in report.report.disclosures] == [kept.id]
    assert "and 1 disclosure outside treatment, payment and operations" in report.summary.text()


def test_the_front_desk_has_no_disclosure_button(qtbot: Any, sign_in: Any, practice: Any) -> None:
    profile = ClientProfile(None, session=sign_in("desk.amy"), client_id=practice.known[0].id)
    qtbot.addWidget(profile)
    qtbot.waitUntil(lambda: profile.data is not None, timeout=5000)
    assert not profile.disclosure_button.isVisibleTo(profile) and not profile.request_button.isVisibleTo(profile)


def test_a_person_signs_the_sanction_policy_by_typing_their_own_name(qtbot: Any, sign_in: Any) -> None:
    session = sign_in("desk.amy")
    window = QWidget()
    qtbot.addWidget(window)
    [sign] = compliance_menu(window, session).actions()
    sign.trigger()
    dialog = window.sign_policies
    assert isinstance(dialog, SignPolicyDialog)
    dialog.policy.setCurrentIndex(dialog.policy.findData(PolicyKind.SANCTION_POLICY))
    assert "sanctions" in dialog.body.toPlainText()

    dialog.name.setText("Someone Else")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "Type your own name" in dialog.error.text(), timeout=5000)
    dialog.name.setText("Amy (front desk)")
    with qtbot.waitSignal(dialog.did_save, timeout=5000):
        dialog.save_button.click()
    [signed] = _records(PolicyAcknowledgment)
    assert (signed.user_id, signed.kind) == (session.actor.user_id, PolicyKind.SANCTION_POLICY)


def _evidence_from_the_menu(qtbot: Any, session: Any) -> tuple[QWidget, EvidenceWindow]:
    """Compliance → Evidence records…, as a manager opens it; once its summary has loaded."""
    window = QWidget()
    qtbot.addWidget(window)
    [evidence_action] = [a for a in compliance_menu(window, session).actions() if "Evidence" in a.text()]
    evidence_action.trigger()
    shown: EvidenceWindow = window.evidence_window
    qtbot.waitUntil(lambda: shown.summary is not None, timeout=10_000)
    return window, shown


def _plain(label: str) -> str:
    return label.replace("&", "").rstrip("…").strip()


def _each_place_named_is_there(reminders: list[str], *, menu: Any, window: EvidenceWindow) -> None:
    """"Do one under Compliance → Evidence records → Risk assessment": that menu entry and that tab exist."""
    entries = {_plain(a.text()) for a in menu.actions()}
    tabs = {_plain(window.tabs.tabText(i)) for i in range(window.tabs.count())}
    named = [r.split("Compliance → ", 1)[1].rstrip(".").split(" → ") for r in reminders if "Compliance → " in r]
    assert named, reminders
    for path in named:
        assert path[0] in entries, (path, entries)
        if len(path) > 1:
            assert path[1] in tabs, (path, tabs)


def test_the_manager_fills_in_the_risk_assessment_in_its_table_and_the_reminder_goes(
        qtbot: Any, sign_in: Any) -> None:
    session = sign_in("mgr.lee")
    window, shown = _evidence_from_the_menu(qtbot, session)
    qtbot.waitUntil(lambda: shown.risk.rowCount() >= 1, timeout=10_000)
    reminders = [shown.reminders.item(i).text() for i in range(shown.reminders.count())]
    assert any("No risk assessment is recorded" in r for r in reminders)
    _each_place_named_is_there(reminders, menu=compliance_menu(window, session), window=shown)
    assert shown.risk.item(0, 0).text().startswith("Central server")  # offline: the server, no workstation list

    column = {name: number for number, name in enumerate(RISK_COLUMNS)}
    shown.risk.setItem(0, column["Threats"], QTableWidgetItem("Ransomware"))
    shown.risk.setItem(0, column["Likelihood"], QTableWidgetItem("medium"))
    shown.save_risk.click()
    qtbot.waitUntil(lambda: "Impact" in shown.error.text(), timeout=5000)  # not rated yet: says which
    shown.risk.setItem(0, column["Impact"], QTableWidgetItem("high"))
    shown.save_risk.click()
    qtbot.waitUntil(lambda: bool(_records(RiskAssessment)), timeout=5000)
    qtbot.waitUntil(lambda: "yearly review" in shown.risk_note.text(), timeout=5000)
    [assessment] = _records(RiskAssessment)
    assert assessment.items[0].risk_level.value == "high"
    assert shown.risk.item(0, column["Risk"]).text() == "high"
    reminders = [shown.reminders.item(i).text() for i in range(shown.reminders.count())]
    assert not any("No risk assessment" in r for r in reminders)


def test_agreement_dates_are_typed_and_shown_in_the_desks_order_and_a_wrong_one_is_named(
        qtbot: Any, sign_in: Any) -> None:
    _window, shown = _evidence_from_the_menu(qtbot, sign_in("mgr.lee"))
    signed, expires = date(2026, 3, 14), date(2028, 3, 13)
    shown.add_associate.click()
    row = shown.associates.rowCount() - 1
    for column, text in enumerate(("Harbor Hosting", "Server host", short_date(signed), "13/45/2028")):
        shown.associates.setItem(row, column, QTableWidgetItem(text))
    shown.save_associates.click()
    assert "Expires, row 1: “13/45/2028” is not a date. Write it as " in shown.error.text()
    assert _records(BusinessAssociate) == []  # nothing half-saved

    shown.associates.setItem(row, 3, QTableWidgetItem(short_date(expires)))
    shown.save_associates.click()
    qtbot.waitUntil(lambda: bool(_records(BusinessAssociate)), timeout=5000)
    [associate] = _records(BusinessAssociate)
    assert (associate.vendor, associate.baa_signed_on, associate.baa_expires_on) == ("Harbor Hosting", signed, expires)
    qtbot.waitUntil(lambda: shown.associates.rowCount() == 1 and shown.associates.item(0, 3) is not None
                    and shown.associates.item(0, 3).text() == short_date(expires), timeout=5000)
    assert "YYYY-MM-DD" not in " ".join(shown.associates.horizontalHeaderItem(c).text() for c in range(5))


def test_locking_closes_the_evidence_window(qtbot: Any, sign_in: Any) -> None:
    from tests.ui.test_lock import open_desk, settle_deletes
    from ui.compliance import open_evidence
    from ui.qt import QAction

    window = open_desk(qtbot, sign_in("mgr.lee"))
    window.locker.stop()
    shown = open_evidence(window, window.session)
    qtbot.waitUntil(lambda: shown.summary is not None, timeout=10_000)
    assert "Evidence records…" in [a.text().replace("&", "") for a in window.compliance_menu.actions()
                                   if isinstance(a, QAction)]
    window.locker.lock()
    qtbot.waitUntil(lambda: window.locker.locked, timeout=10_000)
    settle_deletes()
    assert not _alive(shown) or not shown.isVisible()


def _alive(widget: Any) -> bool:
    from ui.qt import is_alive

    return is_alive(widget)
