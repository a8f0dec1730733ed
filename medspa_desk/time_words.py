"""One way to write a time of day everywhere: the schedule's grid and blocks, the flow board,
the dialogs and every PDF (issue 15).

The desk picks the style once at start from the system locale
(``ui.locale_time.use_system_clock``); the core stays free of Qt, so it keeps
the choice here. Twelve-hour ("1:45 PM", hours "1 PM") until told otherwise,
as a US desk reads it.
"""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum


class ClockStyle(StrEnum):
    TWELVE_HOUR = "12h"
    TWENTY_FOUR_HOUR = "24h"


_chosen = [ClockStyle.TWELVE_HOUR]


def use_clock_style(style: ClockStyle) -> None:
    _chosen[0] = style


def clock_style() -> ClockStyle:
    return _chosen[0]


def time_of_day(moment: datetime | time) -> str:
    """``1:45 PM`` or ``13:45``: a local wall time, as the desk's locale writes it."""
    if clock_style() is ClockStyle.TWENTY_FOUR_HOUR:
        return f"{moment.hour:02d}:{moment.minute:02d}"
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def hour_mark(moment: datetime | time) -> str:
    """A schedule grid's hour line: ``1 PM`` or ``13:00``."""
    if clock_style() is ClockStyle.TWENTY_FOUR_HOUR:
        return f"{moment.hour:02d}:00"
    return f"{moment.hour % 12 or 12} {'AM' if moment.hour < 12 else 'PM'}"


def time_span(start: datetime | time, end: datetime | time) -> str:
    """``1:45–2:15 PM`` (one AM/PM when both share it, as a US desk writes it) or ``13:45–14:15``."""
    if clock_style() is ClockStyle.TWELVE_HOUR and (start.hour < 12) == (end.hour < 12):
        return f"{time_of_day(start).rsplit(' ', 1)[0]}–{time_of_day(end)}"
    return f"{time_of_day(start)}–{time_of_day(end)}"
