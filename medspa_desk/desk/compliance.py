"""Compliance: the binder a manager hands an auditor."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from medspa_desk.compliance.binder import binder_pdf, gather_facts
from medspa_desk.compliance.exports import write_export
from medspa_desk.records import Location, utc_now
from medspa_desk.rules import UseCase
from medspa_desk.store import Store
from medspa_desk.store.actor import Actor

BINDER_ENTITY = "compliance_binder"


def save_compliance_binder(store: Store, *, actor: Actor, location: Location, path: Path,
                           now: datetime | None = None) -> Path:
    """The ten Security Rule line items with this practice's evidence, as a PDF at ``path``; audited."""
    store.permit(actor, UseCase.MAKE_COMPLIANCE_BINDER, entity=BINDER_ENTITY)
    facts = gather_facts(store, location=location, now=now or utc_now())
    return write_export(store, data=binder_pdf(facts), path=path, actor=actor, entity=BINDER_ENTITY,
                        entity_id=None, detail="binder")
