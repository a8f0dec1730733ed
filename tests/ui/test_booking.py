"""The booking dialog over a real store: find or add the client, see conflicts, next free slot, save."""

from __future__ import annotations

from datetime import date, timedelta

from pytestqt.qtbot import QtBot

from medspa_desk.desk.blocked_time import block_time
from medspa_desk.records import BlockedTime, BlockKind, utc_now
from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from ui.booking import BookingDialog
from ui.qt import QDate, Qt, QTime
from ui.schedule.forms import PROBLEM_STYLE, select_id

# A weekday a week or more ahead, so "next free slot" (which never offers the past) starts from it.
_AHEAD = utc_now().date() + timedelta(days=8)
DAY: date = _AHEAD + timedelta(days=(1 - _AHEAD.weekday()) % 7)


def _dialog(qtbot: QtBot, desk: Desk, *, hour: int = 10, **kwargs: object) -> BookingDialog:  # noqa: F811
    dialog = BookingDialog(desk, starts_at=desk.at(DAY, hour), **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.service.count() > 0 and dialog.conflicts.text() != "")
    return dialog


def _all_appointments(desk: Desk) -> list:  # noqa: F811
    return list(desk.run(lambda store: store.day_schedule(desk.location.id, DAY).appointments))


def test_typing_a_name_finds_the_client_and_booking_saves_the_appointment(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    maria = desk.add_client("Maria", "Lopez", phone="555-201-3344")
    desk.add_client("Mark", "Ames")
    dialog = _dialog(qtbot, desk)
    qtbot.keyClicks(dialog.search_field, "mar lo")
    qtbot.waitUntil(lambda: dialog.results.count() == 1 and "Maria Lopez" in dialog.results.item(0).text())
    qtbot.keyClick(dialog.search_field, Qt.Key.Key_Return)
    assert "Maria Lopez" in dialog.chosen_client.text()
    dialog.notes.setPlainText("Prefers the left side")
    assert dialog.conflicts.text().startswith("Free: 10:00–10:30")
    with qtbot.waitSignal(dialog.booked):
        dialog.save_button.click()
    [saved] = _all_appointments(desk)
    assert (saved.client_id, saved.provider_id, saved.service_id) == (maria.id, desk.injector.id,
                                                                       desk.services["botox"].id)
    assert saved.starts_at == desk.at(DAY, 10) and saved.buffer_after_min == 10
    assert saved.notes == "Prefers the left side"


def test_service_limits_providers_and_rooms_to_the_kinds_it_needs(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    dialog = _dialog(qtbot, desk)
    assert select_id(dialog.service, desk.services["laser"].id)
    providers = [dialog.provider.itemText(i) for i in range(dialog.provider.count())]
    rooms = [dialog.room.itemText(i) for i in range(dialog.room.count())]
    assert providers == ["Lee Park, LE"]
    assert rooms == ["Laser Suite"]
    assert dialog.timing.text() == "45 min"


def test_a_taken_time_shows_the_conflict_live_and_next_free_slot_moves_past_it(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    desk.book(desk.add_client("Aisha", "Okafor"), day=DAY, hour=10)
    dialog = _dialog(qtbot, desk, client_id=desk.add_client().id, client_name="Maria Lopez")
    dialog.time.setTime(QTime(10, 15))
    qtbot.waitUntil(lambda: "already booked 10:00–10:30" in dialog.conflicts.text())
    dialog.save_button.click()
    assert "This time is taken" in dialog.problem.text()
    assert len(_all_appointments(desk)) == 1
    dialog.date.setDate(QDate(DAY.year, DAY.month, DAY.day))
    dialog.time.setTime(QTime(9, 50))
    # 9:50 would overlap too (buffers), so the next free start is 10:40 (10:30 + 10 min clean-up).
    dialog.next_free.click()
    qtbot.waitUntil(lambda: dialog.next_free.isEnabled() and dialog.time.time() != QTime(9, 50), timeout=5000)
    if desk.today <= DAY:
        assert dialog.time.time() == QTime(10, 40)
        assert dialog.conflicts.text().startswith("Free: 10:40")


def test_a_new_client_with_a_bad_birth_date_is_refused_in_plain_words_and_nothing_is_lost(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    dialog = _dialog(qtbot, desk)
    qtbot.keyClicks(dialog.search_field, "zoe quinn")
    dialog.new_client_button.click()
    assert dialog.new_client.first_name.text() == "Zoe" and dialog.new_client.last_name.text() == "Quinn"
    dialog.new_client.birth_date.setText("31/31/1990")
    dialog.save_button.click()
    assert "Date of birth: type it as MM/DD/YYYY" in dialog.problem.text()
    dialog.new_client.birth_date.setText("04/02/1990")
    dialog.new_client.email.setText("zoe-at-example")
    dialog.save_button.click()
    assert "email address looks wrong" in dialog.problem.text()
    assert dialog.new_client.first_name.text() == "Zoe"
    dialog.new_client.email.setText("zoe@example.com")
    with qtbot.waitSignal(dialog.booked):
        dialog.save_button.click()
    [saved] = _all_appointments(desk)
    hits = desk.run(lambda store: store.search_clients("zoe quinn"))
    assert [h.id for h in hits] == [saved.client_id]


def test_a_booking_refused_by_the_store_keeps_the_form_and_saves_no_client_until_booked(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    dialog = _dialog(qtbot, desk)
    dialog.new_client_button.click()
    form = dialog.new_client
    form.first_name.setText("Zoe")
    form.last_name.setText("Quinn")
    form.birth_date.setText("04/02/1990")
    # Another desk books the slot after the dialog loaded the day: only the store can refuse it.
    desk.book(desk.add_client("Aisha", "Okafor"), day=DAY, hour=10)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "Not booked." in dialog.problem.text())
    assert "already booked" in dialog.problem.text()
    # One transaction: the refused booking took its new client with it, and the form still holds them.
    assert desk.run(lambda store: store.search_clients("zoe quinn")) == []
    assert (form.first_name.text(), form.last_name.text()) == ("Zoe", "Quinn")
    dialog.time.setTime(QTime(11, 0))
    with qtbot.waitSignal(dialog.booked):
        dialog.save_button.click()
    assert len(desk.run(lambda store: store.search_clients("zoe quinn"))) == 1
    assert sorted(a.starts_at for a in _all_appointments(desk)) == [desk.at(DAY, 10), desk.at(DAY, 11)]
    assert _all_appointments(desk)[0].ends_at - _all_appointments(desk)[0].starts_at == timedelta(minutes=30)


def test_the_duration_line_sits_right_under_the_service_with_no_empty_band(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    dialog = _dialog(qtbot, desk)
    dialog.resize(dialog.sizeHint().expandedTo(dialog.minimumSize()))
    qtbot.wait(50)
    line = dialog.fontMetrics().lineSpacing()
    assert dialog.timing.text().startswith(f"{dialog.current_service().duration_min} min")
    assert dialog.timing.height() <= 2 * line
    assert dialog.timing.geometry().top() - dialog.service.geometry().bottom() <= line
    assert dialog.date.geometry().top() - dialog.timing.geometry().bottom() <= line


def test_a_time_outside_opening_hours_is_explained_and_booked_only_when_confirmed(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    dialog = _dialog(qtbot, desk, client_id=desk.add_client().id, client_name="Maria Lopez")
    dialog.time.setTime(QTime(3, 0))
    qtbot.waitUntil(lambda: dialog.conflicts.text() != "")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.save_button.text() == "Book anyway")
    assert "Please check before booking" in dialog.problem.text()
    assert _all_appointments(desk) == []
    with qtbot.waitSignal(dialog.booked):
        dialog.save_button.click()
    [saved] = _all_appointments(desk)
    assert saved.starts_at == desk.at(DAY, 3)


def test_no_red_clash_before_anything_is_chosen(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    desk.book(desk.add_client("Rita", "Moreno"), day=desk.today, hour=10)  # Dana is busy at 10
    dialog = BookingDialog(desk, starts_at=desk.at(desk.today, 10), provider_id=desk.injector.id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: "already booked" in dialog.conflicts.text())
    assert dialog.conflicts.styleSheet() != PROBLEM_STYLE  # said, not shouted: nothing was chosen yet
    dialog.provider.activated.emit(dialog.provider.currentIndex())  # the person picks the provider
    assert dialog.conflicts.styleSheet() == PROBLEM_STYLE


def _dialog_at_lunch(qtbot: QtBot, desk: Desk) -> BookingDialog:  # noqa: F811
    """The booking dialog at 12:00 with the injector, whose break the manager blocked 12:00–13:00."""
    lunch = BlockedTime(location_id=desk.location.id, provider_id=desk.injector.id, kind=BlockKind.BREAK,
                        starts_at=desk.at(DAY, 12), ends_at=desk.at(DAY, 13))
    desk.run(lambda store: block_time(store, actor=desk.as_user("manager").actor, block=lunch))
    dialog = _dialog(qtbot, desk, hour=12, provider_id=desk.injector.id, client_id=desk.add_client().id,
                     client_name="Maria Lopez")
    qtbot.waitUntil(lambda: "(a break)" in dialog.conflicts.text())
    return dialog


def test_the_free_line_names_a_providers_break_before_anything_is_saved(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    dialog = _dialog_at_lunch(qtbot, desk)
    assert not dialog.conflicts.text().startswith("Free:")
    dialog.save_button.click()
    assert "is blocked" in dialog.problem.text() and _all_appointments(desk) == []
    dialog.time.setTime(QTime(13, 0))
    qtbot.waitUntil(lambda: dialog.conflicts.text().startswith("Free: 1"))


def test_next_free_slot_steps_over_a_providers_break(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    dialog = _dialog_at_lunch(qtbot, desk)

    dialog.next_free.click()
    qtbot.waitUntil(lambda: dialog.next_free.isEnabled() and dialog.time.time() != QTime(12, 0), timeout=5000)
    assert dialog.date.date() == QDate(DAY.year, DAY.month, DAY.day)
    assert dialog.time.time() == QTime(13, 0)  # not 12:00 inside the break, as the old search offered
    qtbot.waitUntil(lambda: dialog.conflicts.text().startswith("Free: 1:00"))


def test_the_dialog_moves_a_visit_to_another_day_provider_and_room_in_one_audited_change(
        qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    visit = desk.book(desk.add_client("Aisha", "Okafor"), day=DAY, hour=10, service="consult")
    later = DAY + timedelta(days=7)
    other = desk.laser_tech
    dialog = BookingDialog(desk, moving=visit, client_name="Aisha Okafor")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.service.count() > 0 and dialog.conflicts.text().startswith("Free:"))
    assert dialog.windowTitle() == "Move visit" and dialog.save_button.text() == "Move"
    assert not dialog.service.isEnabled() and "Aisha Okafor" in dialog.chosen_client.text()

    dialog.prefill(starts_at=desk.at(later, 14), provider_id=other.id, room_id=desk.rooms["room2"].id)
    qtbot.waitUntil(lambda: dialog.conflicts.text().startswith("Free: 2"))
    with qtbot.waitSignal(dialog.booked):
        dialog.save_button.click()

    moved = desk.appointment(visit.id)
    assert (moved.starts_at, moved.provider_id, moved.room_id) == (desk.at(later, 14), other.id,
                                                                   desk.rooms["room2"].id)
    assert moved.ends_at - moved.starts_at == visit.ends_at - visit.starts_at
    assert desk.run(lambda store: store.outbox_batch(50))[-1].kind.value == "appointment.reschedule"
