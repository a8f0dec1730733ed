"""Small read results the views draw from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from medspa_desk.records import (
    Appointment,
    IntakeForm,
    SignedConsent,
    TreatmentRecord,
)


@dataclass(frozen=True)
class ClientHit:
    """One line of the as-you-type client search."""

    id: UUID
    display_name: str
    birth_date: date
    phone: str


@dataclass(frozen=True)
class DaySchedule:
    """A location's appointments on one local day, in start order, also grouped for the columns."""

    location_id: UUID
    day: date
    starts_at: datetime  # local midnight, as a UTC instant
    ends_at: datetime  # the next local midnight (23 or 25 hours later on DST days)
    appointments: tuple[Appointment, ...]
    by_provider: dict[UUID, tuple[Appointment, ...]]
    by_room: dict[UUID | None, tuple[Appointment, ...]]


TimelineKind = Literal["appointment", "consent", "intake", "treatment"]


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened to a client, for the history panel (newest first)."""

    at: datetime
    kind: TimelineKind
    record: Appointment | SignedConsent | IntakeForm | TreatmentRecord
    # True on a treatment whose clinical fields were left out for the reader's role.
    clinical_withheld: bool = False

    @property
    def record_id(self) -> UUID:
        return self.record.id
