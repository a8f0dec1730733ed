"""Building a treatment record from what the provider charted.

Products and their amounts are computed from the face chart points
(``totals.product_uses``); every lot is checked against the treatment day:
an expired lot is refused, a lot near its expiry comes back as a warning.
Non-face product uses (an IV bag, for instance) are passed as they are, their
lots checked the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from medspa_desk.clinical.access import require_charting
from medspa_desk.clinical.lots import LotCheck, LotState, require_usable
from medspa_desk.clinical.totals import ChartingError, product_uses
from medspa_desk.records import (
    ChartPoint,
    LaserSettings,
    Product,
    ProductUse,
    Role,
    TreatmentRecord,
    new_id,
)


@dataclass(frozen=True)
class ChartedVisit:
    """What the charting screen holds for one visit."""

    client_id: UUID
    provider_id: UUID
    service_id: UUID
    performed_at: datetime
    appointment_id: UUID | None = None
    points: tuple[ChartPoint, ...] = ()
    other_uses: tuple[ProductUse, ...] = ()
    expiries: Mapping[tuple[UUID, str], date] | None = None
    laser: tuple[LaserSettings, ...] = ()
    clinical_notes: str = ""
    post_care: str = ""
    photo_ids: tuple[UUID, ...] = ()


@dataclass(frozen=True)
class ChartResult:
    record: TreatmentRecord
    warnings: tuple[LotCheck, ...]


def build_treatment(visit: ChartedVisit, *, catalog: Mapping[UUID, Product], role: Role, on: date,
                    draft_id: UUID | None = None, version: int = 1) -> ChartResult:
    """The draft treatment record, or :class:`ChartingError`/``LotRefused`` saying what to fix."""
    require_charting(role)
    expiries = dict(visit.expiries or {})
    uses = (*product_uses(visit.points, catalog=catalog, expiries=expiries), *visit.other_uses)
    if not uses and not visit.laser and not visit.clinical_notes.strip():
        raise ChartingError("Nothing is charted yet: place points on the face chart, enter laser "
                            "settings, or write a note.")
    checks = _check_lots(uses, on=on)
    record = TreatmentRecord(
        id=draft_id or new_id(), version=version, client_id=visit.client_id,
        appointment_id=visit.appointment_id, provider_id=visit.provider_id,
        service_id=visit.service_id, performed_at=visit.performed_at, products=uses,
        points=visit.points, laser=visit.laser, clinical_notes=visit.clinical_notes.strip(),
        post_care=visit.post_care.strip(), photo_ids=visit.photo_ids)
    return ChartResult(record=record, warnings=tuple(c for c in checks if c.state is LotState.NEAR_EXPIRY))


def _check_lots(uses: Sequence[ProductUse], *, on: date) -> list[LotCheck]:
    seen: dict[tuple[UUID, str], LotCheck] = {}
    for use in uses:
        if (use.product_id, use.lot) not in seen:
            seen[(use.product_id, use.lot)] = require_usable(product_name=use.product_name, lot=use.lot,
                                                             expiry=use.expiry, on=on)
    return list(seen.values())


__all__ = ["ChartResult", "ChartedVisit", "ChartingError", "build_treatment"]
