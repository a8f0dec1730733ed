"""The injector starts today's chart from the client's last one: its points, today's lot (issue 16, item 14)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from tests.ui.injector.clinic import open_clinic
from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from ui.injector.charting import ChartingDialog
from ui.qt import QDate


def test_the_last_charts_points_come_back_with_the_lot_in_hand_and_are_saved_as_this_visits_draft(
        qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    provider = desk.as_user("provider")
    clinic = open_clinic(provider)  # three signed Botox charts; the latest: 20 units at the glabella, lot C370AC
    chart = ChartingDialog(provider, appointment_id=clinic.today.id)
    qtbot.addWidget(chart)
    chart.show()
    qtbot.waitUntil(lambda: chart.data is not None)
    last_day = clinic.last.performed_at.astimezone(provider.location.zone).date()
    assert chart.copy_last.isVisible()
    assert chart.copy_last.text() == f"Copy points from the chart of {last_day:%B %-d, %Y}"

    chart.copy_last.click()  # no lot on the pen yet: nothing is copied with an old or empty lot
    assert "Enter the lot and expiry of the Botox Cosmetic 100U vial" in chart.message.text()
    assert chart.chart.points == ()

    chart.lot.setText("d4410bb2")
    chart.expiry.setDate(QDate(2030, 1, 31))
    chart.copy_last.click()
    [point] = chart.chart.points
    assert (point.area, point.amount, point.lot) == ("Glabella", 20, "D4410BB2")
    assert "Copied 1 Botox Cosmetic 100U points" in chart.message.text()
    assert "Check each amount" in chart.message.text()
    chart.copy_last.click()  # a second press adds nothing twice
    assert len(chart.chart.points) == 1

    with qtbot.waitSignal(chart.did_save):
        chart.save()
    saved = provider.run(lambda s: s.treatment(chart.record.id, actor=provider.actor))
    assert not saved.is_signed and saved.appointment_id == clinic.today.id
    assert [(u.area, u.amount, u.lot) for u in saved.products] == [("Glabella", 20, "D4410BB2")]
    last = provider.run(lambda s: s.treatment(clinic.last.id, actor=provider.actor))
    assert [p.lot for p in last.points] == ["C370AC"]  # the signed chart it came from is untouched
    chart.close()


def test_a_first_visit_offers_nothing_to_copy(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    provider = desk.as_user("provider")
    open_clinic(provider)  # another client's charts are never offered
    first = provider.book(provider.add_client("Noor", "Haddad"), day=provider.today, hour=14)
    chart = ChartingDialog(provider, appointment_id=first.id)
    qtbot.addWidget(chart)
    chart.show()
    qtbot.waitUntil(lambda: chart.data is not None)
    assert not chart.copy_last.isVisible()
    chart.close()
