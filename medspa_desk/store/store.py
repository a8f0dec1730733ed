"""The encrypted local store of one workstation: :class:`Store`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from medspa_desk.store.appointments import AppointmentsMixin
from medspa_desk.store.audit_shipping import AuditShippingMixin
from medspa_desk.store.base import translate
from medspa_desk.store.bulk import BulkMixin
from medspa_desk.store.clients import ClientsMixin
from medspa_desk.store.comms import CommsMixin
from medspa_desk.store.connection import bad_pages, open_database
from medspa_desk.store.documents import DocumentsMixin
from medspa_desk.store.evidence import EvidenceMixin
from medspa_desk.store.migrations import migrate
from medspa_desk.store.outbox import OutboxMixin
from medspa_desk.store.reference import ReferenceMixin
from medspa_desk.store.waitlist import WaitlistMixin


@dataclass(frozen=True)
class IntegrityReport:
    """The result of the full check: ``problems`` are plain sentences (page numbers, no data)."""

    ok: bool
    problems: tuple[str, ...] = ()
    bad_pages: tuple[int, ...] = ()


def _create_atomically(path: Path, key: bytearray) -> None:
    """Build a new store beside ``path`` and rename it into place when complete.

    SQLite makes an empty file the moment it opens a new database; a crash
    before the first commit would leave that empty file at ``path``, which we
    rightly refuse to open or replace. Building under a temporary name means
    ``path`` is either absent or a whole, migrated store.
    """
    building = path.with_name(path.name + ".creating")
    for leftover in (building, *(building.with_name(building.name + s) for s in ("-wal", "-shm"))):
        leftover.unlink(missing_ok=True)  # our own half-built file from a crash, never the store
    conn = open_database(building, key, create=True)
    try:
        # Owner-only before any data is written; SQLite gives -wal/-shm the same mode.
        os.chmod(building, 0o600)
        migrate(conn)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    os.replace(building, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Store(ReferenceMixin, ClientsMixin, AppointmentsMixin, DocumentsMixin, EvidenceMixin, CommsMixin, WaitlistMixin,
            OutboxMixin, AuditShippingMixin, BulkMixin):
    """Clients, the schedule, forms, the outbox and the audit trail in one SQLCipher file.

    One thread owns a Store (the UI's database worker). Every read of a
    client's record takes the acting user and is audited; every write commits
    its rows, its outbox entry and its audit event together.
    """

    @classmethod
    def open(cls, path: Path, key: bytearray, *, create: bool = False) -> Store:
        """Open the store at ``path``; with ``create``, make it first if (and only if) no file is there."""
        path = Path(path)
        if create and not path.exists():
            _create_atomically(path, key)
        conn = open_database(path, key)
        try:
            migrate(conn)
        except BaseException:
            conn.close()
            raise
        return cls(conn)

    @classmethod
    def over_connection(cls, conn: Any) -> Store:
        """A store over an already open DB-API connection (the benchmark's plain-SQLite baseline)."""
        migrate(conn)
        return cls(conn)

    def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            self._zones.clear()
            conn.close()

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @property
    def audit(self) -> Any:
        """The audit trail (record sign-in, lock, print events; verify the chain)."""
        self._live()
        return self._audit

    def check_integrity(self) -> IntegrityReport:
        """SQLite's structural check and SQLCipher's per-page HMAC check, every page read."""
        conn = self._live()
        pages = bad_pages(conn)
        problems = [f"page {p} fails its integrity check" for p in pages]
        try:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
            problems += [str(r[0]) for r in rows if str(r[0]) != "ok"]
        except Exception as exc:
            problems.append(str(translate(exc)))
        return IntegrityReport(ok=not problems, problems=tuple(problems), bad_pages=tuple(pages))
