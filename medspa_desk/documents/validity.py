"""How long an intake form and a signed consent stay good for."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from medspa_desk.records import IntakeForm, SignedConsent


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it is shorter (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def local_day(moment: datetime, zone: ZoneInfo | None) -> date:
    return moment.astimezone(zone or UTC).date()


def intake_expires_on(intake: IntakeForm, *, months_valid: int, zone: ZoneInfo | None = None) -> date:
    """The first day the intake is no longer good (the location's calendar decides the day)."""
    return add_months(local_day(intake.submitted_at, zone), months_valid)


def intake_is_current(intake: IntakeForm, *, today: date, months_valid: int,
                      client_reported_change: bool, zone: ZoneInfo | None = None) -> bool:
    """Whether check-in can rely on this intake.

    It lapses ``months_valid`` months after it was submitted (a practice
    setting), at once when the client says their health or medicines changed,
    and when its content no longer matches its hash.
    """
    if months_valid < 1:
        raise ValueError("the intake validity setting must be at least one month")
    if client_reported_change or not intake.is_intact:
        return False
    return today < intake_expires_on(intake, months_valid=months_valid, zone=zone)


def consent_expires_on(consent: SignedConsent, *, valid_days: int, zone: ZoneInfo | None = None) -> date:
    return local_day(consent.signed_at, zone) + timedelta(days=valid_days)


def latest_consent(consents: Iterable[SignedConsent], key: str) -> SignedConsent | None:
    """The most recently signed, intact consent for ``key`` (a tampered one never counts)."""
    matching = [c for c in consents if c.template_key == key and c.is_intact]
    return max(matching, key=lambda c: c.signed_at, default=None)


def consent_is_current(consents: Iterable[SignedConsent], key: str, *, valid_days: int, today: date,
                       zone: ZoneInfo | None = None) -> bool:
    """Whether the client has a signature for ``key`` that is good on ``today``.

    Any version of the template counts: publishing new text does not void
    signatures on the old one; the service's ``valid_days`` decides renewal.
    """
    latest = latest_consent(consents, key)
    if latest is None:
        return False
    return today < consent_expires_on(latest, valid_days=valid_days, zone=zone)
