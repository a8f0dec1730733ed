"""Reading one day of the schedule from the store: runs on the database worker only."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from uuid import UUID

from medspa_desk.records import Location, Provider, User
from medspa_desk.scheduling import day_bounds
from medspa_desk.store import Actor, Store
from medspa_desk.store.views import ClientLabel as StoreLabel
from ui.schedule.model import ClientLabel, ScheduleDay


def schedule_label(label: StoreLabel) -> ClientLabel:
    """The store's label as the schedule draws it: preferred (or first) and last name, initials."""
    return ClientLabel(name=label.shown_name, initials=label.initials, alerts=label.has_alerts)


def mine_first(store: Store, providers: list[Provider], *, user_id: UUID | None) -> tuple[Provider, ...]:
    """The signed-in person's own provider first (if they are one), the rest in the order given."""
    user: User | None = next((u for u in store.users() if u.id == user_id), None) if user_id else None
    if user is None:
        return tuple(providers)
    return tuple(sorted(providers, key=lambda p: not (p.id == user.provider_id or p.user_id == user.id)))


def load_schedule_day(store: Store, *, location: Location, day: date, actor: Actor,
                      known: Mapping[UUID, ClientLabel] | None = None) -> ScheduleDay:
    """Everything the day view and the flow board draw, in one trip to the worker.

    Names come from ``store.client_labels`` in one read, not audited: the
    schedule shows names the desk already holds, and opening a record is what
    is audited. ``known`` labels (kept by the view until a change names that
    client) are not read again. ``actor`` is who asked; nothing here is audited.
    A provider's own column comes first (their day before the others'); the
    other providers keep the practice's order.
    """
    known = known or {}
    schedule = store.day_schedule(location.id, day)
    start, end = day_bounds(day, location.zone)
    client_ids: list[UUID] = list(dict.fromkeys(a.client_id for a in schedule.appointments))
    clients = {cid: known[cid] for cid in client_ids if cid in known}
    missing = [cid for cid in client_ids if cid not in known]
    if missing:
        clients.update({cid: schedule_label(label) for cid, label in store.client_labels(missing).items()})
    return ScheduleDay(
        location=location,
        day=day,
        providers=mine_first(store, [p for p in store.providers() if p.active], user_id=actor.user_id),
        rooms=tuple(r for r in store.rooms(location.id) if r.active),
        services={s.id: s for s in store.services()},
        appointments=schedule.appointments,
        clients=clients,
        blocks=tuple(store.blocked_times(location.id, starts=start, ends=end)),
    )
