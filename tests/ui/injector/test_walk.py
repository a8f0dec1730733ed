"""From the schedule to the door card to charting, over a real SQLCipher store."""

from __future__ import annotations

import calendar
from datetime import timedelta

from pytestqt.qtbot import QtBot

from medspa_desk.records import AuditAction, ChartView
from tests.ui.injector.clinic import LAST_NOTE, open_clinic
from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from ui.injector import door_card_action
from ui.injector.charting import ChartingDialog
from ui.injector.door_card import DoorCardDialog
from ui.qt import QApplication, QDate, QPoint, Qt
from ui.schedule.day_view import DayScheduleView


def _schedule(qtbot: QtBot, desk: Desk) -> DayScheduleView:  # noqa: F811
    view = DayScheduleView(desk, day=desk.today)
    qtbot.addWidget(view)
    view.resize(1300, 900)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: view.shown is not None)
    # What the lead wires in: one action on the schedule, reading the grid's selection.
    door_card_action(view, desk, selected=lambda: view.canvas.selected)
    return view


def _card(qtbot: QtBot, view: DayScheduleView) -> DoorCardDialog:
    qtbot.waitUntil(lambda: isinstance(getattr(view, "door_card", None), DoorCardDialog))
    card = view.door_card
    qtbot.waitUntil(lambda: card.card is not None)
    return card


def test_space_on_an_appointment_opens_the_card_and_a_provider_charts_and_signs(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    provider = desk.as_user("provider")
    clinic = open_clinic(provider)
    view = _schedule(qtbot, provider)
    view.canvas.select(clinic.today.id)
    view.canvas.setFocus()
    view.activateWindow()
    qtbot.keyClick(view.canvas, Qt.Key.Key_Space)

    card = _card(qtbot, view)
    assert card.heading.text().startswith("Marisol Quintanilla")
    assert "Lidocaine" in card.safety.text() and "Fainted" in card.safety.text()
    assert card.history.topLevelItemCount() == 3
    assert [card.history.topLevelItem(0).text(i) for i in range(1, 5)] == \
        ["Botox Cosmetic 100U", "20 units", "C370AC", "Glabella"]
    assert LAST_NOTE in card.notes.text()
    assert "Not signed yet" in card.forms.text()  # the neurotoxin consent is missing today
    views = [e for e in provider.run(lambda s: s.audit.events(limit=10_000))
             if e.action is AuditAction.VIEW and e.detail == "door_card"]
    assert [e.entity_id for e in views] == [clinic.client.id]

    qtbot.mouseClick(card.chart_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(getattr(card, "charting", None), ChartingDialog))
    chart = card.charting
    qtbot.waitUntil(lambda: chart.data is not None)
    chart.lot.setText("c3709ac4")
    chart.expiry.setDate(QDate(2030, 1, 31))
    chart.amount.setValue(4)
    face = chart.chart
    for x, y in ((0.45, 0.33), (0.55, 0.33), (0.5, 0.34)):
        spot = face.to_widget(x, y)
        qtbot.mouseClick(face, Qt.MouseButton.LeftButton, pos=QPoint(int(spot.x()), int(spot.y())))
    chart.amount.setValue(2.5)
    chart.view_buttons.buttons()[1].click()
    assert face.view is ChartView.LEFT
    spot = face.to_widget(0.4, 0.41)
    qtbot.mouseClick(face, Qt.MouseButton.LeftButton, pos=QPoint(int(spot.x()), int(spot.y())))

    assert [p.area for p in face.points] == ["Glabella"] * 3 + ["Crow's feet, left"]
    rows = {chart.totals.item(r, 0).text(): chart.totals.item(r, 2).text() for r in range(chart.totals.rowCount())}
    assert rows == {"Glabella": "12 units", "Crow's feet, left": "2.5 units"}
    assert "14.5 units at 4 points" in chart.product_totals.text()

    chart.notes.setPlainText("Glabella and left crow's feet. No bleeding.")
    chart.post_care.setPlainText("Stay upright for 4 hours.")
    chart.post_care_given.setChecked(True)
    with qtbot.waitSignal(chart.did_save):
        chart.sign_now()
    saved = provider.run(lambda s: s.treatment(chart.record.id, actor=provider.actor))
    assert saved.is_signed and saved.points == face.points
    assert {(u.area, u.amount, u.lot) for u in saved.products} == {("Glabella", 12, "C3709AC4"),
                                                                    ("Crow's feet, left", 2.5, "C3709AC4")}
    assert not chart.save_button.isEnabled() and chart.addendum_button.isVisible()

    with qtbot.waitSignal(chart.did_save):
        chart.add_addendum("Client phoned: no bruising.")
    assert "Addendum 1" in chart.addenda.text()
    stored = provider.run(lambda s: s.treatment(saved.id, actor=provider.actor))
    assert [a.text for a in stored.addenda] == ["Client phoned: no bruising."]
    chart.close()
    QApplication.processEvents()


def test_an_expired_lot_cannot_be_placed_on_the_chart(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    provider = desk.as_user("provider")
    clinic = open_clinic(provider, past_visits=1)
    chart = ChartingDialog(provider, appointment_id=clinic.today.id)
    qtbot.addWidget(chart)
    chart.show()
    qtbot.waitUntil(lambda: chart.data is not None)
    chart.lot.setText("OLD1")
    # The vial says a month and year: last month's lot expired at that month's end.
    last_month = provider.today.replace(day=1) - timedelta(days=1)
    chart.expiry.setDate(QDate(last_month.year, last_month.month, 1))
    assert "expired" in chart.lot_status.text() and "Do not use it" in chart.lot_status.text()
    with qtbot.waitSignal(chart.chart.placement_refused) as refused:
        spot = chart.chart.to_widget(0.5, 0.34)
        qtbot.mouseClick(chart.chart, Qt.MouseButton.LeftButton, pos=QPoint(int(spot.x()), int(spot.y())))
    assert "expired" in refused.args[0]
    assert chart.chart.points == ()
    # This month's lot is good to the month's last day, and near its expiry.
    chart.expiry.setDate(QDate(provider.today.year, provider.today.month, 1))
    month_end = calendar.monthrange(provider.today.year, provider.today.month)[1]
    days_left = month_end - provider.today.day
    when = "today" if days_left == 0 else f"in {days_left} day"
    assert f"expires {when}" in chart.lot_status.text()


def test_the_front_desk_card_shows_dates_and_services_only_and_no_charting(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    clinic = open_clinic(desk)
    view = _schedule(qtbot, desk)
    view.canvas.select(clinic.today.id)
    view.activateWindow()
    qtbot.keyClick(view.canvas, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    card = _card(qtbot, view)
    assert card.history.columnCount() == 3
    assert card.history.topLevelItem(0).text(2) == "Botox"
    texts = " ".join(card.history.topLevelItem(i).text(c) for i in range(3) for c in range(3))
    assert "C370AC" not in texts and "units" not in texts
    assert not card.notes.isVisible() and LAST_NOTE not in card.notes.text()
    assert not card.chart_button.isVisible()
    assert "Lidocaine" in card.safety.text()  # safety flags are for everyone at the door
    chart = ChartingDialog(desk, appointment_id=clinic.today.id)
    qtbot.addWidget(chart)
    qtbot.waitUntil(lambda: "Only a provider can chart" in chart.message.text())
    assert not chart.save_button.isEnabled()
