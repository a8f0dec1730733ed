"""A starting draft from the client's last chart of the same service: its points, this visit's lot.

An injector repeating last time's pattern copies the points (where, which product,
how much) and then adjusts; the lot is always the vial in hand today, never the one
recorded months ago, so lot recall stays true. Only a signed chart is a starting
point: a draft may still change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from medspa_desk.records import ChartPoint, TreatmentRecord


def last_chart(history: Iterable[TreatmentRecord], *, service_id: UUID, before: datetime) -> TreatmentRecord | None:
    """The latest signed chart of ``service_id`` performed before ``before`` with points on the face."""
    earlier = [t for t in history
               if t.service_id == service_id and t.performed_at < before and t.is_signed and t.points]
    return max(earlier, key=lambda t: t.performed_at, default=None)


@dataclass(frozen=True)
class Copied:
    points: tuple[ChartPoint, ...]  # the chart after the copy: what was there, then the copied points
    added: int
    left_out: tuple[str, ...]  # the products of the last chart's other points, by name


def copy_points(last: TreatmentRecord, *, onto: Sequence[ChartPoint], product_id: UUID, lot: str) -> Copied:
    """``last``'s points of ``product_id``, each with ``lot``, added to ``onto``; a point already
    there (same view, place and product) is not added twice."""
    names = {u.product_id: u.product_name for u in last.products}
    there = {(p.view, p.x, p.y, p.product_id) for p in onto}
    added = tuple(p.model_copy(update={"lot": lot}) for p in last.points
                  if p.product_id == product_id and (p.view, p.x, p.y, p.product_id) not in there)
    left_out = tuple(sorted({names.get(p.product_id, "another product") for p in last.points
                             if p.product_id != product_id}))
    return Copied(points=(*onto, *added), added=len(added), left_out=left_out)
