"""The audit trail: who saw or changed which record, append-only and hash-chained.

Each event is stored as canonical JSON with ``prev_hash`` (the hash of the event
before it) and ``hash = SHA-256(canonical JSON + prev_hash)``. Triggers in the
schema reject UPDATE and DELETE, so ordinary code cannot rewrite history; an
attacker holding the key could drop the triggers, and :meth:`AuditTrail.verify`
then finds the first link that no longer holds (an edited, deleted or
reordered event). Events carry ids only, never values from a client's record.

:func:`chain_hash` is the one definition of the hash; the central API imports it
so both ends compute the same chain. :data:`CSV_COLUMNS` and :func:`spreadsheet_safe`
are the one spelling of the trail as CSV: the server's export and the desk's copy
of its own events read alike.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from medspa_desk.records import AuditEvent

GENESIS_HASH = "0" * 64
CSV_COLUMNS = ("seq", "id", "at", "recorded_at", "actor_user_id", "device_id", "address", "user_agent", "action",
               "entity", "entity_id", "outcome", "detail", "origin", "prev_hash", "hash")
# A spreadsheet runs a cell starting with one of these as a formula (TAB and CR too: some strip them first).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """The cell as text a spreadsheet shows rather than runs: a leading quote when it could start a formula."""
    return "'" + text if text[:1] in FORMULA_STARTS or text.lstrip()[:1] in FORMULA_STARTS else text


def canonical_event_json(event: AuditEvent) -> str:
    """The one JSON spelling of an event: sorted keys, no spaces, UTF-8."""
    return json.dumps(event.model_dump(mode="json"), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
    """SHA-256 (hex) over the canonical event JSON followed by the previous link's hash."""
    return hashlib.sha256((canonical_event_json(event) + prev_hash).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    first_bad_id: UUID | None = None
    reason: str = ""


class AuditTrail:
    """The audit table of one store connection.

    ``record`` does not commit: the store calls it inside the transaction of the
    write it describes, so the change and its audit event stand or fall together.
    """

    def __init__(self, conn: Any, *, errors: tuple[type[Exception], ...] = (),
                 translate: Callable[[Exception], Exception] | None = None) -> None:
        self._conn = conn
        # The store's database errors and how it words them (a full disk, a read-only file), so
        # an event that cannot be written says why instead of escaping as a driver error.
        self._errors = errors
        self._translate = translate

    def record(self, event: AuditEvent) -> None:
        self.record_many((event,))

    def record_many(self, events: Iterable[AuditEvent]) -> None:
        """Append ``events`` in order, each linked to the one before (an import's one event per client)."""
        try:
            row = self._conn.execute("SELECT hash FROM audit ORDER BY position DESC LIMIT 1").fetchone()
            prev = row[0] if row else GENESIS_HASH
            rows = []
            for event in events:
                text = canonical_event_json(event)
                link = hashlib.sha256((text + prev).encode("utf-8")).hexdigest()  # chain_hash, text made once
                rows.append((str(event.id), text, prev, link))
                prev = link
            self._conn.executemany("INSERT INTO audit (id, event, prev_hash, hash) VALUES (?, ?, ?, ?)", rows)
        except self._errors as exc:
            if self._translate is None:
                raise
            raise self._translate(exc) from None

    def events(self, *, after_position: int = 0, limit: int = 1000) -> list[AuditEvent]:
        rows = self._conn.execute("SELECT event FROM audit WHERE position > ? ORDER BY position "
                                  "LIMIT ?", (after_position, limit)).fetchall()
        return [AuditEvent.model_validate_json(event) for (event,) in rows]

    def count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM audit").fetchone()[0])

    def verify(self) -> VerifyResult:
        """Walk the chain in order; report the first event whose link does not hold."""
        prev = GENESIS_HASH
        cursor = self._conn.execute("SELECT id, event, prev_hash, hash FROM audit ORDER BY position")
        for row_id, text, stored_prev, stored_hash in cursor:
            bad_id = _as_uuid(row_id)
            try:
                event = AuditEvent.model_validate_json(text)
            except ValueError:
                return VerifyResult(False, bad_id, "an audit event is not readable: it was altered")
            if str(event.id) != row_id:
                return VerifyResult(False, bad_id, "an audit event's id does not match its row: "
                                    "it was altered")
            if stored_prev != prev:
                return VerifyResult(False, bad_id, "an audit event does not follow the one before "
                                    "it: events were deleted, inserted or reordered")
            if chain_hash(prev, event) != stored_hash:
                return VerifyResult(False, bad_id, "an audit event's content does not match its "
                                    "hash: it was altered")
            prev = stored_hash
        return VerifyResult(True)


def _as_uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except (TypeError, ValueError):
        return None
