"""Dates as the desk's locale writes them (issue 15): "3/4/85" is a birth date, in the locale's order.

The order of day, month and year comes from the locale's short date format
(en_US: month/day/year; en_GB and de_DE: day/month/year). Slashes, dots and
dashes all separate; a two-digit year is the latest such year not after today
(a birth date is never in the future). ISO ``YYYY-MM-DD`` is always accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from ui.locale_time import desk_locale
from ui.qt import QLocale

PATTERN_WORDS = {"M": "MM", "D": "DD", "Y": "YYYY"}


def date_order(locale: QLocale | None = None) -> str:
    """``"MDY"``, ``"DMY"`` or ``"YMD"``: the order the locale writes a short date in."""
    pattern = (locale or desk_locale()).dateFormat(QLocale.FormatType.ShortFormat)
    found = {letter: pattern.find(code) for letter, code in (("D", "d"), ("M", "M"), ("Y", "y"))}
    if min(found.values()) < 0:
        return "MDY"
    return "".join(sorted(found, key=found.__getitem__))


def date_hint(locale: QLocale | None = None) -> str:
    """The placeholder for a typed date: ``MM/DD/YYYY`` or ``DD/MM/YYYY``."""
    return "/".join(PATTERN_WORDS[letter] for letter in date_order(locale))


def example_date(locale: QLocale | None = None) -> str:
    values = {"M": "03", "D": "14", "Y": "1985"}
    return "/".join(values[letter] for letter in date_order(locale))


def parse_birth_date(text: str, *, today: date | None = None, locale: QLocale | None = None) -> date | None:
    """The date typed, in the locale's order or ISO; ``None`` if it is not a date. A two-digit year is
    the latest such year not after today (a birth date is never in the future)."""
    this_year = (today or date.today()).year
    return _typed(text, locale=locale, century=lambda yy: 2000 + yy if 2000 + yy <= this_year else 1900 + yy)


def parse_date(text: str, *, locale: QLocale | None = None) -> date | None:
    """A date typed in a table (a due date, an agreement's expiry): the locale's order or ISO, a
    two-digit year read as 20YY (these dates are this century's); ``None`` if it is not a date."""
    return _typed(text, locale=locale, century=lambda yy: 2000 + yy)


def _typed(text: str, *, locale: QLocale | None, century: Callable[[int], int]) -> date | None:
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    parts = text.replace(".", "/").replace("-", "/").split("/")
    if len(parts) != 3 or not all(part.strip().isdigit() for part in parts):
        return None
    order = date_order(locale)
    values = dict(zip(order, (int(part) for part in parts), strict=True))
    year = values["Y"]
    if len(parts[order.index("Y")].strip()) <= 2:
        year = century(year)
    try:
        return date(year, values["M"], values["D"])
    except ValueError:
        return None


def date_field_format(locale: QLocale | None = None) -> str:
    """A date field's display format in the locale's order, with a four-digit year (QDateEdit):
    ``MM/dd/yyyy`` on a US desk, ``dd/MM/yyyy`` on a British one; never ISO ``yyyy-MM-dd``."""
    codes = {"M": "MM", "D": "dd", "Y": "yyyy"}
    return "/".join(codes[letter] for letter in date_order(locale))


def short_date(day: date, locale: QLocale | None = None) -> str:
    """A date as the desk's locale writes it in a list: "03/14/1985" (US) or "14/03/1985" (UK)."""
    values = {"M": f"{day.month:02d}", "D": f"{day.day:02d}", "Y": f"{day.year:04d}"}
    return "/".join(values[letter] for letter in date_order(locale))
