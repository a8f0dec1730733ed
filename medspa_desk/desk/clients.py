"""Clients: add one, change their details, export their whole record on request."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

from medspa_desk.records import Client
from medspa_desk.rules import UseCase
from medspa_desk.store import Changes, Store
from medspa_desk.store.actor import Actor


def add_client(store: Store, *, actor: Actor, client: Client) -> Changes:
    store.permit(actor, UseCase.ADD_CLIENT, entity=Client.entity, entity_id=client.id)
    return store.create_client(client, actor=actor)


def change_client(store: Store, *, actor: Actor, client_id: UUID, changes: dict[str, Any]) -> Changes:
    store.permit(actor, UseCase.CHANGE_CLIENT, entity=Client.entity, entity_id=client_id)
    return store.update_client(client_id, changes, actor=actor)


def export_client_record(store: Store, *, actor: Actor, client_id: UUID, path: Path) -> None:
    """Write the client's whole record to ``path`` for a records request (atomic, 0600, audited)."""
    store.permit(actor, UseCase.EXPORT_CLIENT_RECORD, entity=Client.entity, entity_id=client_id)
    store.export_client(client_id, path, actor=actor)
