"""The booking dialog shows a client already on file before saving a "new" one: use them, or add anyway."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from tests.ui.test_booking import _all_appointments, _dialog
from ui.booking import BookingDialog
from ui.duplicate_choice import DuplicateClientDialog


def type_new_client(dialog: BookingDialog, *, first: str, last: str, born: str, phone: str = "") -> None:
    dialog.new_client_button.click()
    form = dialog.new_client
    form.first_name.setText(first)
    form.last_name.setText(last)
    form.birth_date.setText(born)
    form.phone.setText(phone)


def asked(qtbot: QtBot, dialog: BookingDialog) -> DuplicateClientDialog:
    dialog.save_button.click()
    qtbot.waitUntil(lambda: isinstance(getattr(dialog, "duplicate_choice", None), DuplicateClientDialog)
                    and dialog.duplicate_choice.isVisible())
    return dialog.duplicate_choice


def test_a_new_client_with_the_phone_of_one_on_file_is_shown_first_and_the_one_on_file_is_booked(
        qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    maria = desk.add_client("Maria", "Lopez", phone="555-201-3344")
    dialog = _dialog(qtbot, desk)
    type_new_client(dialog, first="Mary", last="Lopes", born="03/14/1985", phone="(555) 201-3344")

    choice = asked(qtbot, dialog)
    assert choice.matches.count() == 1
    assert choice.matches.item(0).text() == "Maria Lopez · born Mar 14, 1985 · 555-201-3344\nSame phone"
    assert _all_appointments(desk) == []  # nothing saved while the desk is asked
    choice.use_button.click()

    assert "Maria Lopez" in dialog.chosen_client.text()
    with qtbot.waitSignal(dialog.booked):
        dialog.save_button.click()
    [saved] = _all_appointments(desk)
    assert saved.client_id == maria.id
    assert desk.run(lambda store: store.search_clients("mary lopes")) == []


def test_a_different_person_with_the_same_name_and_birth_date_is_added_when_the_desk_says_so(
        qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    maria = desk.add_client("Maria", "Lopez")
    dialog = _dialog(qtbot, desk)
    type_new_client(dialog, first="Maria", last="Lopez", born="03/14/1985")

    choice = asked(qtbot, dialog)
    assert choice.matches.item(0).text().endswith("\nSame name and date of birth")
    with qtbot.waitSignal(dialog.booked):
        choice.new_button.click()

    [saved] = _all_appointments(desk)
    assert saved.client_id != maria.id
    assert len(desk.run(lambda store: store.search_clients("maria lopez"))) == 2
