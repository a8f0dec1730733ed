"""Reading one day of the schedule from the store: runs on the database worker only."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from medspa_desk.records import Client, Location
from ui.schedule.model import ClientLabel, ScheduleDay


def client_label(client: Client) -> ClientLabel:
    shown = f"{client.preferred_name or client.first_name} {client.last_name}"
    return ClientLabel(name=shown, initials=client.initials, alerts=bool(client.alerts.strip()))


def load_schedule_day(store: Any, *, location: Location, day: date, actor: Any) -> ScheduleDay:
    """Everything the day view and the flow board draw, in one trip to the worker."""
    schedule = store.day_schedule(location.id, day)
    client_ids: list[UUID] = list(dict.fromkeys(a.client_id for a in schedule.appointments))
    clients = {client.id: client_label(client) for client in _clients(store, client_ids, actor=actor)}
    return ScheduleDay(
        location=location,
        day=day,
        providers=tuple(p for p in store.providers() if p.active),
        rooms=tuple(r for r in store.rooms(location.id) if r.active),
        services={s.id: s for s in store.services()},
        appointments=schedule.appointments,
        clients=clients,
    )


def _clients(store: Any, client_ids: list[UUID], *, actor: Any) -> list[Client]:
    return [store.client(client_id, actor=actor) for client_id in client_ids]
