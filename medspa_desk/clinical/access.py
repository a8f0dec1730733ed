"""Who may do what with a treatment record, as the clinic's table says (``medspa_desk.rules``).

Only providers chart and sign. Providers, managers and admins read clinical
detail (products, lots, notes); the front desk sees dates and services only.
"""

from __future__ import annotations

from medspa_desk.records import Role
from medspa_desk.rules import NotPermitted, UseCase, may, require

__all__ = ["NotPermitted", "may_chart", "may_read_clinical", "require_charting", "require_clinical_reader"]


def may_chart(role: Role) -> bool:
    return may(role, UseCase.SIGN_CHART)


def may_read_clinical(role: Role) -> bool:
    return may(role, UseCase.READ_CLINICAL_DETAIL)


def require_charting(role: Role) -> None:
    require(role, UseCase.SIGN_CHART)


def require_clinical_reader(role: Role) -> None:
    require(role, UseCase.READ_CLINICAL_DETAIL)
