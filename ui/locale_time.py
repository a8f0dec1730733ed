"""The desk writes times as the system locale does (issue 15): 12- or 24-hour, chosen once at start."""

from __future__ import annotations

from medspa_desk.time_words import ClockStyle, clock_style, use_clock_style
from ui.qt import QLocale


def clock_style_of(locale: QLocale) -> ClockStyle:
    """The locale's short time format says "AP" when it writes a twelve-hour clock."""
    pattern = locale.timeFormat(QLocale.FormatType.ShortFormat)
    return ClockStyle.TWELVE_HOUR if "a" in pattern.lower() else ClockStyle.TWENTY_FOUR_HOUR


def desk_locale() -> QLocale:
    """The system's locale; a machine with none set (the "C" locale) is taken as a US desk."""
    locale = QLocale()
    if locale.language() is QLocale.Language.C:
        return QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    return locale


def use_system_clock() -> ClockStyle:
    """Make every time the desk shows or prints follow the default (system) locale."""
    style = clock_style_of(desk_locale())
    use_clock_style(style)
    return style


def time_field_format() -> str:
    """A time field's display format in the desk's one clock style (QTimeEdit.setDisplayFormat)."""
    return "h:mm AP" if clock_style() is ClockStyle.TWELVE_HOUR else "HH:mm"
