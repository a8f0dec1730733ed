"""Issue 15: one time format, the system locale's, on the grid, the blocks, the flow board and PDFs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time
from zoneinfo import ZoneInfo

import pytest

from medspa_desk.scheduling import format_span, local_datetime
from medspa_desk.time_words import ClockStyle, clock_style, use_clock_style
from ui.locale_time import use_system_clock
from ui.qt import QLocale
from ui.schedule.layout import TimeGrid

ZONE = ZoneInfo("America/New_York")
DAY = date(2026, 3, 4)


@pytest.fixture
def system_locale(qapp: object) -> Iterator[None]:
    """The test sets the default locale (what the desk reads as the system's); both are restored."""
    saved_locale, saved_style = QLocale(), clock_style()
    yield
    QLocale.setDefault(saved_locale)
    use_clock_style(saved_style)


def _grid_label(hour: int) -> str:
    grid = TimeGrid.for_day(DAY, ZONE, px_per_min=1.0)
    return next(mark.label for mark in grid.hours if mark.instant.astimezone(ZONE).hour == hour)


def test_a_german_desk_writes_24_hour_times_everywhere(system_locale: None) -> None:
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    assert use_system_clock() is ClockStyle.TWENTY_FOUR_HOUR
    block = format_span(local_datetime(DAY, time(13, 45), ZONE), local_datetime(DAY, time(14, 15), ZONE), ZONE)
    assert (_grid_label(13), block) == ("13:00", "13:45–14:15")


def test_a_us_desk_writes_12_hour_times_everywhere(system_locale: None) -> None:
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    assert use_system_clock() is ClockStyle.TWELVE_HOUR
    block = format_span(local_datetime(DAY, time(13, 45), ZONE), local_datetime(DAY, time(14, 15), ZONE), ZONE)
    assert (_grid_label(13), block) == ("1 PM", "1:45–2:15 PM")
