"""Contact preferences on the client profile, the calls to return, and a visit's price, driven as a person drives
them (real store).

A STOP recorded on the profile's tab takes texting off the confirmation calls at once; a call logged for a new caller
is listed until "Followed up" takes it off; a callback number that cannot be one is refused in plain words; the
booking dialog shows the service's price, the visit keeps it, and the day sheet prints it after the price changed.
"""

from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader
from pytestqt.qtbot import QtBot

from medspa_desk.desk import practice
from medspa_desk.records import ConsentSource, ContactChannel
from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from tests.ui.test_booking import DAY, _all_appointments, _dialog
from ui.calls import CallsToReturn, LogCallDialog
from ui.client_profile import ClientProfile
from ui.confirmations import ConfirmationCalls
from ui.forms.viewers import open_day_sheet
from ui.schedule.forms import select_id


def test_a_stop_recorded_on_the_profile_takes_texts_off_the_confirmation_calls(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    ana = desk.add_client("Ana", "Ruiz", phone="555-010-1000", sms_opt_in=True)
    day = desk.today + timedelta(days=1)
    desk.book(ana, day=day, hour=10)
    profile = ClientProfile(None, session=desk, client_id=ana.id)
    qtbot.addWidget(profile)
    profile.show()
    qtbot.waitUntil(lambda: profile.data is not None)
    assert profile.contact is not None
    profile.tabs.setCurrentWidget(profile.contact)
    qtbot.waitUntil(lambda: profile.contact.loaded)
    tab = profile.contact
    tab.channel.setCurrentIndex(tab.channel.findData(ContactChannel.SMS.value))
    tab.how.setCurrentIndex(tab.how.findData(ConsentSource.CLIENT_STOP.value))
    assert tab.agreed.currentData() is False  # a STOP is a no
    with qtbot.waitSignal(tab.did_record):
        tab.record_button.click()
    qtbot.waitUntil(lambda: tab.history.topLevelItemCount() == 1 and tab.history.topLevelItem(0).text(1) == "texts")
    assert tab.history.topLevelItem(0).text(3) == "no"

    calls = ConfirmationCalls(desk, day=day)
    qtbot.addWidget(calls)
    calls.show()
    qtbot.waitUntil(lambda: calls.entries is not None)
    assert calls.table.item(0, 2).text() == "call\n555-010-1000"


def test_a_new_callers_call_is_listed_until_followed_up(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    logging = LogCallDialog(desk)
    qtbot.addWidget(logging)
    logging.show()
    logging.caller.setText("Jo Park")
    logging.number.setText("555-010-5000")
    logging.reason.setPlainText("Asks about filler prices")
    logging.promised.setPlainText("A quote by phone")
    logging.call_back.setChecked(True)
    with qtbot.waitSignal(logging.did_log):
        logging.save_button.click()

    listed = CallsToReturn(desk)
    qtbot.addWidget(listed)
    listed.show()
    qtbot.waitUntil(lambda: listed.calls is not None and len(listed.calls) == 1)
    assert listed.table.item(0, 1).text() == "Jo Park\n(new caller)"
    assert listed.table.item(0, 3).text() == "Asks about filler prices\nPromised: A quote by phone"
    listed.table.selectRow(0)
    listed.outcome.setText("Quoted, booking a consult")
    listed.done_button.click()
    qtbot.waitUntil(lambda: listed.calls == ())
    assert listed.summary.text() == "No calls to return."
    [done] = desk.run(lambda store: store.connection.execute("SELECT data FROM call_notes").fetchall())
    assert "Quoted, booking a consult" in done[0]


def test_a_callback_number_that_cannot_be_one_is_refused_in_plain_words(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    logging = LogCallDialog(desk)
    qtbot.addWidget(logging)
    logging.show()
    logging.caller.setText("Jo Park")
    logging.number.setText("12")
    logging.reason.setPlainText("Prices")
    logging.save_button.click()
    qtbot.waitUntil(lambda: logging.problem.isVisible())
    assert logging.problem.text().startswith("Not saved. The callback number")
    assert "7 to 15 digits" in logging.problem.text()


def test_the_booking_dialog_shows_the_price_the_visit_keeps_and_the_day_sheet_prints(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    maria = desk.add_client("Maria", "Lopez", phone="555-201-3344")
    dialog = _dialog(qtbot, desk, client_id=maria.id, client_name="Maria Lopez")
    assert select_id(dialog.service, desk.services["botox"].id)
    assert dialog.timing.text() == "30 min + 10 min clean-up · $450.00"
    with qtbot.waitSignal(dialog.booked):
        dialog.save_button.click()
    [saved] = _all_appointments(desk)
    assert saved.price_cents == 45000
    botox = desk.services["botox"]
    desk.run(lambda store: practice.set_up_practice(store, actor=desk.as_user("manager").actor, record=botox.model_copy(
        update={"price_cents": 52000, "version": 2})))

    opened: list = []
    open_day_sheet(None, desk, DAY, privacy=False, shown=opened.append)
    qtbot.waitUntil(lambda: bool(opened), timeout=20_000)
    printed = "".join(page.extract_text() for page in PdfReader(io.BytesIO(opened[0].document.pdf)).pages)
    assert "$450.00" in printed and "$520.00" not in printed
    opened[0].close()
