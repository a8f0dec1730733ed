"""Issue 15: "3/4/85" is a birth date, read in the locale's order; a wrong one is said beside its field."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from pytestqt.qtbot import QtBot

from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from ui.booking import BookingDialog
from ui.dates import date_hint, parse_birth_date
from ui.qt import QLocale

TODAY = date(2026, 12, 7)
US = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
UK = QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)


@pytest.fixture
def us_desk(qapp: object) -> Iterator[None]:
    saved = QLocale()
    QLocale.setDefault(US)
    yield
    QLocale.setDefault(saved)


def test_a_short_us_birth_date_with_a_two_digit_year_is_read_month_first() -> None:
    assert parse_birth_date("3/4/85", today=TODAY, locale=US) == date(1985, 3, 4)
    assert parse_birth_date("03/14/1985", today=TODAY, locale=US) == date(1985, 3, 14)
    assert parse_birth_date("1985-03-14", today=TODAY, locale=US) == date(1985, 3, 14)


def test_a_uk_desk_reads_day_first_and_a_two_digit_year_is_never_in_the_future() -> None:
    assert parse_birth_date("3/4/85", today=TODAY, locale=UK) == date(1985, 4, 3)
    assert parse_birth_date("3.4.26", today=TODAY, locale=UK) == date(2026, 4, 3)
    assert parse_birth_date("3.4.27", today=TODAY, locale=UK) == date(1927, 4, 3)
    assert (date_hint(US), date_hint(UK)) == ("MM/DD/YYYY", "DD/MM/YYYY")


def test_nonsense_is_not_a_date() -> None:
    for typed in ("31/31/1990", "3/4", "March 4", "3/4/85/1", ""):
        assert parse_birth_date(typed, today=TODAY, locale=US) is None, typed


def test_a_wrong_birth_date_is_said_right_under_its_field(qtbot: QtBot, desk: Desk, us_desk: None) -> None:  # noqa: F811
    dialog = BookingDialog(desk, starts_at=desk.at(desk.today, 10))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.service.count() > 0)
    dialog.new_client_button.click()
    form = dialog.new_client
    form.birth_date.setText("31/31/1990")
    dialog.save_button.click()
    error = form.birth_date_error
    assert error.isVisible() and error.text().startswith("Date of birth: type it as MM/DD/YYYY")
    field_bottom = form.birth_date.mapTo(form, form.birth_date.rect().bottomLeft()).y()
    error_top = error.mapTo(form, error.rect().topLeft()).y()
    assert 0 <= error_top - field_bottom <= form.birth_date.height()  # the next line, not the dialog's foot
    qtbot.keyClicks(form.birth_date, "5")
    assert not error.isVisible()  # typing again clears it
