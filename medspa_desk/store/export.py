"""A client's whole record as a JSON file: for a records request, written atomically and audited."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

from medspa_desk.records import AuditAction, Client, utc_now
from medspa_desk.store.actor import Actor
from medspa_desk.store.documents import DocumentsMixin
from medspa_desk.store.errors import StoreError
from medspa_desk.store.files import write_atomic

EXPORT_FORMAT = "medspa-desk.client-export.v1"


class ExportMixin(DocumentsMixin):
    def export_client(self, client_id: UUID, path: Path, *, actor: Actor) -> None:
        """Write the client and their history to ``path`` (0600, fsync, replace); audited."""
        client = self._load(Client, "clients", client_id, what="client")
        history = self._timeline_records(client_id)
        document = {"format": EXPORT_FORMAT, "exported_at": utc_now().isoformat(),
                    "client": client.to_json(),
                    "history": [{"kind": e.kind, "record": e.record.to_json()} for e in history]}
        data = json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")
        try:
            write_atomic(Path(path), data)
        except OSError as exc:
            with self._write():
                self._note(actor, AuditAction.EXPORT, entity=Client.entity, entity_id=client_id,
                           outcome="failed")
            raise StoreError(f"The export could not be written to {Path(path).parent} "
                             f"({exc.strerror or type(exc).__name__}). Pick another folder.") from None
        with self._write():
            self._note(actor, AuditAction.EXPORT, entity=Client.entity, entity_id=client_id)
