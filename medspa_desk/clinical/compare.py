"""This visit's chart beside the last one that treated the same area."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from medspa_desk.clinical.totals import chart_totals
from medspa_desk.records import ProductUnit, TreatmentRecord


def treated_areas(record: TreatmentRecord) -> frozenset[str]:
    return frozenset({p.area for p in record.points} | {u.area for u in record.products})


def previous_for_same_area(current: TreatmentRecord,
                           history: Iterable[TreatmentRecord]) -> TreatmentRecord | None:
    """The latest treatment before ``current`` that shares an area with it (charted on the face)."""
    areas = treated_areas(current)
    earlier = [t for t in history if t.id != current.id and t.performed_at < current.performed_at
               and treated_areas(t) & areas]
    return max(earlier, key=lambda t: t.performed_at, default=None)


@dataclass(frozen=True)
class AreaChange:
    area: str
    product_name: str
    unit: ProductUnit
    before: float
    now: float

    @property
    def difference(self) -> float:
        return round(self.now - self.before, 2)


def compare_charts(current: TreatmentRecord, previous: TreatmentRecord | None) -> tuple[AreaChange, ...]:
    """Per area and product: the amount last time and this time (0 where one visit had none)."""
    names: dict[UUID, tuple[str, ProductUnit]] = {}
    for record in (previous, current):
        if record is not None:
            names.update({u.product_id: (u.product_name, u.unit) for u in record.products})
    now = chart_totals(current.points)
    before = chart_totals(previous.points if previous else ())
    keys = dict.fromkeys([(t.area, t.product_id) for t in now.by_area]
                         + [(t.area, t.product_id) for t in before.by_area])
    changes = []
    for area, product_id in keys:
        name, unit = names.get(product_id, ("Unknown product", ProductUnit.UNITS))
        changes.append(AreaChange(area=area, product_name=name, unit=unit,
                                  before=before.area_amount(area, product_id),
                                  now=now.area_amount(area, product_id)))
    return tuple(changes)
