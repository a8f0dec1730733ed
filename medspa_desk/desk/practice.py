"""The practice's set-up: locations, providers, shifts, rooms, services, products (managers and admins)."""

from __future__ import annotations

from medspa_desk.records import ConsentTemplate, Record
from medspa_desk.rules import UseCase
from medspa_desk.store import Changes, InvalidChange, Store
from medspa_desk.store.actor import Actor


def set_up_practice(store: Store, *, actor: Actor, record: Record) -> Changes:
    """Save one piece of the practice's reference data (consent wording goes through publish_consent_version)."""
    store.permit(actor, UseCase.SET_UP_PRACTICE, entity=record.entity, entity_id=record.id)
    if isinstance(record, ConsentTemplate):
        raise InvalidChange("Publish consent wording as a new consent version, not as practice set-up.")
    return store.put_reference(record, actor=actor)
