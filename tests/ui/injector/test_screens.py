"""Screenshots of the card and the face chart (saved for a person to look at) and the recall window.

Set INJECTOR_SCREENSHOTS=/some/folder to keep the PNGs; otherwise they go to
the test's temp folder and are checked for being drawn, not blank.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pytestqt.qtbot import QtBot

from medspa_desk.clinical.recall_export import ExportFormat
from medspa_desk.records import AuditAction
from tests.ui.injector.clinic import open_clinic
from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from ui.injector import open_door_card
from ui.injector.charting import ChartingDialog
from ui.injector.face_chart import Pen
from ui.injector.recall import LotRecallWindow
from ui.qt import QDate, QImage, QWidget


def _save(widget: QWidget, name: str, tmp_path: Path) -> QImage:
    folder = Path(os.environ.get("INJECTOR_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    assert widget.grab().save(str(path))
    image = QImage(str(path))
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 8  # drawn, not a blank or single-colour frame
    return image


def test_screenshot_of_the_door_card(qtbot: QtBot, desk: Desk, tmp_path: Path) -> None:  # noqa: F811
    provider = desk.as_user("provider")
    clinic = open_clinic(provider)
    parent = QWidget()
    qtbot.addWidget(parent)
    card = open_door_card(parent, provider, clinic.today)
    qtbot.waitUntil(lambda: card.card is not None)
    qtbot.waitExposed(card)
    _save(card, "injector-door-card.png", tmp_path)
    card.close()


def test_screenshot_of_the_face_chart_while_charting(qtbot: QtBot, desk: Desk, tmp_path: Path) -> None:  # noqa: F811
    provider = desk.as_user("provider")
    clinic = open_clinic(provider)
    chart = ChartingDialog(provider, appointment_id=clinic.today.id)
    qtbot.addWidget(chart)
    chart.show()
    qtbot.waitUntil(lambda: chart.data is not None)
    chart.lot.setText("C3709AC4")
    chart.expiry.setDate(QDate(2030, 1, 31))
    for x, y, amount in ((0.45, 0.33, 4), (0.55, 0.33, 4), (0.5, 0.34, 4), (0.36, 0.2, 2), (0.5, 0.19, 2),
                         (0.64, 0.2, 2), (0.73, 0.38, 4), (0.74, 0.42, 4), (0.27, 0.4, 4)):
        chart.chart.set_pen(Pen(product_id=clinic.botox.id, lot="C3709AC4", amount=amount))
        chart.chart.place(x, y)
    qtbot.waitExposed(chart)
    _save(chart, "injector-charting.png", tmp_path)
    _save(chart.chart, "injector-face-chart.png", tmp_path)
    assert chart.totals.rowCount() == 4


def test_the_recall_window_finds_the_clients_and_exports_them(qtbot: QtBot, desk: Desk, tmp_path: Path) -> None:  # noqa: F811
    provider = desk.as_user("provider")
    clinic = open_clinic(provider)
    window = LotRecallWindow(provider)
    qtbot.addWidget(window)
    window.show()
    window.lot.setText("c371ac")
    with qtbot.waitSignal(window.did_search):
        window.search_button.click()
    assert window.table.rowCount() == 1
    assert window.table.item(0, 0).text() == "Marisol Quintanilla"
    _save(window, "injector-lot-recall.png", tmp_path)
    target = tmp_path / "recall.csv"
    with qtbot.waitSignal(window.did_export):
        window.export(target, ExportFormat.CSV)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "Quintanilla" in target.read_text("utf-8-sig")
    assert clinic.client.id
    exports = [e for e in provider.run(lambda s: s.audit.events(limit=10_000)) if e.action is AuditAction.EXPORT]
    assert [e.detail for e in exports] == ["clients: 1, format: csv"]


def test_a_client_with_no_health_questionnaire_is_never_shown_as_checked_and_clear(
        qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    from ui.injector.door_card import OK_STYLE, PROBLEM_STYLE

    provider = desk.as_user("provider")
    clinic = open_clinic(provider)
    parent = QWidget()
    qtbot.addWidget(parent)
    card = open_door_card(parent, provider, clinic.today)
    qtbot.waitUntil(lambda: card.card is not None)
    assert not card.card.intake_on_file  # the clinic's client never filled one in
    assert card.flags.text() == "No health questionnaire on file, so none could be checked."
    assert card.flags.styleSheet() == PROBLEM_STYLE != OK_STYLE  # amber, not the green of "clear"
    card.close()
