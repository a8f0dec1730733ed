"""Bulk load: the demo practice and the first pull arrive as many records at once.

No outbox entries (the server already has these records) and one audit event
for the whole load instead of one per record. Rows go in with ``executemany``
in one transaction, table by table in chunks.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from medspa_desk.records import AuditAction, Record
from medspa_desk.store.actor import Actor
from medspa_desk.store.base import StoreBase
from medspa_desk.store.rows import CLIENTS, Table, table_for

CHUNK = 5_000


class BulkMixin(StoreBase):
    def import_records(self, records: Iterable[Record], *, actor: Actor | None = None) -> int:
        """Insert or replace ``records`` in one transaction; returns how many were loaded."""
        count = 0
        with self._write() as conn:
            conn.execute("INSERT INTO sync_state (name, value) VALUES ('bulk_load', '1')")
            pending: dict[Table, list[tuple[Any, ...]]] = defaultdict(list)
            for record in records:
                table = table_for(record)
                rows = pending[table]
                rows.append(table.to_row(record))
                count += 1
                if len(rows) >= CHUNK:
                    _load(conn, table, rows)
                    rows.clear()
            for table, rows in pending.items():
                if rows:
                    _load(conn, table, rows)
            conn.execute("DELETE FROM sync_state WHERE name = 'bulk_load'")
            self._note(actor, AuditAction.CREATE, entity="import", detail=f"records: {count}")
        self._zones.clear()
        return count


def _load(conn: Any, table: Table, rows: list[tuple[Any, ...]]) -> None:
    conn.executemany(table.upsert_sql, rows)
    if table is CLIENTS:
        # Index the chunk in two statements (see the triggers in 0001_initial.sql).
        ids = json.dumps([row[0] for row in rows])
        conn.execute("DELETE FROM client_search WHERE rowid IN (SELECT rowid FROM clients "
                     "WHERE id IN (SELECT value FROM json_each(?)))", (ids,))
        conn.execute("INSERT INTO client_search (rowid, first_name, last_name, preferred_name, "
                     "phone, email, birth) SELECT rowid, first_name, last_name, preferred_name, "
                     "phone, email, birth FROM client_search_source WHERE deleted = 0 AND id IN "
                     "(SELECT value FROM json_each(?))", (ids,))
