"""Whose conflict is it: each inbox row names the client, and for a visit its date, time and provider.

Two "Double booking" rows must be told apart at a glance (issue 15). Names come
from the store's unaudited labels (what the schedule shows), never by opening a
record; a client the server refused is named from the refused change itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID
from zoneinfo import ZoneInfo

from medspa_desk.protocol import DoubleBooking, FieldConflict, RejectedChange
from medspa_desk.records import Appointment, Conflict, ConflictKind
from medspa_desk.store import Store
from medspa_desk.store.inbox import inbox_detail
from medspa_desk.time_words import time_of_day

KIND_WORDS = {
    ConflictKind.DOUBLE_BOOKING: "Double booking",
    ConflictKind.FIELD_CONFLICT: "Changed on two desks",
    ConflictKind.REJECTED: "Not accepted by the server",
}


@dataclass(frozen=True)
class Inbox:
    conflicts: list[Conflict]
    subjects: dict[UUID, str] = field(default_factory=dict)  # conflict id → whose, when, with whom


def _appointment(conflict: Conflict) -> Appointment | None:
    detail = inbox_detail(conflict)
    if isinstance(detail, DoubleBooking):
        return detail.refused
    if isinstance(detail, RejectedChange) and detail.change is not None \
            and detail.change.entity == Appointment.entity:
        try:
            return Appointment.model_validate(detail.change.payload)
        except ValueError:
            return None
    return None


def _fields(conflict: Conflict) -> list[str]:
    """The fields a conflict is about, by name only (never their values)."""
    detail = inbox_detail(conflict)
    if isinstance(detail, FieldConflict):
        return [choice.field.replace("_", " ") for choice in detail.fields]
    if isinstance(detail, RejectedChange) and detail.field:
        return [detail.field.replace("_", " ")]
    return []


def _typed_name(conflict: Conflict) -> str:
    detail = inbox_detail(conflict)
    if isinstance(detail, RejectedChange) and detail.record:
        return detail.record.removeprefix("Client ").strip()
    return ""


def load_inbox(store: Store, *, zone: ZoneInfo, privacy: bool = False) -> Inbox:
    """The open conflicts and, for each, who and what it is about (on the database worker);
    initials only in privacy mode."""
    conflicts = store.conflicts(open_only=True)
    visits = {c.id: _appointment(c) for c in conflicts if c.entity == Appointment.entity}
    client_ids = {c.entity_id for c in conflicts if c.entity == "client"}
    client_ids |= {v.client_id for v in visits.values() if v is not None}
    labels = store.client_labels(client_ids)
    providers = {p.id: p.display_name for p in store.providers()}
    subjects: dict[UUID, str] = {}
    for conflict in conflicts:
        visit = visits.get(conflict.id)
        if visit is not None:
            local = visit.starts_at.astimezone(zone)
            label = labels.get(visit.client_id)
            who = (label.initials if privacy else label.shown_name) if label else "A client"
            subjects[conflict.id] = (f"{who}, {local:%a %b} {local.day} at {time_of_day(local)} with "
                                     f"{providers.get(visit.provider_id, 'a provider')}")
        elif conflict.entity == "client":
            label = labels.get(conflict.entity_id)
            typed = _typed_name(conflict)
            who = ((label.initials if privacy else label.shown_name) if label
                   else "".join(w[:1] for w in typed.split()).upper() if privacy else typed) or "A client"
            fields = _fields(conflict)
            subjects[conflict.id] = who + (f" ({', '.join(fields)})" if fields else "")
    return Inbox(conflicts=list(conflicts), subjects=subjects)


def inbox_line(conflict: Conflict, subjects: dict[UUID, str]) -> str:
    """``Double booking — Marisol Quintanilla, Tue Dec 8 at 10:00 AM with Dana Reyes: <reason>``."""
    kind = KIND_WORDS.get(conflict.kind, "Conflict")
    subject = subjects.get(conflict.id)
    if not subject:
        return f"{kind}: {conflict.reason}"
    # A refusal's reason may already start with the record's name ("Client Hope Irwin: …"): say it once.
    reason = conflict.reason
    for named in (f"Client {subject}: ", f"{subject}: "):
        reason = reason.removeprefix(named)
    return f"{kind} — {subject}: {reason}"
