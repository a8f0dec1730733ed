"""Check-in over a real signed-in session: the intake is collected in the client's hands, then arrival."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from medspa_desk.documents.questionnaire import build_intake, shipped_questionnaire
from medspa_desk.records import AppointmentStatus, Signature
from tests.ui.forms.filling import fill_required, sign
from ui.checkin import CheckInDialog
from ui.operations import db_worker
from ui.qt import QLabel, QPushButton, Qt


def todays_appointment(practice: Any, client: Any) -> Any:
    return next(r for r in practice.records if getattr(r, "client_id", None) == client.id
                and hasattr(r, "starts_at") and r.starts_at.date() >= practice.today.replace(day=1))


def open_check_in(qtbot: Any, session: Any, appointment_id: Any) -> CheckInDialog:
    dialog = CheckInDialog(session, appointment_id=appointment_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.check_in_status is not None, timeout=5000)
    return dialog


def buttons(dialog: CheckInDialog) -> dict[str, QPushButton]:
    return {b.accessibleName(): b for b in dialog.findChildren(QPushButton) if b.isVisible()}


def test_check_in_collects_the_intake_in_the_clients_hands_then_arrives(qtbot: Any, sign_in: Any,
                                                                        practice: Any) -> None:
    session = sign_in("desk.amy")
    client = practice.known[0]
    appt = todays_appointment(practice, client)
    dialog = open_check_in(qtbot, session, appt.id)
    assert dialog.check_in_status.needs_intake and not dialog.arrived_button.isEnabled()
    assert dialog.hand_over.isChecked()

    qtbot.waitUntil(lambda: "Collect health questionnaire" in buttons(dialog), timeout=2000)
    buttons(dialog)["Collect health questionnaire"].click()
    handoff = dialog.handoff
    assert handoff.isFullScreen() and not dialog.isVisible()
    form = handoff.form
    assert form.reuse_box.isHidden()  # no earlier form to start from
    fill_required(qtbot, form)
    sign(qtbot, form, client.full_name)
    form.submit_button.click()
    qtbot.waitUntil(lambda: handoff.staff_view is not None, timeout=5000)
    qtbot.keyClicks(handoff.staff_view.pin, "2468")
    qtbot.keyClick(handoff.staff_view.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(dialog.isVisible, timeout=10_000)
    qtbot.waitUntil(lambda: not dialog.check_in_status.needs_intake, timeout=5000)

    qtbot.keyClicks(dialog.birth_date, f"{client.birth_date:%m/%d/%Y}")
    qtbot.keyClick(dialog.birth_date, Qt.Key.Key_Return)
    qtbot.waitUntil(dialog.arrived_button.isEnabled, timeout=5000)
    dialog.arrived_button.click()
    qtbot.waitUntil(lambda: db_worker().run_sync(lambda store: store.appointment(appt.id)).status
                    is AppointmentStatus.ARRIVED, timeout=5000)


def test_a_reported_health_change_asks_for_a_new_intake_and_findings_show_their_reasons(
        qtbot: Any, sign_in: Any, practice: Any) -> None:
    session = sign_in("desk.amy")
    client = practice.known[2]
    questionnaire = shipped_questionnaire()
    answers = {q.id: (q.must_be if q.must_be is not None else False) for q in questionnaire.questions
               if q.type == "yes_no" and q.show_if is None}
    answers.update(phone="555-0100", emergency_contact_name="Pat", emergency_contact_phone="555-0101",
                   conditions=["none"], pregnancy_status="pregnant", fitzpatrick_skin_type="II")
    intake = build_intake(questionnaire, client=client, answers=answers,
                          submitted_at=datetime.now(session.zone), signer_name=client.full_name,
                          signature=Signature(width=300, height=100, strokes=(((0, 0), (200, 50)),)))
    db_worker().run_sync(lambda store: store.submit_intake(intake, actor=session.actor))
    dialog = open_check_in(qtbot, session, todays_appointment(practice, client).id)

    def finding_lines() -> list[str]:
        # Rows added to a shown dialog appear on the next turn of the event loop.
        return [label.text() for label in dialog.findChildren(QLabel)
                if label.isVisible() and label.text().startswith("Do not treat today.")]

    qtbot.waitUntil(lambda: bool(finding_lines()), timeout=2000)
    finding = finding_lines()[0]
    reason = next(i.finding.reason for i in dialog.check_in_status.items if i.finding is not None)
    assert reason in finding and "Botox" in finding

    dialog.health_changed.setChecked(True)
    assert dialog.check_in_status.needs_intake
    qtbot.waitUntil(lambda: "Collect health questionnaire" in buttons(dialog), timeout=2000)
    dialog.hand_over.setChecked(False)
    buttons(dialog)["Collect health questionnaire"].click()
    form = dialog.intake_dialog.form
    # The client said something changed: the old answers are not offered.
    assert form.reuse_box.isHidden() and form.fields["pregnancy_status"].value() is None
