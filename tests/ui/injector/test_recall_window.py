"""Issue 15: the lot recall keeps to the dates on screen, shows when and which lot first, tells namesakes
apart by their birth dates, writes dates as the desk's locale does, and opens over the main window's
middle, not over its menus."""

from __future__ import annotations

from datetime import date, timedelta

from pytestqt.qtbot import QtBot

from medspa_desk.records import ChartPoint, ChartView, ProductUnit, ProductUse, TreatmentRecord
from tests.ui.injector.clinic import open_clinic
from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from ui.injector.recall import LotRecallWindow
from ui.qt import QDate, QMainWindow, QPoint


def _window(qtbot: QtBot, provider: Desk) -> LotRecallWindow:
    window = LotRecallWindow(provider)
    qtbot.addWidget(window)
    window.show()
    return window


def _search(qtbot: QtBot, window: LotRecallWindow) -> int:
    with qtbot.waitSignal(window.did_search):
        window.search_button.click()
    return window.table.rowCount()


def test_a_typed_lot_keeps_to_the_date_range(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    provider = desk.as_user("provider")
    open_clinic(provider)  # lot C371AC used 180 days ago
    window = _window(qtbot, provider)
    window.lot.setText("C371AC")
    assert _search(qtbot, window) == 1
    recent = provider.today - timedelta(days=30)
    window.since.setDate(QDate(recent.year, recent.month, recent.day))
    assert _search(qtbot, window) == 0
    assert window.summary.text().startswith("No client received that lot")


def test_when_and_which_lot_come_right_after_the_client(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    provider = desk.as_user("provider")
    open_clinic(provider)
    window = _window(qtbot, provider)
    window.lot.setText("C371AC")
    _search(qtbot, window)
    headers = [window.table.horizontalHeaderItem(c).text() for c in range(window.table.columnCount())]
    assert headers[:4] == ["Client", "Born", "Treated", "Lot"]
    assert window.table.item(0, 3).text() == "C371AC"


def test_two_clients_of_one_name_are_told_apart_by_their_birth_dates(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    provider = desk.as_user("provider")
    clinic = open_clinic(provider)  # Marisol Quintanilla, born 1985-03-14, lots C370AC..C372AC
    namesake = provider.add_client("Marisol", "Quintanilla", born=date(1992, 11, 2))
    provider.book(namesake, day=provider.today, hour=15)
    record = TreatmentRecord(
        client_id=namesake.id, provider_id=provider.injector.id, service_id=provider.services["botox"].id,
        performed_at=provider.at(provider.today - timedelta(days=2), 10),
        points=(ChartPoint(view=ChartView.FRONT, x=0.5, y=0.34, area="Glabella", product_id=clinic.botox.id,
                           lot="C370AC", amount=20),),
        products=(ProductUse(product_id=clinic.botox.id, product_name=clinic.botox.name, lot="C370AC",
                             expiry=date(2030, 1, 1), amount=20, unit=ProductUnit.UNITS, area="Glabella"),))
    provider.run(lambda store: store.save_treatment(record, actor=provider.actor))
    window = _window(qtbot, provider)
    window.lot.setText("C370AC")
    assert _search(qtbot, window) == 2
    rows = {(window.table.item(r, 0).text(), window.table.item(r, 1).text()) for r in range(2)}
    assert rows == {("Marisol Quintanilla", "03/14/1985"), ("Marisol Quintanilla", "11/02/1992")}


def test_dates_are_written_in_the_desks_locale_order_not_iso(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    provider = desk.as_user("provider")
    open_clinic(provider)
    window = _window(qtbot, provider)
    assert window.since.displayFormat() == "MM/dd/yyyy"
    window.lot.setText("C371AC")
    _search(qtbot, window)
    treated = provider.at(provider.today - timedelta(days=180), 10).date()
    assert window.table.item(0, 2).text() == f"{treated:%m/%d/%Y}"


def test_the_window_opens_centred_on_the_main_window_below_its_menus(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    provider = desk.as_user("provider")
    main = QMainWindow()
    qtbot.addWidget(main)
    main.menuBar().addMenu("&Compliance")
    main.setGeometry(main.screen().availableGeometry())
    main.show()
    qtbot.waitExposed(main)
    window = LotRecallWindow(provider, parent=main)
    window.show()
    qtbot.waitExposed(window)
    menus_bottom = main.menuBar().mapToGlobal(QPoint(0, main.menuBar().height())).y()
    frame, available = window.frameGeometry(), main.screen().availableGeometry()
    assert frame.top() > menus_bottom
    assert abs(frame.center().y() - main.frameGeometry().center().y()) <= 2
    assert frame.top() >= available.top() and frame.left() >= available.left()
