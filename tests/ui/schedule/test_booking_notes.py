"""A booking's notes are read where the desk and the injector need them: the block's tooltip, check-in and
the door card (the day sheet's are in tests/core/documents/test_pdf.py)."""

from __future__ import annotations

from datetime import timedelta

from pytestqt.qtbot import QtBot

from medspa_desk.records import Appointment
from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from tests.ui.schedule.test_day_view import DAY, _view
from tests.ui.test_checkin import _check_in
from ui.injector.door_card import DoorCardDialog

NOTES = "Wants the numbing cream 30 minutes before; parking validated"


def book_with_notes(desk: Desk) -> Appointment:  # noqa: F811
    client = desk.add_client()
    start = desk.at(DAY, 10)
    visit = Appointment(location_id=desk.location.id, client_id=client.id, provider_id=desk.injector.id,
                        room_id=desk.rooms["room1"].id, service_id=desk.services["botox"].id, starts_at=start,
                        ends_at=start + timedelta(minutes=30), notes=NOTES)
    desk.run(lambda store: store.book(visit, actor=desk.actor))
    return visit


def test_the_blocks_tooltip_holds_the_notes_except_in_privacy_mode(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    visit = book_with_notes(desk)
    view = _view(qtbot, desk)

    assert view.canvas.appointment_text(visit.id).endswith(f"Notes: {NOTES}")
    view.canvas.set_privacy(True)
    assert NOTES not in view.canvas.appointment_text(visit.id)


def test_check_in_shows_the_booking_notes(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    visit = book_with_notes(desk)

    dialog = _check_in(qtbot, desk, visit.id)

    assert dialog.booking_notes.isVisibleTo(dialog)
    assert dialog.booking_notes.text() == f"Booking notes: {NOTES}"


def test_the_door_card_shows_the_booking_notes(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    visit = book_with_notes(desk)

    card = DoorCardDialog(desk.as_user("provider"), appointment_id=visit.id)
    qtbot.addWidget(card)
    card.show()
    qtbot.waitUntil(lambda: card.card is not None)

    assert card.booking_notes.isVisibleTo(card)
    assert card.booking_notes.text() == f"Booking notes: {NOTES}"
