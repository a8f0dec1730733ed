"""Products, a charted history and today's visit on the schedule desk (tests.ui.schedule.desk)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from medspa_desk.records import (
    Appointment,
    ChartPoint,
    ChartView,
    Client,
    Product,
    ProductUnit,
    ProductUse,
    ServiceCategory,
    TreatmentRecord,
)
from tests.ui.schedule.desk import Desk

LAST_NOTE = "Tolerated well; slight asymmetry of left brow, review in 2 weeks"


@dataclass
class Clinic:
    desk: Desk
    botox: Product
    client: Client
    today: Appointment
    last: TreatmentRecord


def open_clinic(desk: Desk, *, past_visits: int = 3, hour: int = 11) -> Clinic:
    """Maria, allergic to lidocaine, with ``past_visits`` signed Botox charts and a visit today."""
    botox = Product(name="Botox Cosmetic 100U", manufacturer="Allergan Aesthetics",
                    category=ServiceCategory.NEUROTOXIN, unit=ProductUnit.UNITS)
    admin = desk.as_user("provider").actor
    desk.run(lambda store: store.put_reference(botox, actor=admin))
    client = desk.add_client("Marisol", "Quintanilla", allergies="Lidocaine", alerts="Fainted after a needle once")
    today = desk.book(client, day=desk.today, hour=hour)
    records = []
    for n in range(past_visits):
        when = desk.at(desk.today - timedelta(days=90 * (n + 1)), 10)
        points = (ChartPoint(view=ChartView.FRONT, x=0.5, y=0.34, area="Glabella", product_id=botox.id,
                             lot=f"C37{n}AC", amount=20 - n),)
        record = TreatmentRecord(
            client_id=client.id, provider_id=desk.injector.id, service_id=desk.services["botox"].id,
            performed_at=when, points=points, clinical_notes=LAST_NOTE if n == 0 else f"Visit {n}",
            post_care="Stay upright for 4 hours.",
            products=(ProductUse(product_id=botox.id, product_name=botox.name, lot=f"C37{n}AC",
                                 expiry=date(2030, 1, 1), amount=20 - n, unit=ProductUnit.UNITS,
                                 area="Glabella"),))
        desk.run(lambda store, r=record: store.save_treatment(r, actor=admin))
        desk.run(lambda store, r=record, w=when: store.sign_treatment(r.id, actor=admin, at=w + timedelta(hours=1)))
        records.append(record)
    return Clinic(desk=desk, botox=botox, client=client, today=today, last=records[0])
