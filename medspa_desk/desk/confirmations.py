"""Tomorrow's confirmation calls: every visit not yet confirmed, how each client may be reached, one-click
"confirmed by phone" (who and when go into the visit's history and the audit trail).

How a client may be reached follows their communication preferences for
messages about their visits (``medspa_desk.desk.comms.may_contact``): a way
needs its number or address on file and the client's yes; an opt-out recorded
a moment ago (on this desk, or synced from another) takes the way off the list
and off its printed copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from medspa_desk.desk.comms import may_contact
from medspa_desk.desk.visits import change_visit_status
from medspa_desk.records import AppointmentStatus, Location, booked_service_name
from medspa_desk.rules import UseCase
from medspa_desk.store import Changes, Store
from medspa_desk.store.actor import Actor

CONFIRMED_BY_PHONE = "confirmed by phone"


@dataclass(frozen=True)
class CallEntry:
    """One visit to confirm and how its client may be reached."""

    visit_id: UUID
    starts_at: datetime
    client_name: str
    initials: str
    phone: str
    email: str
    reach_by: tuple[str, ...]  # "call", "text", "email", in that order; empty when no way is on file
    service_name: str
    provider_name: str


def confirmation_list(store: Store, *, actor: Actor, location: Location, day: date) -> tuple[CallEntry, ...]:
    """The visits of ``day`` at ``location`` still waiting to be confirmed, in time order (each client's
    record read is audited)."""
    store.permit(actor, UseCase.CONFIRM_VISIT, entity=Location.entity, entity_id=location.id)
    waiting = sorted((a for a in store.day_schedule(location.id, day).appointments
                      if a.status is AppointmentStatus.BOOKED), key=lambda a: a.starts_at)
    clients = {cid: store.client(cid, actor=actor) for cid in dict.fromkeys(a.client_id for a in waiting)}
    entries = store.contact_consents_for(clients, actor=actor, detail="confirmation_calls")
    services = {s.id: s.name for s in store.services()}
    providers = {p.id: p.display_name for p in store.providers()}
    return tuple(CallEntry(visit_id=a.id, starts_at=a.starts_at, client_name=clients[a.client_id].full_name,
                           initials=clients[a.client_id].initials, phone=clients[a.client_id].phone,
                           email=clients[a.client_id].email, reach_by=may_contact(clients[a.client_id], entries),
                           service_name=booked_service_name(a, services),
                           provider_name=providers.get(a.provider_id, "Provider"))
                 for a in waiting)


def confirm_by_phone(store: Store, *, actor: Actor, visit_id: UUID) -> Changes:
    """The client said yes on the phone: confirmed, with who and when in the visit's history."""
    return change_visit_status(store, actor=actor, visit_id=visit_id, status=AppointmentStatus.CONFIRMED,
                               reason=CONFIRMED_BY_PHONE)
