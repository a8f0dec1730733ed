"""One client's forms and treatments, read after ONE audited open of their record.

A screen that shows several parts of a client's record at once (the door
card: last treatments, drafts, how many visits, intakes and consents) opens
the record once, which writes one view event, and reads the parts through
the :class:`ClientFile` that open returns; the parts are not audited again.
Treatments come as the actor's role may read them (``clinical_detail``).
"""

from __future__ import annotations

from typing import Any

from medspa_desk.records import Client, IntakeForm, SignedConsent, TreatmentRecord
from medspa_desk.store.actor import Actor
from medspa_desk.store.clinical_detail import readable_by


class ClientFile:
    """Reads of one client's record; made only by ``Store.open_client_file`` after its audit event."""

    def __init__(self, store: Any, *, client: Client, actor: Actor) -> None:
        self._store = store
        self._actor = actor
        self._key = (str(client.id),)
        self.client = client

    def latest_treatments(self, *, limit: int) -> list[TreatmentRecord]:
        """The ``limit`` most recent treatments (drafts included), newest first."""
        return self._treatments("SELECT data FROM treatments WHERE client_id = ? "
                                "ORDER BY at DESC, id DESC LIMIT ?", (*self._key, max(0, limit)))

    def drafts(self) -> list[TreatmentRecord]:
        """Unsigned treatment records, newest first."""
        return self._treatments("SELECT data FROM treatments WHERE client_id = ? AND signed = 0 "
                                "ORDER BY at DESC, id DESC", self._key)

    def treatment_count(self) -> int:
        """How many treatment records the client has (drafts included)."""
        return int(self._store._one("SELECT count(*) FROM treatments WHERE client_id = ?",
                                    self._key)[0])

    def intakes(self) -> list[IntakeForm]:
        """Submitted intake forms, newest first."""
        return self._store._load_many(IntakeForm, "SELECT data FROM intakes WHERE client_id = ? "
                                      "ORDER BY at DESC", self._key)

    def consents(self) -> list[SignedConsent]:
        """Signed consents, newest first."""
        return self._store._load_many(SignedConsent, "SELECT data FROM consents WHERE client_id = ? "
                                      "ORDER BY at DESC", self._key)

    def _treatments(self, sql: str, params: tuple[Any, ...]) -> list[TreatmentRecord]:
        role = self._actor.role
        return [readable_by(role, t) for t in self._store._load_many(TreatmentRecord, sql, params)]
