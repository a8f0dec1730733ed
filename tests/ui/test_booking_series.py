"""A series from the booking dialog: Repeat lists the dates, books them all or none (naming each clash);
a visit of a series moves or is cancelled alone or with the visits after it."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from pytestqt.qtbot import QtBot

from medspa_desk.desk.series import book_series
from medspa_desk.records import Appointment, AppointmentStatus
from medspa_desk.time_words import time_of_day
from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from tests.ui.schedule.test_day_view import _view
from ui.booking import BookingDialog
from ui.checkin import CheckInDialog
from ui.qt import QPoint, Qt, QTime, QWidget


def a_tuesday_ahead(desk: Desk) -> date:  # noqa: F811
    """A Tuesday more than a week after the desk's today: every visit of the test lies ahead."""
    ahead = desk.today + timedelta(days=8)
    return ahead + timedelta(days=(1 - ahead.weekday()) % 7)


def _dialog(qtbot: QtBot, desk: Desk, **kwargs: object) -> BookingDialog:  # noqa: F811
    dialog = BookingDialog(desk, **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.service.count() > 0 and dialog.conflicts.text() != "")
    return dialog


def click(qtbot: QtBot, button: QWidget) -> None:
    """Click a check box or radio button on its indicator, where a person clicks it."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(6, button.height() // 2))


def type_into(qtbot: QtBot, spin: QWidget, text: str) -> None:
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin, text)


def on_the_books(desk: Desk, client_id: object) -> list[Appointment]:  # noqa: F811
    start = desk.at(desk.today, 0)
    found = desk.run(lambda store: store.appointments_between(start, start + timedelta(days=200)))
    return [a for a in found if a.client_id == client_id]


def test_repeat_is_off_at_first_and_lists_the_dates_it_will_book(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    dialog = _dialog(qtbot, desk, starts_at=desk.at(date(2099, 3, 3), 10))  # a Tuesday
    assert not dialog.repeat.repeat.isChecked() and not dialog.repeat.days.isVisible()
    assert not dialog.repeat.every.isEnabled()

    click(qtbot, dialog.repeat.repeat)
    type_into(qtbot, dialog.repeat.every, "2")
    type_into(qtbot, dialog.repeat.count, "3")

    assert dialog.repeat.days.isVisible() and dialog.repeat.weeks_word.text() == "weeks,"
    assert dialog.repeat.days.text() == f"Books 3 visits on Tuesdays at {time_of_day(time(10))}: Mar 3, Mar 17 and Mar 31, 2099."


def test_a_series_running_into_the_next_year_writes_each_year(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    dialog = _dialog(qtbot, desk, starts_at=desk.at(date(2099, 12, 15), 10))  # a Tuesday
    click(qtbot, dialog.repeat.repeat)
    type_into(qtbot, dialog.repeat.every, "2")
    type_into(qtbot, dialog.repeat.count, "3")

    assert dialog.repeat.days.text() == (f"Books 3 visits on Tuesdays at {time_of_day(time(10))}: Dec 15, 2099, "
                                         "Dec 29, 2099 and Jan 12, 2100.")


def test_a_repeated_booking_books_every_visit_of_the_series(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    day = a_tuesday_ahead(desk)
    client = desk.add_client("Maria", "Lopez")
    dialog = _dialog(qtbot, desk, starts_at=desk.at(day, 10), client_id=client.id, client_name="Maria Lopez")
    click(qtbot, dialog.repeat.repeat)
    type_into(qtbot, dialog.repeat.count, "3")

    with qtbot.waitSignal(dialog.booked):
        dialog.save_button.click()

    booked = on_the_books(desk, client.id)
    assert [a.starts_at for a in booked] == [desk.at(day + timedelta(weeks=i), 10) for i in range(3)]
    assert len({a.series_id for a in booked}) == 1 and booked[0].series_id is not None


def test_a_clash_on_a_later_date_is_named_and_nothing_is_booked(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    day = a_tuesday_ahead(desk)
    desk.book(desk.add_client("Aisha", "Okafor"), day=day + timedelta(weeks=2), hour=10)
    client = desk.add_client("Maria", "Lopez")
    dialog = _dialog(qtbot, desk, starts_at=desk.at(day, 10), client_id=client.id, client_name="Maria Lopez")
    click(qtbot, dialog.repeat.repeat)
    type_into(qtbot, dialog.repeat.count, "3")

    dialog.save_button.click()
    qtbot.waitUntil(lambda: "Nothing was booked" in dialog.problem.text())

    clash_day = day + timedelta(weeks=2)
    lines = dialog.problem.text().split("\n")
    assert lines[0] == "Nothing was booked: 1 of the 3 visits clashes."
    assert lines[1].startswith(f"{clash_day:%a %b} {clash_day.day}, {clash_day.year}: The provider is already booked")
    assert on_the_books(desk, client.id) == []
    assert dialog.save_button.isEnabled() and dialog.repeat.repeat.isChecked()


def a_series(desk: Desk, day: date, count: int = 3) -> list[Appointment]:  # noqa: F811
    client = desk.add_client("Maria", "Lopez")
    botox = desk.services["botox"]
    first = Appointment(location_id=desk.location.id, client_id=client.id, provider_id=desk.injector.id,
                        room_id=desk.rooms["room1"].id, service_id=botox.id, starts_at=desk.at(day, 10),
                        ends_at=desk.at(day, 10, 30), buffer_after_min=botox.buffer_after_min)
    desk.run(lambda store: book_series(store, actor=desk.actor, visit=first, every_weeks=1, count=count))
    return on_the_books(desk, client.id)


@pytest.mark.parametrize(("with_following", "third_at"), [(True, 11), (False, 10)],
                         ids=["this and the following", "this visit only"])
def test_moving_a_visit_of_a_series_moves_the_following_ones_only_when_asked(
        qtbot: QtBot, desk: Desk, with_following: bool, third_at: int) -> None:  # noqa: F811
    day = a_tuesday_ahead(desk)
    first, second, third = a_series(desk, day)
    dialog = _dialog(qtbot, desk, moving=second, client_name="Maria Lopez")
    assert dialog.series_scope.isVisible() and dialog.series_scope.only_this.isChecked()
    assert not dialog.repeat.isVisible()

    if with_following:
        click(qtbot, dialog.series_scope.following)
    dialog.time.setTime(QTime(11, 0))
    with qtbot.waitSignal(dialog.booked):
        dialog.save_button.click()

    assert [desk.appointment(v.id).starts_at for v in (first, second, third)] == [
        desk.at(day, 10), desk.at(day + timedelta(weeks=1), 11), desk.at(day + timedelta(weeks=2), third_at)]


def test_cancelling_on_the_schedule_asks_this_visit_only_or_the_following_too(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    day = a_tuesday_ahead(desk)
    first, second, third = a_series(desk, day)
    view = _view(qtbot, desk, day + timedelta(weeks=1))

    view.ask_to_cancel(second.id)
    dialog = view.cancel_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.series_scope.isVisible() and dialog.series_scope.only_this.isChecked()
    click(qtbot, dialog.series_scope.following)
    dialog.confirm.click()

    qtbot.waitUntil(lambda: desk.appointment(third.id).status is AppointmentStatus.CANCELLED)
    assert [desk.appointment(v.id).status for v in (first, second, third)] == [
        AppointmentStatus.BOOKED, AppointmentStatus.CANCELLED, AppointmentStatus.CANCELLED]


def test_a_visit_on_its_own_is_not_asked_about_a_series(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    day = a_tuesday_ahead(desk)
    visit = desk.book(desk.add_client(), day=day, hour=10)
    view = _view(qtbot, desk, day)

    view.ask_to_cancel(visit.id)
    qtbot.waitUntil(view.cancel_dialog.isVisible)

    assert not view.cancel_dialog.series_scope.isVisible()
    view.cancel_dialog.reject()


def test_cancelling_at_check_in_with_the_following_visits_cancels_the_rest_of_the_series(
        qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    day = a_tuesday_ahead(desk)
    first, second, third = a_series(desk, day)
    dialog = CheckInDialog(desk, appointment_id=first.id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.check_in_status is not None)

    dialog.cancel_button.click()
    reason = dialog.cancel_dialog
    qtbot.waitUntil(reason.isVisible)
    assert reason.confirm.text() == "Cancel appointment"
    click(qtbot, reason.series_scope.following)
    assert reason.confirm.text() == "Cancel these appointments"
    reason.confirm.click()

    qtbot.waitUntil(lambda: desk.appointment(third.id).status is AppointmentStatus.CANCELLED)
    assert {desk.appointment(v.id).status for v in (first, second, third)} == {AppointmentStatus.CANCELLED}
    assert desk.appointment(second.id).cancel_reason == "Client called to cancel"
