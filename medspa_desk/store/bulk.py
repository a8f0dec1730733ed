"""Bulk load: the demo practice and the first pull arrive as many records at once.

No outbox entries (the server already has these records) and one audit event
for the whole load instead of one per record. Rows go in with ``executemany``
in one transaction, table by table in chunks.

Speed (``store.import_records_per_s``, see docs/store.md "Performance"):

- rows are built by ``rows.py`` straight from the already validated records
  (their compiled serializer, no re-validation);
- a table that is (nearly) empty when its first full chunk arrives has its
  secondary indexes dropped and rebuilt once at the end of the load, inside
  the same transaction: one sort per index instead of a random B-tree insert
  per row, and a failed load rolls the indexes back with everything else;
- new clients are added to the search index a chunk at a time (FTS5 flushes
  its pending terms at every statement, so one statement per chunk);
- a large load (the first into a new store, or a list of a chunk or more)
  enlarges the page cache so the indexes being
  built stay decrypted in memory instead of being spilled and read back, and
  writes through a rollback journal instead of the WAL (see ``_loading``).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sized
from contextlib import contextmanager
from itertools import groupby, islice
from typing import Any

from sqlcipher3 import dbapi2

from medspa_desk.records import AuditAction, Record
from medspa_desk.store.actor import Actor
from medspa_desk.store.base import StoreBase, no_cycle_collection
from medspa_desk.store.connection import CACHE_KIB
from medspa_desk.store.rows import CLIENTS, TREATMENTS, Table, table_for_kind

log = logging.getLogger(__name__)

CHUNK = 10_000
# Page cache ceiling while loading (KiB): a 100,000-client practice (a 500 MB
# file) is loaded and indexed without spilling dirty pages to the WAL and
# decrypting them again (measured: 64 MiB 22,000, 256 MiB 24,800, 1 GiB
# 27,300 records/s). Only pages actually used are allocated, and the ceiling
# goes back to CACHE_KIB when the load ends.
LOAD_CACHE_KIB = 524_288
# Either driver (the benchmark's baseline is stdlib sqlite3) says "busy" this way.
_BUSY_ERRORS: tuple[type[Exception], ...] = (dbapi2.OperationalError, sqlite3.OperationalError)


class BulkMixin(StoreBase):
    def import_records(self, records: Iterable[Record], *, actor: Actor | None = None) -> int:
        """Insert or replace ``records`` in one transaction; returns how many were loaded."""
        count = 0
        with no_cycle_collection(), _loading(self._live(), large=self._is_large(records)), \
                self._write() as conn:
            with loading_rows(conn) as loader:
                pending: dict[Table, list[tuple[Any, ...]]] = defaultdict(list)
                # Records come in runs of one kind: the table is looked up once
                # per run, and the rows of a run are built by map/islice/extend
                # (no Python loop step per record).
                for kind, run in groupby(records, type):
                    table = table_for_kind(kind)
                    rows, to_row = pending[table], table.to_row
                    while True:
                        before = len(rows)
                        # The same run iterator, continued chunk after chunk.
                        rows.extend(map(to_row, islice(run, CHUNK - before)))  # noqa: B031
                        count += len(rows) - before
                        if len(rows) < CHUNK:
                            break
                        loader.load(table, rows)
                        rows.clear()
                for table, rows in pending.items():
                    if rows:
                        loader.load(table, rows)
            self._note(actor, AuditAction.CREATE, entity="import", detail=f"records: {count}")
        self._zones.clear()
        return count

    def _is_large(self, records: Iterable[Record]) -> bool:
        """A first load into a new store, or a list of a chunk or more records.

        Decided before the transaction (the journal mode cannot change inside
        one) and without reading ahead: records stream into the open
        transaction as they arrive.
        """
        if isinstance(records, Sized) and len(records) >= CHUNK:
            return True
        return bool(self._one("SELECT NOT EXISTS (SELECT 1 FROM clients) "
                              "AND NOT EXISTS (SELECT 1 FROM appointments)")[0])


@contextmanager
def _loading(conn: Any, *, large: bool) -> Iterator[None]:
    """The connection set up for a large load, and put back afterwards (even on failure).

    A large load runs with a rollback journal instead of the WAL: every page
    of a first pull is new, so the journal stays nearly empty and each page is
    encrypted and written once, where WAL writes it to the log and then
    copies it into the file at the checkpoint (measured: about a third
    faster). Still one transaction, still synchronous=FULL: a crash mid-load
    rolls back to the state before it. Only possible when no other connection
    has the file open; otherwise the load simply stays in WAL.
    """
    direct = False
    if large:
        conn.execute(f"PRAGMA cache_size = -{LOAD_CACHE_KIB}")
        direct = _switch_journal(conn, "delete")
    try:
        yield
    finally:
        if direct:
            _switch_journal(conn, "wal")
        if large:
            conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")


def _switch_journal(conn: Any, mode: str) -> bool:
    """Set the journal mode; False (mode unchanged) when another connection holds the file."""
    try:
        row = conn.execute(f"PRAGMA journal_mode = {mode}").fetchone()
    except _BUSY_ERRORS:
        row = None
    switched = bool(row) and str(row[0]).lower() == mode
    if not switched and mode == "wal":
        # Still crash-safe with a rollback journal; the next open sets WAL again.
        log.warning("the store stayed in rollback-journal mode after a bulk load")
    return switched


@contextmanager
def loading_rows(conn: Any) -> Iterator[RowLoader]:
    """Load rows a chunk at a time inside the caller's open transaction.

    While it runs, the per-row triggers stand aside (the ``bulk_load`` row):
    each chunk of clients is indexed for search in two statements (all of
    them in one at the end when the table started empty), and the lots of
    every loaded treatment at the end (schema 7); deferred indexes are
    rebuilt on the way out. A failure
    needs no clean-up here: the caller's transaction rolls all of it back.
    """
    conn.execute("INSERT INTO sync_state (name, value) VALUES ('bulk_load', '1')")
    loader = RowLoader(conn)
    yield loader
    loader.index_clients()
    loader.index_lots()
    loader.rebuild_deferred_indexes()
    conn.execute("DELETE FROM sync_state WHERE name = 'bulk_load'")


class RowLoader:
    """Loads chunks into their tables, deferring the indexes of tables that start empty."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self._seen: set[str] = set()
        self._deferred: list[str] = []  # CREATE INDEX statements to run at the end
        self._treatments: list[str] = []  # ids of loaded treatments, for the lot index
        self._all_treatments_loaded_here = False  # the treatments table started empty
        self._all_clients_loaded_here = False  # the clients table started empty

    def load(self, table: Table, rows: list[tuple[Any, ...]]) -> None:
        if table.name not in self._seen:
            self._seen.add(table.name)
            if table is TREATMENTS:
                self._all_treatments_loaded_here = not self._conn.execute(
                    "SELECT EXISTS (SELECT 1 FROM treatments)").fetchone()[0]
            elif table is CLIENTS:
                self._all_clients_loaded_here = not self._conn.execute(
                    "SELECT EXISTS (SELECT 1 FROM clients)").fetchone()[0]
            if len(rows) >= CHUNK and self._nearly_empty(table):
                self._defer_indexes(table)
        self._conn.executemany(table.upsert_sql, rows)
        if table is CLIENTS and not self._all_clients_loaded_here:
            _index_clients(self._conn, rows)
        elif table is TREATMENTS:
            self._treatments.extend(row[0] for row in rows)

    def _nearly_empty(self, table: Table) -> bool:
        # Table names are rows.py constants, never input.
        found = self._conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table.name} "  # noqa: S608
                                   "LIMIT ?)", (CHUNK,)).fetchone()[0]
        return found < CHUNK

    def _defer_indexes(self, table: Table) -> None:
        # Only indexes declared with CREATE INDEX (sql is not null); the UNIQUE
        # id index stays, since the upsert needs it.
        indexes = self._conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL ORDER BY name", (table.name,)).fetchall()
        for name, sql in indexes:
            self._conn.execute(f'DROP INDEX "{name}"')
            self._deferred.append(sql)

    def index_clients(self) -> None:
        """Index for search every client of a load into an empty table, in one statement."""
        if self._all_clients_loaded_here:
            self._all_clients_loaded_here = False
            self._conn.execute(
                "INSERT INTO client_search (rowid, first_name, last_name, preferred_name, phone, "
                "email, birth) SELECT rowid, first_name, last_name, preferred_name, phone, email, "
                "birth FROM client_search_source WHERE deleted = 0")

    def index_lots(self) -> None:
        """The lot-recall rows of every treatment loaded (what the schema-3 triggers would add)."""
        if not self._treatments:
            return
        if self._all_treatments_loaded_here:
            # Every stored treatment came with this load (a first sync or import):
            # one pass over the table, no id list to match against.
            self._treatments = []
            self._conn.execute(
                "INSERT INTO treatment_lots (treatment_id, client_id, product_id, lot, at) "
                "SELECT DISTINCT t.id, t.client_id, json_extract(u.value, '$.product_id'), "
                "json_extract(u.value, '$.lot'), t.at FROM treatments AS t, "
                "json_each(t.data, '$.products') AS u")
            return
        ids = json.dumps(self._treatments)
        self._treatments = []
        self._conn.execute("DELETE FROM treatment_lots WHERE treatment_id IN "
                           "(SELECT value FROM json_each(?))", (ids,))
        self._conn.execute(
            "INSERT INTO treatment_lots (treatment_id, client_id, product_id, lot, at) "
            "SELECT DISTINCT t.id, t.client_id, json_extract(u.value, '$.product_id'), "
            "json_extract(u.value, '$.lot'), t.at FROM treatments AS t, "
            "json_each(t.data, '$.products') AS u WHERE t.id IN (SELECT value FROM json_each(?))",
            (ids,))

    def rebuild_deferred_indexes(self) -> None:
        for sql in self._deferred:
            self._conn.execute(sql)
        self._deferred.clear()


def _index_clients(conn: Any, rows: list[tuple[Any, ...]]) -> None:
    """Index a chunk of clients in two statements (see the triggers in 0001_initial.sql)."""
    ids = json.dumps([row[0] for row in rows])
    conn.execute("DELETE FROM client_search WHERE rowid IN (SELECT rowid FROM clients "
                 "WHERE id IN (SELECT value FROM json_each(?)))", (ids,))
    conn.execute("INSERT INTO client_search (rowid, first_name, last_name, preferred_name, "
                 "phone, email, birth) SELECT rowid, first_name, last_name, preferred_name, "
                 "phone, email, birth FROM client_search_source WHERE deleted = 0 AND id IN "
                 "(SELECT value FROM json_each(?))", (ids,))
