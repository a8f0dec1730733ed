"""Lot numbers and expiry: expired product is refused, product near its expiry is warned about.

The expiry date printed on a vial is its last day of use: on that day it may
still be used; the day after, it is expired.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

NEAR_EXPIRY_DAYS = 30
_LOT_SHAPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ./-]{0,63}")


class LotState(StrEnum):
    GOOD = "good"
    NEAR_EXPIRY = "near_expiry"
    EXPIRED = "expired"


class LotRefused(ValueError):
    """A lot that cannot be charted; the message says why and what to do."""


@dataclass(frozen=True)
class LotCheck:
    product_name: str
    lot: str
    expiry: date
    state: LotState
    days_left: int
    message: str

    @property
    def refused(self) -> bool:
        return self.state is LotState.EXPIRED


def clean_lot(lot: str) -> str:
    """The lot number as printed (letters, digits, '-', '/', '.'), or a plain refusal."""
    text = " ".join(lot.split())
    if not text:
        raise LotRefused("Type the lot number printed on the vial or box.")
    if not _LOT_SHAPE.fullmatch(text):
        raise LotRefused("A lot number has up to 64 letters and digits (and - / . or spaces); "
                         "check what you typed against the vial.")
    return text.upper()


def check_lot(*, product_name: str, lot: str, expiry: date, on: date) -> LotCheck:
    """How usable ``lot`` is on the treatment day ``on``."""
    days_left = (expiry - on).days
    if days_left < 0:
        state = LotState.EXPIRED
        message = (f"{product_name} lot {lot} expired on {expiry:%B %-d, %Y}. Do not use it; take a "
                   "vial from an in-date lot and set it aside for return.")
    elif days_left <= NEAR_EXPIRY_DAYS:
        state = LotState.NEAR_EXPIRY
        when = "today" if days_left == 0 else f"in {days_left} day{'s' if days_left != 1 else ''}"
        message = (f"{product_name} lot {lot} expires {when} ({expiry:%B %-d, %Y}). It may be used; "
                   "use this lot first.")
    else:
        state = LotState.GOOD
        message = f"{product_name} lot {lot} is in date (expires {expiry:%B %-d, %Y})."
    return LotCheck(product_name=product_name, lot=lot, expiry=expiry, state=state,
                    days_left=days_left, message=message)


def require_usable(*, product_name: str, lot: str, expiry: date, on: date) -> LotCheck:
    """``check_lot``, raising :class:`LotRefused` for an expired lot."""
    check = check_lot(product_name=product_name, lot=lot, expiry=expiry, on=on)
    if check.refused:
        raise LotRefused(check.message)
    return check
