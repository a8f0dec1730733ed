"""This desk's audit events on their way to the server: unsent, sent, refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from medspa_desk.records import (
    AuditEvent,
    utc_now,
)
from medspa_desk.store.base import StoreBase

AUDIT_SENT_THROUGH = "audit_sent_through"


class AuditShippingMixin(StoreBase):
    # --- audit shipping ---------------------------------------------------------------

    # The audit log only grows, and events are shipped oldest first, so every
    # event up to some position is known to be on the server: that position
    # (AUDIT_SENT_THROUGH in sync_state) is where the next look for unsent
    # events starts, instead of rescanning the whole log on every push.
    # audit_sent keeps only the ids acknowledged beyond it (out of order).

    def unsent_audit(self, limit: int) -> list[AuditEvent]:
        """The oldest ``limit`` events the server has not stored, in the order they happened."""
        rows = self._rows("SELECT a.event FROM audit AS a WHERE a.position > ? AND NOT EXISTS "
                          "(SELECT 1 FROM audit_sent AS s WHERE s.id = a.id) "
                          "ORDER BY a.position LIMIT ?", (self._audit_sent_through(), max(0, limit)))
        return [AuditEvent.model_validate_json(event) for (event,) in rows]

    def mark_audit_sent(self, ids: Iterable[UUID]) -> None:
        """Note events the server has stored, and move the high-water mark past every such run."""
        with self._write() as conn:
            conn.executemany("INSERT OR IGNORE INTO audit_sent (id) VALUES (?)",
                             [(str(i),) for i in ids])
            through = self._audit_sent_through()
            row = conn.execute(
                "SELECT a.position FROM audit AS a WHERE a.position > ? AND NOT EXISTS "
                "(SELECT 1 FROM audit_sent AS s WHERE s.id = a.id) ORDER BY a.position LIMIT 1",
                (through,)).fetchone()
            first_unsent = row[0] if row else (
                conn.execute("SELECT max(position) FROM audit").fetchone()[0] or 0) + 1
            if first_unsent - 1 > through:
                conn.execute("DELETE FROM audit_sent WHERE id IN (SELECT id FROM audit "
                             "WHERE position > ? AND position < ?)", (through, first_unsent))
                conn.execute("INSERT INTO sync_state (name, value) VALUES (?, ?) ON CONFLICT(name) "
                             "DO UPDATE SET value = excluded.value",
                             (AUDIT_SENT_THROUGH, str(first_unsent - 1)))

    def mark_audit_refused(self, ids: Iterable[UUID]) -> None:
        """Note events the server refused: kept for the manager (:meth:`refused_audit`), never sent again.

        They also count as settled for the high-water mark, so they no longer
        stand at the head of :meth:`unsent_audit` in front of newer events.
        """
        refused = [str(i) for i in ids]
        if not refused:
            return
        with self._write() as conn:
            conn.executemany("INSERT OR IGNORE INTO audit_refused (id, refused_at) VALUES (?, ?)",
                             [(i, utc_now().isoformat()) for i in refused])
        self.mark_audit_sent(UUID(i) for i in refused)

    def refused_audit(self, limit: int = 500) -> list[AuditEvent]:
        """Events of this desk the server refused, oldest first (for the manager to review)."""
        rows = self._rows("SELECT a.event FROM audit AS a JOIN audit_refused AS r ON r.id = a.id "
                          "ORDER BY a.position LIMIT ?", (max(0, limit),))
        return [AuditEvent.model_validate_json(event) for (event,) in rows]

    def audit_events_after(self, after: int, *, limit: int) -> list[tuple[int, AuditEvent, bool]]:
        """This desk's events after position ``after`` (position, event, not yet sent), oldest first."""
        rows = self._rows("SELECT a.position, a.event, (a.position > ? AND NOT EXISTS "
                          "(SELECT 1 FROM audit_sent AS s WHERE s.id = a.id)) FROM audit AS a "
                          "WHERE a.position > ? ORDER BY a.position LIMIT ?",
                          (self._audit_sent_through(), after, max(0, limit)))
        return [(position, AuditEvent.model_validate_json(event), bool(unsent))
                for position, event, unsent in rows]

    def refused_audit_count(self) -> int:
        return int(self._one("SELECT count(*) FROM audit_refused")[0])

    def _audit_sent_through(self) -> int:
        row = self._one("SELECT value FROM sync_state WHERE name = ?", (AUDIT_SENT_THROUGH,))
        return int(row[0]) if row else 0
