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
class ClientLabel:
    """How the schedule names a client: names the desk already holds, no record opened."""

    id: UUID
    first_name: str
    last_name: str
    preferred_name: str
    has_alerts: bool  # whether the record carries safety alerts (not what they say)

    @property
    def initials(self) -> str:
        """As ``Client.initials``: first letters of first and last name, upper case."""
        return f"{self.first_name[:1]}{self.last_name[:1]}".upper()

    @property
    def shown_name(self) -> str:
        """The name the schedule shows: preferred (or first) name and last name."""
        return f"{self.preferred_name or self.first_name} {self.last_name}"


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
