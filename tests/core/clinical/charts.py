"""Helpers to chart a visit in the demo practice (real products from its catalog)."""

from __future__ import annotations

from datetime import date, timedelta

from medspa_demo.model import Practice
from medspa_desk.clinical.charting import ChartedVisit
from medspa_desk.records import (
    Appointment,
    AppointmentStatus,
    ChartPoint,
    ChartView,
    Product,
    ServiceCategory,
)


def product(demo: Practice, name: str) -> Product:
    return next(p for p in demo.products if p.name == name)


def neurotoxin_visit(demo: Practice) -> Appointment:
    """A completed neurotoxin appointment of the demo practice."""
    services = {s.id: s for s in demo.services}
    return next(a for a in demo.appointments if a.status is AppointmentStatus.COMPLETED
                and services[a.service_id].category is ServiceCategory.NEUROTOXIN)


def point(product_: Product, *, area: str, amount: float, lot: str = "C1234", x: float = 0.5,
          y: float = 0.34, view: ChartView = ChartView.FRONT) -> ChartPoint:
    return ChartPoint(view=view, x=x, y=y, area=area, product_id=product_.id, lot=lot, amount=amount)


def visit(appt: Appointment, points: tuple[ChartPoint, ...], *, expiry: date,
          notes: str = "Tolerated well.") -> ChartedVisit:
    expiries = {(p.product_id, p.lot): expiry for p in points}
    return ChartedVisit(client_id=appt.client_id, provider_id=appt.provider_id, service_id=appt.service_id,
                        performed_at=appt.starts_at, appointment_id=appt.id, points=points,
                        expiries=expiries, clinical_notes=notes, post_care="Stay upright for 4 hours.")


def treatment_day(appt: Appointment, demo: Practice) -> date:
    return appt.starts_at.astimezone(demo.location.zone).date()


def in_date(appt: Appointment, demo: Practice, days: int = 200) -> date:
    return treatment_day(appt, demo) + timedelta(days=days)
