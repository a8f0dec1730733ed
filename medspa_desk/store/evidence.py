"""The practice's compliance evidence: disclosures, access requests, the risk assessment, business
associates, policy acknowledgments, incidents and restore drills (table ``evidence``)."""

from __future__ import annotations

from datetime import date
from typing import TypeVar
from uuid import UUID

from medspa_desk.protocol import MutationKind
from medspa_desk.records import AuditAction, Disclosure, Record
from medspa_desk.store.actor import Actor
from medspa_desk.store.base import StoreBase
from medspa_desk.store.changes import Changes
from medspa_desk.store.errors import Immutable
from medspa_desk.store.rows import EVIDENCE

R = TypeVar("R", bound=Record)
# Kinds kept as first written: a correction is a new record.
INSERT_ONLY = frozenset({MutationKind.DISCLOSURE_RECORD, MutationKind.POLICY_ACKNOWLEDGE})


class EvidenceMixin(StoreBase):
    def put_evidence(
        self, record: Record, *, actor: Actor, kind: MutationKind, detail: str = ""
    ) -> Changes:
        """Save one compliance record, queue it for the server and audit it, in one transaction.

        Callers are the use cases in ``medspa_desk/desk/evidence.py``, which check the clinic's table first.
        """
        existing = self._one("SELECT version FROM evidence WHERE id = ?", (str(record.id),))
        if existing and kind in INSERT_ONLY:
            raise Immutable(
                f"A {record.entity.replace('_', ' ')} is kept as it was recorded; record a new "
                "one to correct it."
            )
        with self._write() as conn:
            self._upsert(conn, EVIDENCE, record)
            self._queue(
                conn,
                actor=actor,
                kind=kind,
                record=record,
                payload=record,
                base_version=existing[0] if existing else None,
            )
            self._note(
                actor,
                AuditAction.UPDATE if existing else AuditAction.CREATE,
                entity=record.entity,
                entity_id=record.id,
                detail=detail[:500],
            )
        client_id = getattr(record, "client_id", None)
        return Changes(clients=frozenset({client_id})) if client_id else Changes(reference=True)

    def evidence(self, cls: type[R]) -> list[R]:
        """Every record of one compliance kind on this desk (not audited: the use case audits the view)."""
        return self._load_many(
            cls, "SELECT data FROM evidence WHERE entity = ? ORDER BY id", (cls.entity,)
        )

    def evidence_record(self, cls: type[R], record_id: UUID) -> R:
        return self._load(cls, "evidence", record_id, what=cls.entity.replace("_", " "))

    def client_evidence(self, cls: type[R], client_id: UUID) -> list[R]:
        return self._load_many(
            cls,
            "SELECT data FROM evidence WHERE client_id = ? AND entity = ? ORDER BY id",
            (str(client_id), cls.entity),
        )

    def disclosures_between(self, client_id: UUID, first: date, last: date) -> list[Disclosure]:
        """The client's disclosures made on ``first`` to ``last`` (both days included), oldest first."""
        found = [
            d
            for d in self.client_evidence(Disclosure, client_id)
            if first <= d.disclosed_on <= last
        ]
        return sorted(found, key=lambda d: (d.disclosed_on, d.recorded_at))
