"""Confirmation calls over a real store: the unconfirmed visits of the day, confirmed by phone in one click."""

from __future__ import annotations

import io

from pypdf import PdfReader
from pytestqt.qtbot import QtBot

from medspa_desk.desk import visits
from medspa_desk.records import AppointmentStatus
from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from tests.ui.schedule.test_day_view import DAY
from ui.confirmations import ConfirmationCalls
from ui.events import bus
from ui.forms.pdf_view import PdfViewer


def calls_for(qtbot: QtBot, desk: Desk) -> ConfirmationCalls:  # noqa: F811
    dialog = ConfirmationCalls(desk, day=DAY)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.entries is not None)
    return dialog


def test_one_click_confirms_the_chosen_visit_by_phone_and_it_leaves_the_list(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    ana = desk.book(desk.add_client("Ana", "Ruiz", phone="555-010-1000", sms_opt_in=True), day=DAY, hour=10)
    bo = desk.book(desk.add_client("Bo", "Lin", phone="555-010-2000"), day=DAY, hour=11)
    done = desk.book(desk.add_client("Cy", "Moss"), day=DAY, hour=12)
    desk.run(lambda store: visits.confirm_visit(store, actor=desk.actor, visit_id=done.id))
    dialog = calls_for(qtbot, desk)

    assert dialog.table.rowCount() == 2
    assert dialog.table.item(0, 1).text() == "Ana Ruiz"
    assert dialog.table.item(0, 2).text() == "call, text\n555-010-1000"
    assert dialog.table.item(1, 2).text() == "call\n555-010-2000"
    dialog.table.selectRow(0)
    dialog.confirm_button.click()

    qtbot.waitUntil(lambda: dialog.entries is not None and [e.visit_id for e in dialog.entries] == [bo.id])
    change = desk.appointment(ana.id).history[-1]
    assert (change.status, change.by_user_id, change.reason) == (AppointmentStatus.CONFIRMED, desk.actor.user_id,
                                                                 "confirmed by phone")


def test_the_list_prints_with_initials_only_in_privacy_mode(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    desk.book(desk.add_client("Ana", "Ruiz", phone="555-010-1000"), day=DAY, hour=10)
    dialog = calls_for(qtbot, desk)
    bus.set_privacy_mode(True)
    try:
        dialog.print_button.click()
        qtbot.waitUntil(lambda: isinstance(getattr(dialog, "viewer", None), PdfViewer))
    finally:
        bus.set_privacy_mode(False)
    assert dialog.viewer.document.detail == f"confirmation_calls {DAY.isoformat()} initials"
    printed = "".join(page.extract_text() for page in PdfReader(io.BytesIO(dialog.viewer.document.pdf)).pages)
    assert "AR" in printed and "Ruiz" not in printed and "555" not in printed
    dialog.viewer.close()
