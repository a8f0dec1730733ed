"""Who may do what with a treatment record.

Only providers chart and sign. Providers, managers and admins read clinical
detail (products, lots, notes); the front desk sees dates and services only.
"""

from __future__ import annotations

from medspa_desk.records import Role

CLINICAL_READERS = frozenset({Role.PROVIDER, Role.MANAGER, Role.ADMIN})


class NotPermitted(PermissionError):
    """The signed-in role may not do this; the message says who can."""


def may_chart(role: Role) -> bool:
    return role is Role.PROVIDER


def may_read_clinical(role: Role) -> bool:
    return role in CLINICAL_READERS


def require_charting(role: Role) -> None:
    if not may_chart(role):
        raise NotPermitted("Only a provider can chart or sign a treatment. Ask the treating "
                           "provider to sign in.")


def require_clinical_reader(role: Role) -> None:
    if not may_read_clinical(role):
        raise NotPermitted("Treatment details and notes are for providers and managers only.")
