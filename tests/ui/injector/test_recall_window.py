"""Issue 15: the lot recall keeps to the dates on screen, and shows when and which lot first."""

from __future__ import annotations

from datetime import timedelta

from pytestqt.qtbot import QtBot

from tests.ui.injector.clinic import open_clinic
from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from ui.injector.recall import LotRecallWindow
from ui.qt import QDate


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
    assert headers[:3] == ["Client", "Treated", "Lot"]
    assert window.table.item(0, 2).text() == "C371AC"
