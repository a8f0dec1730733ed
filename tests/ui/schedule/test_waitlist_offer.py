"""A cancellation on the schedule names who is waiting for the freed time; “Book” books them in one step."""

from __future__ import annotations

from datetime import timedelta

from pytestqt.qtbot import QtBot

from medspa_desk.desk import waitlist
from medspa_desk.records import AppointmentStatus, WaitlistEntry, WaitlistStatus
from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from tests.ui.schedule.test_day_view import _view
from ui.waitlist import WaitlistDialog, WaitlistOfferDialog


def test_cancelling_on_the_schedule_offers_the_time_to_the_waitlist_and_books_in_one_step(
        qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    day = desk.today + timedelta(days=2)
    visit = desk.book(desk.add_client(), day=day, hour=10)
    waiting = desk.add_client("Ines", "Morales", phone="555-010-7777")
    entry = WaitlistEntry(client_id=waiting.id, location_id=desk.location.id, service_id=desk.services["botox"].id,
                          first_day=day, last_day=day + timedelta(days=7), note="Mornings", created_by=desk.user.id)
    desk.run(lambda store: waitlist.add_to_waitlist(store, actor=desk.actor, entry=entry))
    view = _view(qtbot, desk, day)

    view.ask_to_cancel(visit.id)
    view.cancel_dialog.confirm.click()
    qtbot.waitUntil(lambda: isinstance(getattr(view, "waitlist_offer", None), WaitlistOfferDialog))

    offer = view.waitlist_offer
    assert offer.heading.text() == "1 client on the waitlist wants this time. Call them, then book the one who takes it."
    assert offer.offers.item(0).text().startswith("Ines Morales — Botox, ")
    assert offer.offers.item(0).text().endswith("with Dana Reyes. Note: Mornings")
    with qtbot.waitSignal(offer.did_book):
        offer.book_button.click()

    closed = desk.run(lambda store: store.waitlist_entry(entry.id))
    assert closed.status is WaitlistStatus.BOOKED
    booked = desk.appointment(closed.visit_id)
    assert (booked.client_id, booked.starts_at, booked.status) == (waiting.id, visit.starts_at,
                                                                   AppointmentStatus.BOOKED)
    assert desk.appointment(visit.id).status is AppointmentStatus.CANCELLED


def test_nobody_waiting_asks_nothing(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    day = desk.today + timedelta(days=2)
    visit = desk.book(desk.add_client(), day=day, hour=10)
    view = _view(qtbot, desk, day)

    view.ask_to_cancel(visit.id)
    view.cancel_dialog.confirm.click()
    qtbot.waitUntil(lambda: desk.appointment(visit.id).status is AppointmentStatus.CANCELLED)
    qtbot.wait(300)

    assert getattr(view, "waitlist_offer", None) is None


def test_the_waitlist_dialog_adds_a_client_and_takes_one_off_with_a_reason(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    desk.add_client("Ines", "Morales")
    dialog = WaitlistDialog(desk)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.service.count() > 0)
    dialog.add_button.click()
    assert dialog.problem.text() == "Find the client and pick them from the list first."

    dialog.find.setText("ines")
    dialog.find.textEdited.emit("ines")
    qtbot.waitUntil(lambda: dialog.hits.count() == 1)
    dialog.hits.itemClicked.emit(dialog.hits.item(0))
    dialog.service.setCurrentIndex(dialog.service.findText("Botox"))
    dialog.provider.setCurrentIndex(dialog.provider.findText("Dana Reyes"))
    dialog.note.setText("Mornings only")
    with qtbot.waitSignal(dialog.did_change):
        dialog.add_button.click()
    qtbot.waitUntil(lambda: dialog.waiting.count() == 1)
    assert dialog.waiting.item(0).text().startswith("Ines Morales — Botox with Dana Reyes, ")
    assert dialog.waiting.item(0).text().endswith(". Mornings only")
    [entry] = desk.run(lambda store: store.waiting(desk.location.id))
    assert (entry.provider_id, entry.created_by) == (desk.injector.id, desk.user.id)

    dialog.waiting.setCurrentRow(0)
    dialog.remove_button.click()
    qtbot.waitUntil(lambda: dialog.problem.isVisible())
    assert "Say why the client comes off the waitlist" in dialog.problem.text()
    dialog.reason.setText("Booked elsewhere")
    with qtbot.waitSignal(dialog.did_change):
        dialog.remove_button.click()
    qtbot.waitUntil(lambda: dialog.waiting.count() == 0)
    assert desk.run(lambda store: store.waitlist_entry(entry.id)).closed_reason == "Booked elsewhere"


def test_a_long_waitlist_entry_wraps_inside_the_list_with_no_sideways_bar(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    day = desk.today + timedelta(days=2)
    waiting = desk.add_client("Maximiliana", "Castellanos-Whitfield")
    note = ("Only mornings before ten on weekdays; she drives in from the coast and needs two days' notice "
            "because of childcare, so call her mobile first and the office number second")
    entry = WaitlistEntry(client_id=waiting.id, location_id=desk.location.id, service_id=desk.services["botox"].id,
                          first_day=day, last_day=day + timedelta(days=30), note=note, created_by=desk.user.id)
    desk.run(lambda store: waitlist.add_to_waitlist(store, actor=desk.actor, entry=entry))
    dialog = WaitlistDialog(desk)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.waiting.count() == 1)

    listing = dialog.waiting
    assert listing.item(0).text().endswith(note)
    assert not listing.horizontalScrollBar().isVisible()
    shown = listing.visualItemRect(listing.item(0))
    assert shown.right() <= listing.viewport().width()
    assert shown.height() >= 2 * listing.fontMetrics().lineSpacing()  # wrapped onto more lines, not cut


def test_a_wish_reads_as_a_person_says_it() -> None:
    """One day is one date, the whole day is "any time", else the days and the times."""
    from datetime import date, time
    from uuid import uuid4

    from medspa_desk.records import WaitlistEntry
    from ui.waitlist import wish_words

    def wish(first: date, last: date, earliest: time = time(0), latest: time = time(23, 59)) -> str:
        return wish_words(WaitlistEntry(location_id=uuid4(), client_id=uuid4(), service_id=uuid4(),
                                        first_day=first, last_day=last, earliest=earliest, latest=latest,
                                        created_by=uuid4()))

    assert wish(date(2027, 12, 10), date(2027, 12, 10)) == "Dec 10, any time"
    assert wish(date(2027, 12, 30), date(2028, 1, 2)) == "Dec 30–Jan 2, any time"
    assert wish(date(2027, 12, 10), date(2027, 12, 21), time(9), time(17)) in (
        "Dec 10–Dec 21, 9:00 AM–5:00 PM", "Dec 10–Dec 21, 09:00–17:00")  # the desk's clock style
