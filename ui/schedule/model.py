"""What the day schedule shows: one location's day, read in one go off the GUI thread.

``ScheduleDay`` is plain data (records and labels) so the painting and the
arrivals board never go back to the store while drawing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from functools import cached_property
from uuid import UUID
from zoneinfo import ZoneInfo

from medspa_desk.records import (
    Appointment,
    BlockedTime,
    Location,
    Provider,
    Room,
    Service,
    booked_service_name,
)


class ColumnMode(StrEnum):
    PROVIDERS = "providers"
    ROOMS = "rooms"


@dataclass(frozen=True)
class ClientLabel:
    """How a client is named on the schedule: full name, or initials in privacy mode."""

    name: str
    initials: str
    alerts: bool = False


@dataclass(frozen=True)
class ScheduleDay:
    location: Location
    day: date
    providers: tuple[Provider, ...]
    rooms: tuple[Room, ...]
    services: dict[UUID, Service]
    appointments: tuple[Appointment, ...]
    clients: dict[UUID, ClientLabel] = field(default_factory=dict)
    blocks: tuple[BlockedTime, ...] = ()  # breaks, time off, maintenance overlapping the day

    @property
    def zone(self) -> ZoneInfo:
        return self.location.zone

    @cached_property
    def _by_id(self) -> dict[UUID, Appointment]:
        return {a.id: a for a in self.appointments}

    def appointment(self, appointment_id: UUID) -> Appointment | None:
        return self._by_id.get(appointment_id)

    @cached_property
    def _names(self) -> dict[UUID, str]:
        return {**{p.id: p.display_name for p in self.providers}, **{r.id: r.name for r in self.rooms}}

    def provider_name(self, provider_id: UUID) -> str:
        return self._names.get(provider_id, "Unknown provider")

    def room_name(self, room_id: UUID | None) -> str:
        if room_id is None:
            return "No room"
        return self._names.get(room_id, "Unknown room")

    def service_name(self, appt: Appointment) -> str:
        return booked_service_name(appt, self.services)

    def client_label(self, client_id: UUID, *, privacy: bool) -> str:
        label = self.clients.get(client_id)
        if label is None:
            return "Client"
        return label.initials if privacy else label.name

    def with_appointment(self, appointment: Appointment) -> ScheduleDay:
        """This day with one appointment replaced (or added): used to preview a move."""
        others = tuple(a for a in self.appointments if a.id != appointment.id)
        return replace(self, appointments=(*others, appointment))
