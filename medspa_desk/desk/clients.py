"""Clients: add one, change their details, give them a copy of their whole record on request."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

from medspa_desk.compliance.right_of_access import export_right_of_access
from medspa_desk.records import Client, Location
from medspa_desk.rules import UseCase
from medspa_desk.store import Changes, Store
from medspa_desk.store.actor import Actor


def add_client(store: Store, *, actor: Actor, client: Client) -> Changes:
    store.permit(actor, UseCase.ADD_CLIENT, entity=Client.entity, entity_id=client.id)
    return store.create_client(client, actor=actor)


def change_client(store: Store, *, actor: Actor, client_id: UUID, changes: dict[str, Any]) -> Changes:
    store.permit(actor, UseCase.CHANGE_CLIENT, entity=Client.entity, entity_id=client_id)
    return store.update_client(client_id, changes, actor=actor)


def fhir_path_beside(pdf_path: Path) -> Path:
    """Where the electronic copy goes: beside the readable one, ``record.pdf`` → ``record.fhir.json``."""
    return pdf_path.with_name(f"{pdf_path.stem}.fhir.json")


def export_client_record(store: Store, *, actor: Actor, client_id: UUID, location: Location,
                         pdf_path: Path) -> tuple[Path, Path]:
    """The client's whole record for a records request (HIPAA right of access): a readable PDF at
    ``pdf_path`` and an HL7 FHIR R4 bundle beside it; each written atomically (0600) and audited."""
    store.permit(actor, UseCase.EXPORT_CLIENT_RECORD, entity=Client.entity, entity_id=client_id)
    return export_right_of_access(store, client_id=client_id, actor=actor, location=location, pdf_path=pdf_path,
                                  fhir_path=fhir_path_beside(pdf_path))
