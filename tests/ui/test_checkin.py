"""Check-in over a real store: identity, forms, provider override, and the visit's steps."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from medspa_desk.records import AppointmentStatus, AuditAction
from tests.ui.schedule.desk import Desk, desk, provider_desk  # noqa: F401 (fixtures)
from ui.booking import BookingDialog
from ui.checkin import CheckInDialog, CollectConsentDialog
from ui.qt import QPoint, Qt
from ui.schedule.forms import select_id


def _check_in(qtbot: QtBot, desk: Desk, appointment_id: object) -> CheckInDialog:  # noqa: F811
    dialog = CheckInDialog(desk, appointment_id=appointment_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.check_in_status is not None)
    return dialog


def _sign(qtbot: QtBot, dialog: CollectConsentDialog) -> None:
    pad = dialog.pad
    qtbot.waitExposed(pad)
    points = [QPoint(20 + i * 12, 30 + (i % 3) * 15) for i in range(20)]
    qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=points[0])
    for point in points[1:]:
        qtbot.mouseMove(pad, point)
    qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=points[-1])


def _status(desk: Desk, appointment_id: object) -> AppointmentStatus:  # noqa: F811
    return desk.appointment(appointment_id).status


def test_book_then_check_in_collect_consent_room_and_complete(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    desk.add_client("Maria", "Lopez")
    today = desk.today
    booking = BookingDialog(desk, starts_at=desk.at(today, 0, 5))
    qtbot.addWidget(booking)
    booking.show()
    qtbot.waitUntil(lambda: booking.service.count() > 0)
    qtbot.keyClicks(booking.search_field, "maria")
    qtbot.waitUntil(lambda: booking.results.count() == 1)
    qtbot.keyClick(booking.search_field, Qt.Key.Key_Return)
    booking.save_button.click()  # five past midnight is outside opening hours: the dialog asks first
    qtbot.waitUntil(lambda: booking.save_button.text() == "Book anyway")
    with qtbot.waitSignal(booking.booked) as booked:
        booking.save_button.click()
    appt = booked.args[0]

    dialog = _check_in(qtbot, desk, appt.id)
    assert "Maria Lopez" in dialog.heading.text()
    assert not dialog.arrived_button.isEnabled()
    qtbot.keyClicks(dialog.birth_date, "03/14/1985")
    qtbot.keyClick(dialog.birth_date, Qt.Key.Key_Return)
    assert dialog.identity_result.text() == "Date of birth matches."
    assert dialog.check_in_status.missing_consents == ("neurotoxin",)
    assert not dialog.arrived_button.isEnabled()

    dialog.collect_consent("neurotoxin")
    consent = dialog.consent_dialog
    qtbot.waitUntil(consent.isVisible)
    assert "neurotoxin" in consent.text.toPlainText().lower()
    _sign(qtbot, consent)
    consent.save_button.click()
    qtbot.waitUntil(lambda: dialog.check_in_status.missing_consents == (), timeout=5000)
    signed = desk.run(lambda store: store.consents_for(appt.client_id, actor=desk.actor))
    assert [c.template_key for c in signed] == ["neurotoxin"] and signed[0].is_intact

    qtbot.waitUntil(dialog.arrived_button.isEnabled)
    dialog.arrived_button.click()
    qtbot.waitUntil(lambda: _status(desk, appt.id) is AppointmentStatus.ARRIVED)
    qtbot.waitUntil(dialog.room_button.isEnabled)
    select_id(dialog.room_choice, desk.rooms["room2"].id)
    dialog.room_button.click()
    qtbot.waitUntil(lambda: _status(desk, appt.id) is AppointmentStatus.IN_ROOM)
    assert desk.appointment(appt.id).room_id == desk.rooms["room2"].id
    qtbot.waitUntil(dialog.completed_button.isEnabled)
    dialog.completed_button.click()
    qtbot.waitUntil(lambda: _status(desk, appt.id) is AppointmentStatus.COMPLETED)
    qtbot.waitUntil(lambda: "Completed" in dialog.status_label.text())
    assert not dialog.cancel_button.isEnabled()


def test_a_wrong_birth_date_is_refused_without_showing_the_right_one(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    appt = desk.book(desk.add_client(), day=desk.today, hour=0, minute=5)
    dialog = _check_in(qtbot, desk, appt.id)
    qtbot.keyClicks(dialog.birth_date, "03/15/1985")
    dialog.check_identity.click()
    assert "does not match" in dialog.identity_result.text()
    assert "1985" not in dialog.identity_result.text() and "14" not in dialog.identity_result.text()
    assert not dialog.arrived_button.isEnabled()


def test_front_desk_cannot_let_a_client_through_without_the_consent(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    appt = desk.book(desk.add_client(), day=desk.today, hour=0, minute=5)
    dialog = _check_in(qtbot, desk, appt.id)
    qtbot.keyClicks(dialog.birth_date, "1985-03-14")
    dialog.check_identity.click()
    assert dialog.check_in_status.blocked
    assert not dialog.arrived_button.isEnabled()
    assert dialog.override_box.isHidden()
    assert "Only a provider" in dialog.override_note.text()


def _identity_confirmed_by_a_provider(qtbot: QtBot, signed_in: Desk) -> tuple[object, CheckInDialog]:
    """A provider's check-in of a client with a consent missing, past the date of birth."""
    appt = signed_in.book(signed_in.add_client(), day=signed_in.today, hour=0, minute=5)
    dialog = _check_in(qtbot, signed_in, appt.id)
    qtbot.keyClicks(dialog.birth_date, "03/14/1985")
    dialog.check_identity.click()
    assert dialog.override_box.isVisible()
    return appt, dialog


