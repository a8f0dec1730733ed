"""“Find next free time”: the first free times with any provider, and picking one opens booking filled in."""

from __future__ import annotations

from datetime import timedelta

from pytestqt.qtbot import QtBot

from medspa_desk.desk.blocked_time import block_time
from medspa_desk.records import BlockedTime, BlockKind
from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from ui.next_free import NextFreeDialog
from ui.qt import QTime
from ui.schedule.forms import chosen_id


def finder(qtbot: QtBot, desk: Desk, **kw: object) -> NextFreeDialog:  # noqa: F811
    dialog = NextFreeDialog(desk, day=desk.today + timedelta(days=1), **kw)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.service.count() > 0)
    return dialog


def test_the_first_five_times_are_listed_and_picking_one_opens_booking_filled_in(
        qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    tomorrow = desk.today + timedelta(days=1)
    desk.book(desk.add_client(), day=tomorrow, hour=8)  # Dana's Botox 8:00-8:30, clean-up until 8:40
    dialog = finder(qtbot, desk)
    dialog.service.setCurrentIndex(dialog.service.findText("Botox"))

    dialog.find_button.click()
    qtbot.waitUntil(lambda: dialog.results.count() == 5)

    rows = [dialog.results.item(i).text() for i in range(5)]
    assert all("Dana Reyes, Room 1" in row for row in rows)  # the laser technician does not do Botox
    assert dialog.summary.text() == "The first 5 free times for Botox. Pick one and press “Book this time”."
    firsts = [c.slot.starts_at for c in dialog._choices]
    assert firsts == [desk.at(tomorrow, 8, 45) + timedelta(minutes=15 * i) for i in range(5)]

    dialog.results.setCurrentRow(1)
    dialog.book_button.click()

    booking = dialog.booking
    qtbot.addWidget(booking)
    qtbot.waitUntil(lambda: booking.current_service() is not None and chosen_id(booking.room) is not None)
    assert booking.current_service().id == desk.services["botox"].id  # type: ignore[union-attr]
    assert chosen_id(booking.provider) == desk.injector.id
    assert chosen_id(booking.room) == desk.rooms["room1"].id
    assert booking.time.time() == QTime(9, 0)
    assert booking.date.date().toPython() == tomorrow


def test_nothing_free_says_what_to_try(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    dialog = finder(qtbot, desk)
    # The laser suite is the only laser room: under maintenance for the whole fortnight and more.
    start = desk.at(desk.today, 0)
    block = BlockedTime(location_id=desk.location.id, room_id=desk.rooms["laser"].id, kind=BlockKind.MAINTENANCE,
                        starts_at=start, ends_at=start + timedelta(days=40))
    manager = desk.as_user("manager")
    desk.run(lambda store: block_time(store, actor=manager.actor, block=block))
    dialog.service.setCurrentIndex(dialog.service.findText("Laser hair removal"))

    dialog.find_button.click()
    qtbot.waitUntil(lambda: dialog.find_button.isEnabled() and "No free time" in dialog.summary.text())

    assert dialog.summary.text() == ("No free time for Laser hair removal in the next 14 days. "
                                     "Try a later day, another service, or add the client to the waitlist.")
    assert dialog.results.count() == 0
    assert not dialog.book_button.isEnabled()
