"""Writing a compliance copy to a file the manager chose: atomically (0600, fsync, replace), audited."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

from medspa_desk.records import AuditAction
from medspa_desk.store.actor import Actor
from medspa_desk.store.errors import StoreError
from medspa_desk.store.files import write_atomic

if TYPE_CHECKING:  # annotations only
    from medspa_desk.store import Store


def write_export(store: Store, *, data: bytes, path: Path, actor: Actor, entity: str, entity_id: UUID | None,
                 detail: str) -> Path:
    """The export, or its failure, is one audit event; a failure names the folder and what to do."""
    try:
        write_atomic(Path(path), data)
    except OSError as exc:
        store.note(actor, AuditAction.EXPORT, entity=entity, entity_id=entity_id, outcome="failed",
                   detail=detail)
        raise StoreError(f"The file could not be written to {Path(path).parent} "
                         f"({exc.strerror or type(exc).__name__}). Pick another folder.") from None
    store.note(actor, AuditAction.EXPORT, entity=entity, entity_id=entity_id, detail=detail)
    return Path(path)
