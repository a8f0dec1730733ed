"""What the charting screen reads in one worker trip, and the writes it asks for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID
from zoneinfo import ZoneInfo

from medspa_desk.clinical.access import require_charting
from medspa_desk.clinical.last_chart import last_chart
from medspa_desk.desk.charts import add_addendum, save_chart, sign_chart
from medspa_desk.records import (
    Appointment,
    Product,
    Service,
    ServiceCategory,
    TreatmentRecord,
)
from medspa_desk.store import Actor, Changes, Store
from medspa_desk.store.photos import PhotoInfo, photos_for
from medspa_desk.store.recall import lots_used

FACE_CATEGORIES = {
    ServiceCategory.NEUROTOXIN: (ServiceCategory.NEUROTOXIN,),
    ServiceCategory.DERMAL_FILLER: (ServiceCategory.DERMAL_FILLER,),
}
LASER_CATEGORIES = frozenset({ServiceCategory.LASER, ServiceCategory.IPL})


@dataclass(frozen=True)
class ChartingData:
    appointment: Appointment
    client_name: str
    service: Service
    day: date
    catalog: tuple[Product, ...]
    record: TreatmentRecord | None
    lots: dict[UUID, list[str]] = field(default_factory=dict)
    photos: tuple[PhotoInfo, ...] = ()
    signer_names: dict[UUID, str] = field(default_factory=dict)
    last: TreatmentRecord | None = None  # the client's last signed chart of this service: a starting draft

    @property
    def uses_face_chart(self) -> bool:
        return self.service.category not in LASER_CATEGORIES

    @property
    def uses_laser(self) -> bool:
        return self.service.category in LASER_CATEGORIES


def load_charting(store: Store, *, appointment_id: UUID, actor: Actor, zone: ZoneInfo) -> ChartingData:
    require_charting(actor.role)
    appt = store.appointment(appointment_id)
    client = store.client(appt.client_id, actor=actor)
    service = next(s for s in store.services() if s.id == appt.service_id)
    wanted = FACE_CATEGORIES.get(service.category, (ServiceCategory.NEUROTOXIN, ServiceCategory.DERMAL_FILLER))
    catalog = tuple(p for p in store.products() if p.active and p.category in wanted)
    history = store.treatments_for(client.id, actor=actor)
    record = next((t for t in history if t.appointment_id == appt.id), None)
    photos = tuple(photos_for(store, record.id)) if record else ()
    return ChartingData(appointment=appt, client_name=client.full_name, service=service,
                        day=appt.starts_at.astimezone(zone).date(), catalog=catalog, record=record,
                        lots={p.id: lots_used(store, p.id) for p in catalog}, photos=photos,
                        signer_names={u.id: u.display_name for u in store.users()},
                        last=last_chart(history, service_id=appt.service_id, before=appt.starts_at))


def save_draft(store: Store, record: TreatmentRecord, *, actor: Actor) -> Changes:
    return save_chart(store, actor=actor, record=record)


def save_and_sign(store: Store, record: TreatmentRecord, *, actor: Actor) -> TreatmentRecord:
    sign_chart(store, actor=actor, record=record)
    return store.treatment(record.id, actor=actor)


def add_signed_addendum(store: Store, treatment_id: UUID, *, text: str, actor: Actor,
                        author_name: str) -> TreatmentRecord:
    add_addendum(store, actor=actor, treatment_id=treatment_id, text=text, author_name=author_name)
    return store.treatment(treatment_id, actor=actor)
