"""Reading one day of the schedule from the store: runs on the database worker only."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from uuid import UUID

from medspa_desk.records import Client, Location
from ui.schedule.model import ClientLabel, ScheduleDay


def client_label(client: Client) -> ClientLabel:
    shown = f"{client.preferred_name or client.first_name} {client.last_name}"
    return ClientLabel(name=shown, initials=client.initials, alerts=bool(client.alerts.strip()))


def load_schedule_day(store: Any, *, location: Location, day: date, actor: Any,
                      known: Mapping[UUID, ClientLabel] | None = None) -> ScheduleDay:
    """Everything the day view and the flow board draw, in one trip to the worker.

    Names come from ``store.client``, which audits each read; ``known`` labels
    (kept by the view until a change names that client) are not read again, so
    a reload every few seconds does not flood the audit trail.
    """
    known = known or {}
    schedule = store.day_schedule(location.id, day)
    client_ids: list[UUID] = list(dict.fromkeys(a.client_id for a in schedule.appointments))
    clients = {cid: known[cid] for cid in client_ids if cid in known}
    missing = [cid for cid in client_ids if cid not in known]
    clients.update({c.id: client_label(c) for c in (store.client(cid, actor=actor) for cid in missing)})
    return ScheduleDay(
        location=location,
        day=day,
        providers=tuple(p for p in store.providers() if p.active),
        rooms=tuple(r for r in store.rooms(location.id) if r.active),
        services={s.id: s for s in store.services()},
        appointments=schedule.appointments,
        clients=clients,
    )
