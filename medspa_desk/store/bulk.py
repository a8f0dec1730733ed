"""Bulk load: the demo practice and the first pull arrive as many records at once.

No outbox entries (the server already has these records) and one audit event
for the whole load instead of one per record. Rows go in with ``executemany``
in one transaction, table by table in chunks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from medspa_desk.records import AuditAction, Record
from medspa_desk.store.actor import Actor
from medspa_desk.store.base import StoreBase
from medspa_desk.store.rows import Table, table_for

CHUNK = 5_000


class BulkMixin(StoreBase):
    def import_records(self, records: Iterable[Record], *, actor: Actor | None = None) -> int:
        """Insert or replace ``records`` in one transaction; returns how many were loaded."""
        count = 0
        with self._write() as conn:
            pending: dict[Table, list[tuple[Any, ...]]] = defaultdict(list)
            for record in records:
                table = table_for(record)
                rows = pending[table]
                rows.append(table.to_row(record))
                count += 1
                if len(rows) >= CHUNK:
                    conn.executemany(table.upsert_sql, rows)
                    rows.clear()
            for table, rows in pending.items():
                if rows:
                    conn.executemany(table.upsert_sql, rows)
            self._note(actor, AuditAction.CREATE, entity="import", detail=f"records: {count}")
        self._zones.clear()
        return count
