"""A manager blocks a provider's break from the Desk menu's dialog; the day view names it and booking refuses it."""

from __future__ import annotations

from datetime import time

import pytest
from pytestqt.qtbot import QtBot

from medspa_desk.desk import visits
from medspa_desk.desk.blocked_time import TimeBlocked
from medspa_desk.records import Appointment, BlockKind
from medspa_desk.time_words import ClockStyle, clock_style, time_span, use_clock_style
from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from tests.ui.schedule.test_day_view import DAY, _view
from ui.booking import BookingDialog
from ui.qt import QTime
from ui.schedule.block_time import BlockTimeDialog


def block_dialog(qtbot: QtBot, desk: Desk) -> BlockTimeDialog:  # noqa: F811
    dialog = BlockTimeDialog(desk, day=DAY)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.holder.count() > 0)
    return dialog


def test_a_manager_blocks_a_break_the_day_shows_it_and_a_booking_into_it_is_refused(
        qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    manager = desk.as_user("manager")
    view = _view(qtbot, desk)
    dialog = block_dialog(qtbot, manager)
    dialog.holder.setCurrentIndex(dialog.holder.findText(f"{desk.injector.display_name} (provider)"))
    dialog.why.setCurrentIndex(dialog.why.findData(BlockKind.BREAK.value))
    dialog.starts.setTime(QTime(12, 0))
    dialog.ends.setTime(QTime(13, 0))
    with qtbot.waitSignal(dialog.did_block):
        dialog.save_button.click()

    qtbot.waitUntil(lambda: view.blocked_line.isVisible())
    assert view.blocked_line.text() == f"Blocked: {desk.injector.display_name} {time_span(time(12), time(13))} (a break)"
    client = desk.add_client()
    lunch = Appointment(location_id=desk.location.id, client_id=client.id, provider_id=desk.injector.id,
                        room_id=desk.rooms["room1"].id, service_id=desk.services["botox"].id,
                        starts_at=desk.at(DAY, 12, 30), ends_at=desk.at(DAY, 13))
    refused = desk.run(lambda store: _refusal(store, desk, lunch))
    assert "(a break)" in refused


def _refusal(store: object, desk: Desk, visit: Appointment) -> str:  # noqa: F811
    try:
        visits.book_visit(store, actor=desk.actor, visit=visit, confirmed=True)  # type: ignore[arg-type]
    except TimeBlocked as exc:
        return str(exc)
    return "booked"


def test_to_before_from_is_named_and_nothing_is_blocked(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    dialog = block_dialog(qtbot, desk.as_user("manager"))
    dialog.starts.setTime(QTime(14, 0))
    dialog.ends.setTime(QTime(13, 0))

    dialog.save_button.click()

    assert dialog.problem.text() == "“To” must be after “From”."
    assert desk.run(lambda store: store.blocked_times(desk.location.id, starts=desk.at(DAY, 0),
                                                      ends=desk.at(DAY, 23))) == []


@pytest.mark.parametrize("style, shown", [(ClockStyle.TWELVE_HOUR, "12:00 PM"), (ClockStyle.TWENTY_FOUR_HOUR, "12:00")])
def test_the_block_and_booking_time_fields_write_times_in_the_desks_one_format(
        qtbot: QtBot, desk: Desk, style: ClockStyle, shown: str) -> None:  # noqa: F811
    saved = clock_style()
    use_clock_style(style)
    try:
        block = BlockTimeDialog(desk, day=DAY)
        booking = BookingDialog(desk, starts_at=desk.at(DAY, 12))
        qtbot.addWidget(block)
        qtbot.addWidget(booking)
        assert (block.starts.text(), booking.time.text()) == (shown, shown)
    finally:
        use_clock_style(saved)


def test_the_front_desk_blocks_a_providers_break_and_is_offered_nothing_else(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    view = _view(qtbot, desk)
    dialog = block_dialog(qtbot, desk)  # signed in as the front desk
    assert [dialog.why.itemData(i) for i in range(dialog.why.count())] == [BlockKind.BREAK.value]
    holders = [dialog.holder.itemText(i) for i in range(dialog.holder.count())]
    assert all(h.endswith("(provider)") for h in holders) and f"{desk.injector.display_name} (provider)" in holders
    dialog.holder.setCurrentIndex(dialog.holder.findText(f"{desk.injector.display_name} (provider)"))
    dialog.starts.setTime(QTime(12, 0))
    dialog.ends.setTime(QTime(12, 30))
    with qtbot.waitSignal(dialog.did_block):
        dialog.save_button.click()

    qtbot.waitUntil(lambda: view.blocked_line.isVisible())
    assert "(a break)" in view.blocked_line.text()
