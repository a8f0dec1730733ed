"""Issue 15: the audit trail writes dates as the rest of the desk does, in the locale's order, never ISO."""

from __future__ import annotations

import re
from datetime import date

from pytestqt.qtbot import QtBot

from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from ui.compliance.audit_viewer import AuditViewer
from ui.dates import date_field_format, short_date
from ui.qt import QLocale

US = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
UK = QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)


def test_a_date_field_and_a_listed_date_follow_the_locales_order() -> None:
    assert date_field_format(US) == "MM/dd/yyyy"
    assert date_field_format(UK) == "dd/MM/yyyy"
    assert short_date(date(1985, 3, 4), US) == "03/04/1985"
    assert short_date(date(1985, 3, 4), UK) == "04/03/1985"


def test_the_audit_viewer_shows_its_dates_in_the_desks_locale_order(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    manager = desk.as_user("manager")
    desk.add_client("Wilhelmina", "Ashgrove")  # something in the trail
    viewer = AuditViewer(manager)
    qtbot.addWidget(viewer)
    viewer.show()
    assert viewer.since.displayFormat() == viewer.until.displayFormat() == "MM/dd/yyyy"
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", viewer.until.text())
    with qtbot.waitSignal(viewer.did_show, timeout=10_000):
        viewer.show_button.click()
    assert viewer.table.rowCount() > 0
    when = viewer.table.item(0, 0).text()
    assert re.match(r"\d\d/\d\d/\d{4} ", when), when
