"""Charting: save a draft, sign it, add a signed addendum. Only providers (``medspa_desk.rules``)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from medspa_desk.clinical.addenda import write_addendum
from medspa_desk.records import TreatmentRecord, utc_now
from medspa_desk.rules import UseCase
from medspa_desk.store import Changes, Store
from medspa_desk.store.actor import Actor

CHART = TreatmentRecord.entity


def save_chart(store: Store, *, actor: Actor, record: TreatmentRecord) -> Changes:
    store.permit(actor, UseCase.SAVE_CHART, entity=CHART, entity_id=record.id)
    return store.save_treatment(record, actor=actor)


def sign_chart(store: Store, *, actor: Actor, record: TreatmentRecord, at: datetime | None = None) -> Changes:
    """Save ``record`` as it stands and sign it, in one transaction: it never changes again."""
    store.permit(actor, UseCase.SIGN_CHART, entity=CHART, entity_id=record.id)
    with store.transaction():
        return store.save_treatment(record, actor=actor) | store.sign_treatment(record.id, actor=actor, at=at)


def add_addendum(store: Store, *, actor: Actor, treatment_id: UUID, text: str, author_name: str,
                 at: datetime | None = None) -> Changes:
    store.permit(actor, UseCase.ADD_ADDENDUM, entity=CHART, entity_id=treatment_id)
    record = store.treatment(treatment_id, actor=actor)
    addendum = write_addendum(record, text=text, author_user_id=actor.user_id, author_name=author_name,
                              author_role=actor.role, at=at or utc_now())
    return store.add_addendum(treatment_id, addendum, actor=actor)