def test_a_provider_override_needs_a_reason_is_audited_and_lets_the_client_arrive(qtbot: QtBot, provider_desk: Desk) -> None:  # noqa: F811
    signed_in = provider_desk
    appt, dialog = _identity_confirmed_by_a_provider(qtbot, signed_in)
    dialog.override_button.click()
    qtbot.waitUntil(lambda: "Say why" in dialog.problem.text())
    assert not dialog.arrived_button.isEnabled()
    qtbot.keyClicks(dialog.override_reason, "Signed on paper today, scanning later")
    dialog.override_button.click()
    qtbot.waitUntil(dialog.arrived_button.isEnabled)
    assert "Let through by Dana Reyes" in dialog.override_note.text()
    events = signed_in.run(lambda store: store.audit.events(limit=100_000))
    overrides = [e for e in events if e.action is AuditAction.OVERRIDE]
    assert [(e.entity_id, e.actor_user_id) for e in overrides] == [(appt.id, signed_in.user.id)]
    assert "paper" not in overrides[0].detail
    dialog.arrived_button.click()
    qtbot.waitUntil(lambda: _status(signed_in, appt.id) is AppointmentStatus.ARRIVED)
    assert "Signed on paper today" in signed_in.appointment(appt.id).history[-1].reason


def test_no_show_and_cancel_with_reason_go_through_the_store(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    missed = desk.book(desk.add_client("Maria", "Lopez"), day=desk.today, hour=0, minute=5)
    cancelled = desk.book(desk.add_client("Aisha", "Okafor"), day=desk.today, hour=1)
    dialog = _check_in(qtbot, desk, missed.id)
    dialog.no_show_button.click()
    qtbot.waitUntil(lambda: _status(desk, missed.id) is AppointmentStatus.NO_SHOW)
    other = _check_in(qtbot, desk, cancelled.id)
    other.cancel_button.click()
    reason = other.cancel_dialog
    qtbot.waitUntil(reason.isVisible)
    reason.choice.setCurrentIndex(reason.choice.count() - 1)  # "Other": needs words
    reason.confirm.click()
    assert "Write the reason" in reason.problem.text()
    qtbot.keyClicks(reason.detail, "Moving away")
    reason.confirm.click()
    qtbot.waitUntil(lambda: _status(desk, cancelled.id) is AppointmentStatus.CANCELLED)
    assert desk.appointment(cancelled.id).cancel_reason == "Moving away"


def test_a_greyed_out_arrived_says_on_screen_what_to_do_first(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    appt = desk.book(desk.add_client(), day=desk.today, hour=0, minute=5)
    dialog = _check_in(qtbot, desk, appt.id)
    assert not dialog.arrived_button.isEnabled()
    assert dialog.next_step.isVisible()
    assert "confirm the date of birth first" in dialog.next_step.text()
    qtbot.keyClicks(dialog.birth_date, "1985-03-14")
    dialog.check_identity.click()
    assert dialog.check_in_status.blocked and not dialog.arrived_button.isEnabled()
    assert "collect the missing forms first" in dialog.next_step.text()
    assert "ask a provider" in dialog.next_step.text()
    assert dialog.arrived_button.toolTip() == dialog.next_step.text()


def test_with_nothing_to_note_the_forms_step_has_no_blank_line(qtbot: QtBot, provider_desk: Desk) -> None:  # noqa: F811
    _appt, dialog = _identity_confirmed_by_a_provider(qtbot, provider_desk)
    assert dialog.override_note.text() == "" and dialog.override_note.isHidden()
    assert "or override as provider" in dialog.next_step.text()
