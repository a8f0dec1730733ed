"""What the charting screen reads in one worker trip, and the writes it asks for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from medspa_desk.clinical.access import require_charting
from medspa_desk.clinical.addenda import write_addendum
from medspa_desk.records import (
    Appointment,
    Product,
    Role,
    Service,
    ServiceCategory,
    TreatmentRecord,
    utc_now,
)
from medspa_desk.store.photos import PhotoInfo, PhotoKind, add_photo, photos_for, read_photo_file
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

    @property
    def uses_face_chart(self) -> bool:
        return self.service.category not in LASER_CATEGORIES

    @property
    def uses_laser(self) -> bool:
        return self.service.category in LASER_CATEGORIES


def load_charting(store: Any, *, appointment_id: UUID, actor: Any, zone: Any) -> ChartingData:
    require_charting(actor.role)
    appt = store.appointment(appointment_id)
    client = store.client(appt.client_id, actor=actor)
    service = next(s for s in store.services() if s.id == appt.service_id)
    wanted = FACE_CATEGORIES.get(service.category, (ServiceCategory.NEUROTOXIN, ServiceCategory.DERMAL_FILLER))
    catalog = tuple(p for p in store.products() if p.active and p.category in wanted)
    record = next((t for t in store.treatments_for(client.id, actor=actor) if t.appointment_id == appt.id), None)
    photos = tuple(photos_for(store, record.id)) if record else ()
    return ChartingData(appointment=appt, client_name=client.full_name, service=service,
                        day=appt.starts_at.astimezone(zone).date(), catalog=catalog, record=record,
                        lots={p.id: lots_used(store, p.id) for p in catalog}, photos=photos,
                        signer_names={u.id: u.display_name for u in store.users()})


def save_draft(store: Any, record: TreatmentRecord, *, actor: Any) -> Any:
    return store.save_treatment(record, actor=actor)


def save_and_sign(store: Any, record: TreatmentRecord, *, actor: Any) -> TreatmentRecord:
    require_charting(actor.role)
    store.save_treatment(record, actor=actor)
    store.sign_treatment(record.id, actor=actor)
    return store.treatment(record.id, actor=actor)


def add_signed_addendum(store: Any, treatment_id: UUID, *, text: str, actor: Any, author_name: str) -> TreatmentRecord:
    record = store.treatment(treatment_id, actor=actor)
    addendum = write_addendum(record, text=text, author_user_id=actor.user_id, author_name=author_name,
                              author_role=Role(actor.role), at=utc_now())
    store.add_addendum(treatment_id, addendum, actor=actor)
    return store.treatment(treatment_id, actor=actor)


def import_photo(store: Any, path: Path, *, client_id: UUID, treatment_id: UUID, kind: PhotoKind,
                 actor: Any) -> PhotoInfo:
    require_charting(actor.role)
    return add_photo(store, client_id=client_id, treatment_id=treatment_id, kind=kind,
                     image=read_photo_file(path), actor=actor)
