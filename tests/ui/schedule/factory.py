"""A busy day built from real records, for paint tests and the paint benchmark.

No store here on purpose: painting reads only a ``ScheduleDay``. The store-backed
tests load theirs through the same loader the app uses.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from medspa_desk.records import (
    Appointment,
    AppointmentStatus,
    Location,
    OpeningHours,
    Provider,
    ProviderKind,
    Room,
    Service,
    ServiceCategory,
    new_id,
)
from medspa_desk.scheduling import local_datetime
from ui.schedule.model import ClientLabel, ScheduleDay

ZONE = "America/New_York"
FIRST_NAMES = ("Maria", "Aisha", "Chen", "Olivia", "Priya", "Sofia", "Hannah", "Zoë", "Grace", "Fatima")
LAST_NAMES = ("Hernández", "Okafor", "Nguyen", "Smith-Whitaker", "Patel", "Rossi", "Kowalczyk", "Lindqvist")


def busy_day(*, day: date, providers: int = 40, per_provider: int = 20, minutes: int = 30,
             statuses: tuple[AppointmentStatus, ...] = tuple(AppointmentStatus)) -> ScheduleDay:
    """``providers`` columns, each with ``per_provider`` back-to-back appointments from 7 am,
    their statuses taken in turn from ``statuses``."""
    location = Location(name="Glow Aesthetics", time_zone=ZONE, opening_hours=tuple(
        OpeningHours(weekday=w, opens=time(8), closes=time(19)) for w in range(7)))
    zone = ZoneInfo(ZONE)
    services = [
        Service(name="Botox – forehead and frown lines", category=ServiceCategory.NEUROTOXIN, duration_min=minutes),
        Service(name="Juvéderm lip filler", category=ServiceCategory.DERMAL_FILLER, duration_min=minutes),
        Service(name="Laser hair removal", category=ServiceCategory.LASER, duration_min=minutes),
    ]
    rooms = [Room(location_id=location.id, name=f"Room {i + 1}") for i in range(max(4, providers))]
    staff = [Provider(display_name=f"{FIRST_NAMES[i % 10]} {LAST_NAMES[i % 8]}", credentials="NP",
                      kind=ProviderKind.INJECTOR) for i in range(providers)]
    clients: dict = {}
    appointments = []
    start = local_datetime(day, time(7), zone)
    for p, provider in enumerate(staff):
        for a in range(per_provider):
            client_id = new_id()
            first, last = FIRST_NAMES[(p + a) % 10], LAST_NAMES[(p * 3 + a) % 8]
            clients[client_id] = ClientLabel(name=f"{first} {last}", initials=f"{first[0]}{last[0]}")
            begins = start + timedelta(minutes=a * minutes)
            status = statuses[(p + a) % len(statuses)]
            appointments.append(Appointment(
                location_id=location.id, client_id=client_id, provider_id=provider.id,
                room_id=rooms[p].id, service_id=services[a % 3].id, starts_at=begins,
                ends_at=begins + timedelta(minutes=minutes), status=status,
                cancel_reason="Client called" if status is AppointmentStatus.CANCELLED else ""))
    return ScheduleDay(location=location, day=day, providers=tuple(staff), rooms=tuple(rooms),
                       services={s.id: s for s in services}, appointments=tuple(appointments), clients=clients)
