"""Issue 15: on the door card the lot of every product used is on screen without scrolling sideways, at
100 % and 150 % on a 1366×768 laptop, however long the area and the provider's name (a recall reads
the lot first)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pytestqt.qtbot import QtBot

from medspa_desk.records import ChartPoint, ChartView, ProductUnit, ProductUse, TreatmentRecord
from tests.ui.injector.clinic import open_clinic
from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from ui.injector.door_card import DoorCardDialog
from ui.layout_check import DISPLAYS, fit_to
from ui.screen_fit import laptop_work_area

AREA = "Lateral canthal lines (crow's feet), both sides"


@pytest.mark.usefixtures("desk_style")
@pytest.mark.parametrize("display", [DISPLAYS[0], DISPLAYS[2]], ids=["100 %", "150 %"])
def test_the_lot_column_is_on_screen_without_scrolling(qtbot: QtBot, desk: Desk, display: object) -> None:  # noqa: F811
    provider = desk.as_user("provider")
    clinic = open_clinic(provider)
    when = provider.at(provider.today - timedelta(days=20), 10)
    record = TreatmentRecord(
        client_id=clinic.client.id, provider_id=provider.injector.id, service_id=provider.services["botox"].id,
        performed_at=when,
        points=(ChartPoint(view=ChartView.FRONT, x=0.3, y=0.3, area=AREA, product_id=clinic.botox.id,
                           lot="LOT-C3709AC4", amount=12),),
        products=(ProductUse(product_id=clinic.botox.id, product_name=clinic.botox.name, lot="LOT-C3709AC4",
                             expiry=date(2030, 1, 1), amount=12, unit=ProductUnit.UNITS, area=AREA),))
    provider.run(lambda store: store.save_treatment(record, actor=provider.actor))
    with laptop_work_area(display.work_area):
        card = DoorCardDialog(provider, appointment_id=clinic.today.id)
        qtbot.addWidget(card)
        card.show()
        qtbot.waitUntil(lambda: card.card is not None)
        fit_to(card, display)
    history = card.history
    labels = [history.headerItem().text(c) for c in range(history.columnCount())]
    lot = labels.index("Lot")
    header = history.header()
    assert history.horizontalScrollBar().value() == 0
    right_edge = header.sectionViewportPosition(lot) + header.sectionSize(lot)
    assert right_edge <= history.viewport().width(), (
        f"the Lot column ends at {right_edge} px; the list shows {history.viewport().width()} px")
    assert history.topLevelItem(0).text(lot) == "LOT-C3709AC4"
