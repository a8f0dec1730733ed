"""“Repeat every [N] week(s), [M] visits in all” under the booking's time, and the dates it will book.

Off by default. The dates are the core's (``desk.series.series_days``), written
before anything is saved; whether each is free is the core's check on saving
(``book_series``: all, or nothing with every clashing date named).
"""

from __future__ import annotations

from datetime import date

from medspa_desk.desk.plausibility import WallTime
from medspa_desk.desk.series import EVERY_WEEKS, VISITS, series_days
from medspa_desk.scheduling import WEEKDAY_NAMES
from medspa_desk.time_words import time_of_day
from ui.qt import QCheckBox, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget, Signal

FIRST_COUNT = 6  # what the visits-in-all box offers first (a course of treatments)


class RepeatRow(QWidget):
    """The repeat control: a check box, how often and how many, and the dates in words."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.repeat = QCheckBox("Repeat every")
        self.repeat.setAccessibleName("Repeat")
        self.every = QSpinBox()
        self.every.setRange(EVERY_WEEKS.start, EVERY_WEEKS.stop - 1)
        self.every.setAccessibleName("Repeat every how many weeks")
        self.weeks_word = QLabel("week,")
        self.count = QSpinBox()
        self.count.setRange(VISITS.start, VISITS.stop - 1)
        self.count.setValue(FIRST_COUNT)
        self.count.setAccessibleName("Visits in all")
        self.count_word = QLabel("visits in all")
        for widget in (self.repeat, self.every, self.weeks_word, self.count, self.count_word):
            row.addWidget(widget)
        row.addStretch(1)
        layout.addLayout(row)
        self.days = QLabel()
        self.days.setAccessibleName("Dates to book")
        self.days.setWordWrap(True)
        self.days.hide()
        layout.addWidget(self.days)
        self.repeat.toggled.connect(self._toggled)
        self.every.valueChanged.connect(self._changed)
        self.count.valueChanged.connect(self._changed)
        self._first: WallTime | None = None
        self._toggled(False)

    def repeats(self) -> tuple[int, int] | None:
        """(every how many weeks, how many visits in all) when on; None for one visit."""
        return (self.every.value(), self.count.value()) if self.repeat.isChecked() else None

    def show_days(self, first: WallTime) -> None:
        """Write the dates the series would book, starting with ``first`` (the day and time typed)."""
        self._first = first
        repeats = self.repeats()
        if repeats is None:
            return
        every_weeks, count = repeats
        days = series_days(first.day, every_weeks=every_weeks, count=count)
        self.days.setText(f"Books {count} visits on {WEEKDAY_NAMES[first.day.weekday()]} at "
                          f"{time_of_day(first.at)}: {_dates(days)}.")

    def _toggled(self, on: bool) -> None:
        for widget in (self.every, self.weeks_word, self.count, self.count_word):
            widget.setEnabled(on)
        self.days.setVisible(on)
        self._changed()

    def _changed(self) -> None:
        self.weeks_word.setText("week," if self.every.value() == 1 else "weeks,")
        if self._first is not None:
            self.show_days(self._first)
        self.changed.emit()


def _dates(days: list[date]) -> str:
    """"Mar 16, Mar 23 and Mar 30, 2027"; each with its year when the series runs into the next one."""
    one_year = days[0].year == days[-1].year
    words = [f"{d:%b} {d.day}" if one_year else f"{d:%b} {d.day}, {d.year}" for d in days]
    listed = ", ".join(words[:-1]) + " and " + words[-1]
    return f"{listed}, {days[0].year}" if one_year else listed
