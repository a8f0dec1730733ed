"""Manager → Services, Rooms, Providers on a real store: a wrong field is named under the field and nothing
is saved; a renamed service leaves the schedule's earlier visits as booked; a deactivated service is no
longer offered for booking but is never deleted; the front desk cannot change the set-up."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot

from medspa_desk.desk import visits
from medspa_desk.records import Appointment, utc_now
from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from ui.booking import BookingDialog
from ui.manager.practice import SetupDialog, SetupScreen
from ui.qt import QPushButton, Qt
from ui.schedule.loading import load_schedule_day

OPEN: list[SetupDialog] = []  # the dialog a test opened, kept alive while it runs


@pytest.fixture(autouse=True)
def _close_dialogs() -> Iterator[None]:
    yield
    for dialog in OPEN:
        dialog.close()
    OPEN.clear()


def screen(qtbot: QtBot, session: Desk, entity: str) -> SetupScreen:
    dialog = SetupDialog(session, entity)
    qtbot.addWidget(dialog)
    OPEN.append(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.panel.lists is not None)
    return dialog.panel


def choose(screen: SetupScreen, text: str) -> None:
    row = next(i for i in range(screen.list.count()) if screen.list.item(i).text().startswith(text))
    screen.list.setCurrentRow(row)


def booked_botox(desk: Desk) -> Appointment:  # noqa: F811
    day = desk.today + timedelta(days=9)
    client = desk.add_client("Ines", "Calder")
    service = desk.services["botox"]
    visit = Appointment(location_id=desk.location.id, client_id=client.id, provider_id=desk.injector.id,
                        room_id=desk.rooms["room1"].id, service_id=service.id, starts_at=desk.at(day, 10),
                        ends_at=desk.at(day, 10) + timedelta(minutes=service.duration_min))
    desk.run(lambda store: visits.book_visit(store, actor=desk.actor, visit=visit, confirmed=True))
    return visit


def test_a_wrong_field_is_named_under_it_and_nothing_is_saved(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    services = screen(qtbot, desk.as_user("manager"), "service")
    services.new_button.click()
    services.inputs["name"].setText("Lip filler")
    services.inputs["duration_min"].setText("forty")
    services.inputs["price"].setText("lots")
    services.save_button.click()
    qtbot.waitUntil(lambda: "check the fields marked" in services.message.text())
    assert services.problems["duration_min"].text() == "Type a whole number."
    assert services.problems["price"].text() == "Type a number."
    assert services.problems["duration_min"].isVisible() and not services.problems["name"].isVisible()
    assert "Lip filler" not in [s.name for s in desk.run(lambda store: store.services())]


def test_a_renamed_service_leaves_the_schedule_as_booked_and_a_deactivated_one_is_not_offered(
        qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    visit = booked_botox(desk)
    services = screen(qtbot, desk.as_user("manager"), "service")
    choose(services, "Botox")
    assert services.inputs["name"].text() == "Botox"
    services.inputs["name"].setText("Botox Cosmetic")
    services.save_button.click()
    qtbot.waitUntil(lambda: "Saved “Botox Cosmetic”" in services.message.text())
    assert services.active_button.text() == "&Deactivate"
    services.active_button.click()
    qtbot.waitUntil(lambda: "It is inactive" in services.message.text())
    assert any(services.list.item(i).text() == "Botox Cosmetic (inactive)" for i in range(services.list.count()))

    day = desk.run(lambda store: load_schedule_day(store, location=desk.location,
                                                   day=visit.starts_at.astimezone(desk.zone).date(),
                                                   actor=desk.actor))
    [shown] = [a for a in day.appointments if a.id == visit.id]
    assert day.service_name(shown) == "Botox"  # as booked, not rewritten by the rename
    stored = {s.id: s for s in desk.run(lambda store: store.services())}
    assert stored[desk.services["botox"].id].active is False  # kept, not deleted

    booking = BookingDialog(desk, starts_at=desk.at(utc_now().astimezone(desk.zone).date() + timedelta(days=10), 11))
    qtbot.addWidget(booking)
    booking.show()
    qtbot.waitUntil(lambda: booking.service.count() > 0)
    offered = [booking.service.itemText(i) for i in range(booking.service.count())]
    assert not any(text.startswith("Botox Cosmetic") for text in offered)


def test_the_front_desk_is_told_who_may_change_the_set_up(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    dialog = SetupDialog(desk, "room")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: "Only a manager or an admin" in dialog.panel.message.text())
    dialog.panel.save_button.click()
    qtbot.waitUntil(lambda: dialog.panel.save_button.isEnabled())
    assert "Only a manager or an admin can change the practice's set-up" in dialog.panel.message.text()
    assert [r.name for r in desk.run(lambda store: store.rooms(desk.location.id))] == sorted(
        r.name for r in desk.rooms.values())


def test_the_assistants_staff_step_offline_says_the_server_is_needed(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    """The assistant takes what the staff screen needs (``ReachesServer``); a desk working offline gets
    the screen and a sentence saying what to do, not an error about a missing attribute."""
    from ui.manager.setup_assistant import SetupAssistant
    from ui.manager.staff import StaffDialog

    assistant = SetupAssistant(desk.as_user("manager"))
    qtbot.addWidget(assistant)
    assistant.show()
    qtbot.waitUntil(lambda: len(assistant.steps) > 0)
    row = next(i for i, step in enumerate(assistant.steps) if step.key == "staff")
    assistant.step_list.setCurrentRow(row)
    qtbot.mouseClick(assistant.findChild(QPushButton, "open-staff"), Qt.MouseButton.LeftButton)
    staff = assistant.linked
    assert isinstance(staff, StaffDialog)
    qtbot.waitUntil(lambda: "working offline" in staff.message.text())
    assert "Try again when the server is back" in staff.message.text()
    staff.close()


def test_the_switch_window_offline_shows_no_number_the_practice_did_not_set(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    """Offline the window cannot be read: the box shows a dash and says why, never a made-up 1 hour."""
    from ui.manager.switch_window import SwitchWindowBox

    box = SwitchWindowBox(desk.as_user("manager"))
    qtbot.addWidget(box)
    box.show()
    qtbot.waitUntil(lambda: "working offline" in box.message.text())
    assert box.hours.text() == "—" and not box.hours.isEnabled() and not box.save_button.isEnabled()
