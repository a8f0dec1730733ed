"""Totals per area and per product, computed from the face chart points: never typed.

A treatment's product uses are derived here from its points, grouped by
product, lot and area, so the chart and the amounts charted cannot disagree.
Amounts are summed in hundredths, so 0.1 + 0.2 mL is 0.3 mL, not 0.30000000000000004.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from medspa_desk.records import ChartPoint, Product, ProductUnit, ProductUse


def _hundredths(amount: float) -> int:
    return round(amount * 100)


@dataclass(frozen=True)
class AreaTotal:
    area: str
    product_id: UUID
    amount: float


@dataclass(frozen=True)
class ProductTotal:
    product_id: UUID
    amount: float
    points: int


@dataclass(frozen=True)
class ChartTotals:
    by_area: tuple[AreaTotal, ...]
    by_product: tuple[ProductTotal, ...]

    def area_amount(self, area: str, product_id: UUID) -> float:
        return next((t.amount for t in self.by_area if t.area == area and t.product_id == product_id), 0.0)

    def product_amount(self, product_id: UUID) -> float:
        return next((t.amount for t in self.by_product if t.product_id == product_id), 0.0)


def chart_totals(points: Iterable[ChartPoint]) -> ChartTotals:
    """Sum of units (or mL) per area and product, and per product, in first-placed order."""
    by_area: dict[tuple[str, UUID], int] = defaultdict(int)
    by_product: dict[UUID, int] = defaultdict(int)
    counts: dict[UUID, int] = defaultdict(int)
    for point in points:
        cents = _hundredths(point.amount)
        by_area[(point.area, point.product_id)] += cents
        by_product[point.product_id] += cents
        counts[point.product_id] += 1
    return ChartTotals(
        by_area=tuple(AreaTotal(area=a, product_id=p, amount=c / 100) for (a, p), c in by_area.items()),
        by_product=tuple(ProductTotal(product_id=p, amount=c / 100, points=counts[p])
                         for p, c in by_product.items()))


class ChartingError(ValueError):
    """A chart that cannot be saved as it is; the message says what to fix."""


def product_uses(points: Iterable[ChartPoint], *, catalog: Mapping[UUID, Product],
                 expiries: Mapping[tuple[UUID, str], date]) -> tuple[ProductUse, ...]:
    """One use per product, lot and area, its amount the sum of that area's points."""
    grouped: dict[tuple[UUID, str, str], int] = defaultdict(int)
    for point in points:
        if point.product_id not in catalog:
            raise ChartingError("A point on the chart names a product that is not in the practice "
                                "catalog. Remove the point and place it again.")
        if not point.lot:
            raise ChartingError(f"A point in {point.area} has no lot number. Enter the lot for "
                                f"{catalog[point.product_id].name} first.")
        if (point.product_id, point.lot) not in expiries:
            raise ChartingError(f"Lot {point.lot} of {catalog[point.product_id].name} has no expiry "
                                "date. Enter the expiry printed on the vial.")
        grouped[(point.product_id, point.lot, point.area)] += _hundredths(point.amount)
    uses = []
    for (product_id, lot, area), cents in grouped.items():
        product = catalog[product_id]
        uses.append(ProductUse(product_id=product_id, product_name=product.name, lot=lot,
                               expiry=expiries[(product_id, lot)], amount=cents / 100,
                               unit=product.unit, area=area))
    return tuple(uses)


def format_amount(amount: float, unit: ProductUnit | str) -> str:
    """'20 units', '0.5 mL', '1 syringe'."""
    value = f"{amount:g}"
    unit_text = ProductUnit(unit).value
    if unit_text == "syringe" and amount != 1:
        unit_text = "syringes"
    return f"{value} {unit_text}"
