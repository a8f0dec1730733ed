"""The at-the-door card: what an injector needs in the seconds before walking in.

One worker trip reads the appointment, the client (the audited view), their
treatments, forms and today's services, and sums it up: last treatments
(date, provider, product, amount per area, lot), allergies and alerts,
contraindication flags, today's consent and intake status, and the last
visit's notes. Clinical detail (products, lots, notes) is left out for roles
that may not read it: the front desk sees dates and services only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from medspa_desk.clinical.access import may_chart, may_read_clinical
from medspa_desk.documents.consents import latest_templates
from medspa_desk.documents.gating import CheckInStatus, ItemKind, check_in_requirements
from medspa_desk.records import (
    Appointment,
    LaserSettings,
    ProductUnit,
    TreatmentRecord,
    booked_service_name,
    utc_now,
)

# The practice's intake policy, the same the check-in screen applies.
RECENT_VISITS = 5


@dataclass(frozen=True)
class UseLine:
    product_name: str
    amount: float
    unit: ProductUnit
    area: str
    lot: str


@dataclass(frozen=True)
class VisitLine:
    treatment_id: UUID
    performed_at: datetime
    provider_name: str
    service_name: str
    signed: bool
    uses: tuple[UseLine, ...] = ()
    laser: tuple[LaserSettings, ...] = ()


@dataclass(frozen=True)
class DoorCard:
    appointment: Appointment
    client_name: str
    age: int
    allergies: str
    alerts: str
    service_name: str
    provider_name: str
    visits: tuple[VisitLine, ...]
    visit_count: int
    check_in: CheckInStatus
    clinical: bool
    may_chart: bool
    last_notes: str | None = None
    last_post_care: str | None = None
    draft_id: UUID | None = None  # this appointment's unsigned chart, if one was started
    intake_on_file: bool = False

    @property
    def flags(self) -> tuple[str, ...]:
        """Contraindications the client's current intake raises for today's services."""
        return tuple(i.message for i in self.check_in.items if i.kind is ItemKind.FINDING)

    @property
    def form_problems(self) -> tuple[str, ...]:
        """Consent or intake still missing, expired or altered for today."""
        return tuple(i.message for i in self.check_in.items if i.kind is not ItemKind.FINDING)


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def load_door_card(store: Any, *, appointment_id: UUID, actor: Any, location: Any,
                   now: datetime | None = None, recent: int = RECENT_VISITS) -> DoorCard:
    """Everything the card shows, in one trip and ONE audited view of the client's record.

    The card reads only the latest ``recent`` treatments (by the store's
    client-and-date index), not the client's whole history: a regular with
    300 visits opens as fast as a new client.
    """
    appt = store.appointment(appointment_id)
    record = store.open_client_file(appt.client_id, actor=actor, detail="door_card")
    client = record.client
    zone = location.zone
    today = (now or utc_now()).astimezone(zone).date()
    services = {s.id: s for s in store.services()}
    providers = {p.id: p.display_name for p in store.providers()}
    clinical = may_read_clinical(actor.role)
    latest = record.latest_treatments(limit=recent + 1)
    drafts = record.drafts()
    visit_count = record.treatment_count()
    todays = [a for a in store.day_schedule(location.id, appt.starts_at.astimezone(zone).date()).appointments
              if a.client_id == client.id and a.holds_slot]
    todays_services = [services[a.service_id] for a in todays if a.service_id in services] or \
        [services[appt.service_id]]
    intakes = record.intakes()
    status = check_in_requirements(
        client=client, services=list(dict.fromkeys(todays_services)), intakes=intakes,
        consents=record.consents(), today=today, zone=zone,
        intake_months_valid=location.intake_valid_months,
        templates=latest_templates(store.consent_templates()))
    draft = next((t for t in drafts if t.appointment_id == appt.id), None)
    past = [t for t in latest if t.appointment_id != appt.id][:recent]
    visits = tuple(_visit_line(t, services=services, providers=providers, clinical=clinical) for t in past)
    last = past[0] if past else None
    return DoorCard(
        appointment=appt, client_name=client.full_name + (f" ({client.preferred_name})"
                                                          if client.preferred_name else ""),
        age=_age(client.birth_date, today), allergies=client.allergies, alerts=client.alerts,
        service_name=booked_service_name(appt, services),
        provider_name=providers.get(appt.provider_id, "Provider"), visits=visits,
        visit_count=visit_count - (1 if draft else 0), check_in=status, clinical=clinical,
        may_chart=may_chart(actor.role),
        last_notes=(last.clinical_notes if clinical and last else None),
        last_post_care=(last.post_care if clinical and last else None),
        draft_id=draft.id if draft else None, intake_on_file=bool(intakes))


def _visit_line(t: TreatmentRecord, *, services: dict[UUID, Any], providers: dict[UUID, str],
                clinical: bool) -> VisitLine:
    service = services.get(t.service_id)
    uses = tuple(UseLine(product_name=u.product_name, amount=u.amount, unit=u.unit, area=u.area, lot=u.lot)
                 for u in t.products) if clinical else ()
    return VisitLine(treatment_id=t.id, performed_at=t.performed_at,
                     provider_name=providers.get(t.provider_id, "Provider"),
                     service_name=service.name if service else "Treatment", signed=t.is_signed,
                     uses=uses, laser=t.laser if clinical else ())
