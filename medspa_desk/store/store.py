"""The encrypted local store of one workstation: :class:`Store`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from medspa_desk.store.appointments import AppointmentsMixin
from medspa_desk.store.base import translate
from medspa_desk.store.bulk import BulkMixin
from medspa_desk.store.clients import ClientsMixin
from medspa_desk.store.connection import bad_pages, open_database
from medspa_desk.store.export import ExportMixin
from medspa_desk.store.migrations import migrate
from medspa_desk.store.reference import ReferenceMixin
from medspa_desk.store.sync_hooks import SyncMixin


@dataclass(frozen=True)
class IntegrityReport:
    """The result of the full check: ``problems`` are plain sentences (page numbers, no data)."""

    ok: bool
    problems: tuple[str, ...] = ()
    bad_pages: tuple[int, ...] = ()


class Store(ReferenceMixin, ClientsMixin, AppointmentsMixin, ExportMixin, SyncMixin, BulkMixin):
    """Clients, the schedule, forms, the outbox and the audit trail in one SQLCipher file.

    One thread owns a Store (the UI's database worker). Every read of a
    client's record takes the acting user and is audited; every write commits
    its rows, its outbox entry and its audit event together.
    """

    @classmethod
    def open(cls, path: Path, key: bytearray, *, create: bool = False) -> Store:
        conn = open_database(Path(path), key, create=create)
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
