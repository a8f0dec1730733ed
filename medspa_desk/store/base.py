"""The store's plumbing: one connection, one write transaction at a time, errors in plain words.

Every write goes through :meth:`StoreBase._write`: BEGIN IMMEDIATE, the rows,
the outbox entry, the audit event, COMMIT; any failure rolls back all of it,
so a failed save leaves the previous state exactly as it was.
"""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlcipher3 import dbapi2

from medspa_desk.audit import AuditTrail
from medspa_desk.protocol import (
    MAX_MUTATION_BYTES,
    Mutation,
    MutationKind,
    payload_json,
    payload_model,
)
from medspa_desk.records import AuditAction, AuditEvent, Location, Record, new_id, utc_now
from medspa_desk.rules import NotPermitted, UseCase, may, refusal
from medspa_desk.scheduling import local_day
from medspa_desk.store.actor import Actor
from medspa_desk.store.errors import (
    Corrupt,
    DiskTrouble,
    InvalidChange,
    NotFound,
    ReadOnly,
    StoreClosed,
    StoreError,
    disk_full,
    unwritable,
)
from medspa_desk.store.outbox_watch import OutboxWatch
from medspa_desk.store.rows import Table

log = logging.getLogger(__name__)

OUTBOX_INSERT = ("INSERT INTO outbox (id, kind, entity, entity_id, data, author_user_id) "
                 "VALUES (?, ?, ?, ?, ?, ?)")

R = TypeVar("R", bound=Record)

# Both the encrypted driver and the standard library's (the benchmark baseline)
# raise their own DB-API classes; we catch either.
# SQLCipher reports a page that fails its HMAC as SQLITE_NOMEM, which the
# driver raises as MemoryError: on a read or write of the store we treat it as
# damage (a real out-of-memory would fail again on the integrity check).
try:
    import sqlite3 as _stdlib_sqlite
    _DB_ERRORS: tuple[type[Exception], ...] = (dbapi2.Error, _stdlib_sqlite.Error, MemoryError)
    _INTEGRITY_ERRORS: tuple[type[Exception], ...] = (dbapi2.IntegrityError,
                                                       _stdlib_sqlite.IntegrityError)
    _BUSY_ERRORS: tuple[type[Exception], ...] = (dbapi2.OperationalError,
                                                  _stdlib_sqlite.OperationalError)
except ImportError:  # pragma: no cover - CPython always ships sqlite3
    _DB_ERRORS = (dbapi2.Error, MemoryError)
    _INTEGRITY_ERRORS = (dbapi2.IntegrityError,)
    _BUSY_ERRORS = (dbapi2.OperationalError,)


def translate(exc: Exception, *, path: Path | None = None) -> StoreError:
    """A database error as a :class:`StoreError` a person can read (no SQL, no values).

    ``path`` (the store file) lets a full disk or a read-only folder be named.
    Only what SQLite reports as damage (a malformed image, not a database, a
    page failing its HMAC) is called damage: a full disk, a read-only file
    and an I/O error each say what they are.
    """
    text = str(exc).lower()
    if isinstance(exc, _INTEGRITY_ERRORS):
        return InvalidChange("That change conflicts with a record already saved (the same id "
                             "twice, or a link to a record that is not there). Nothing was saved.")
    if "locked" in text or "busy" in text:
        return StoreError("The local data file is busy with another task. Try again in a moment.")
    if "disk is full" in text or "database or disk is full" in text:
        return disk_full(path)
    if "readonly" in text or "read-only" in text:
        return (unwritable(path) if path is not None else None) or ReadOnly(
            "The local data file cannot be written (it or its folder is read-only), so nothing was "
            "saved. Ask your IT administrator to make the data folder writable, then try again.")
    if "disk i/o error" in text:
        return DiskTrouble("The computer could not read or write the local data file (a disk I/O error), "
                           "so nothing was saved. Try again; if it keeps happening, ask your IT "
                           "administrator to check the disk.")
    if isinstance(exc, _BUSY_ERRORS) and "malformed" not in text and "not a database" not in text:
        return StoreError(f"The local store could not do that ({type(exc).__name__}). "
                          "Try again; if it keeps happening, contact support.")
    return Corrupt("The local data file is damaged and part of it cannot be read. Nothing was "
                   "changed. Ask your administrator to run the integrity check and restore it.")


def _file_of(conn: Any) -> Path | None:
    """The main database file of ``conn`` (None in memory), to name it in a message."""
    try:
        rows = conn.execute("PRAGMA database_list").fetchall()
    except _DB_ERRORS:
        return None
    name = next((str(row[2]) for row in rows if row[1] == "main"), "")
    return Path(name) if name else None


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector while a read or write makes many small objects.

    A pulled page or a recall list makes tens of thousands of short-lived
    objects (validated records, rows, tuples), none in a reference cycle; the
    allocation bursts otherwise trigger collections that walk the whole heap,
    which made validating a pulled page three to four times slower on a desk
    holding a large practice. Reference counting still frees everything; the
    collector resumes (and catches up) afterwards. Only the store's own thread
    calls this, so pauses never nest across threads.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class StoreBase:
    """State and helpers shared by the store's parts (see the mixins in this package)."""

    _conn: Any
    _audit: AuditTrail
    # Inside a write (or transaction()), a nested write joins it: its COMMIT or ROLLBACK decides
    # (a new client and its booking; a resolution and the change it picks).
    _writing = False

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self._path = _file_of(conn)
        self._audit = AuditTrail(conn, errors=_DB_ERRORS, translate=self._translate)
        self._zones: dict[UUID, ZoneInfo] = {}
        self.outbox_watch = OutboxWatch(conn)  # the sync engine listens: a committed write is pushed

    def _translate(self, exc: Exception) -> StoreError:
        return translate(exc, path=self._path)

    # --- plumbing -------------------------------------------------------------

    @property
    def connection(self) -> Any:
        """The open connection (for the sync engine's tests and the benchmark; not for views)."""
        return self._live()

    def _live(self) -> Any:
        if self._conn is None:
            raise StoreClosed("The store is locked. Unlock to continue.")
        return self._conn

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """Several writes as one: all are kept, or none (a use case such as booking a new client).

        The public way to write: the body gets the connection for its own rows
        (``with store.transaction() as conn``); a store write called inside
        joins it, and so does a nested transaction. BEGIN IMMEDIATE, then
        COMMIT, or ROLLBACK on any failure (a database error in plain words).
        """
        with self._write() as conn:
            yield conn

    def select(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[Any]:
        """The rows of one read (tuples); a database error comes back in plain words."""
        return self._rows(sql, params)

    def note(self, actor: Actor | None, action: AuditAction, *, entity: str = "",
             entity_id: UUID | None = None, detail: str = "", outcome: str = "ok") -> None:
        """Append one audit event: inside :meth:`transaction` it joins it; otherwise it commits on its own."""
        with self._write():
            self._note(actor, action, entity=entity, entity_id=entity_id, detail=detail, outcome=outcome)

    @contextmanager
    def _write(self) -> Iterator[Any]:
        conn = self._live()
        if self._writing:
            yield conn  # joined: the outer write commits or rolls back
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except _DB_ERRORS as exc:
            raise self._translate(exc) from None
        self._writing = True
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as exc:
            self.outbox_watch.rolled_back()
            if conn.in_transaction:
                try:
                    conn.execute("ROLLBACK")
                except _DB_ERRORS:
                    log.warning("rollback failed after %s", type(exc).__name__)
            if isinstance(exc, _DB_ERRORS):
                raise self._translate(exc) from None
            raise
        finally:
            self._writing = False
        self.outbox_watch.committed()

    def _rows(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[Any]:
        try:
            return self._live().execute(sql, params).fetchall()
        except _DB_ERRORS as exc:
            raise self._translate(exc) from None

    def _one(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    # --- records --------------------------------------------------------------

    def _load(self, cls: type[R], table: str, record_id: UUID, *, what: str) -> R:
        row = self._one(f"SELECT data FROM {table} WHERE id = ?", (str(record_id),))  # noqa: S608 (table names are ours)
        if row is None:
            raise NotFound(f"The {what} {record_id} is not in the local store. It may not have "
                           "synced yet; try again after the next sync.")
        # from_stored: a copy an older desk saved with a hidden character still opens (without it).
        return cls.from_stored(json.loads(row[0]))

    def _load_many(self, cls: type[R], sql: str, params: tuple[Any, ...] = ()) -> list[R]:
        return [cls.model_validate_json(data) for (data,) in self._rows(sql, params)]

    def _reference(self, cls: type[R]) -> list[R]:
        return self._load_many(cls, "SELECT data FROM reference WHERE entity = ? ORDER BY id",
                               (cls.entity,))

    @staticmethod
    def _upsert(conn: Any, table: Table, record: Record) -> None:
        conn.execute(table.upsert_sql, table.to_row(record))

    # --- outbox and audit (inside a write) ------------------------------------

    @staticmethod
    def _queue(conn: Any, *, actor: Actor, kind: MutationKind, record: Record, payload: BaseModel,
               base_version: int | None = None) -> Mutation:
        """Queue a change for the server, naming its author: it is pushed only in their session.

        ``payload`` is the kind's model (``protocol.payload_model``), the class the server parses it with.
        """
        mutation, row = StoreBase._outbox_row(actor=actor, kind=kind, record=record, payload=payload,
                                              base_version=base_version)
        conn.execute(OUTBOX_INSERT, row)
        return mutation

    @staticmethod
    def _outbox_row(*, actor: Actor, kind: MutationKind, record: Record, payload: BaseModel,
                    base_version: int | None = None) -> tuple[Mutation, tuple[str, ...]]:
        """The mutation for a change and its outbox row (``OUTBOX_INSERT``), checked for kind and size."""
        if not isinstance(payload, payload_model(kind, record.entity)):
            raise TypeError(f"{kind.value} carries a {payload_model(kind, record.entity).__name__}")
        # Built from typed values the desk made (a validated record, its payload model): constructed,
        # not validated again; the server validates what arrives.
        mutation = Mutation.model_construct(id=new_id(), kind=kind, entity=record.entity, entity_id=record.id,
                                            base_version=base_version, payload=payload_json(payload),
                                            created_at=utc_now())
        data = mutation.model_dump_json()
        if len(data) > MAX_MUTATION_BYTES:
            raise InvalidChange(f"This {record.entity.replace('_', ' ')} is too large to send to the server "
                                f"({len(data) // 1024:,} KB; at most {MAX_MUTATION_BYTES // 1024:,} KB). Shorten "
                                "its longest text and save again.")
        return mutation, (str(mutation.id), kind.value, record.entity, str(record.id), data, str(actor.user_id))

    def _note(self, actor: Actor | None, action: AuditAction, *, entity: str = "",
              entity_id: UUID | None = None, detail: str = "", outcome: str = "ok") -> None:
        """Append an audit event; call inside the transaction of what it describes."""
        self._audit.record(AuditEvent(
            actor_user_id=actor.user_id if actor else None,
            device_id=actor.device_id if actor else None,
            action=action, entity=entity, entity_id=entity_id, detail=detail, outcome=outcome))

    def permit(self, actor: Actor, use_case: UseCase, *, entity: str = "", entity_id: UUID | None = None) -> None:
        """Return when the clinic's table lets ``actor`` do ``use_case``; else audit the refusal and raise.

        Call it before the use case's own transaction: the refusal's audit event commits on its own.
        """
        if may(actor.role, use_case):
            return
        with self._write():
            self._note(actor, AuditAction.ACCESS_DENIED, entity=entity, entity_id=entity_id,
                       detail=use_case.value, outcome="refused")
        raise NotPermitted(refusal(actor.role, use_case))

    def note_refused_step(self, actor: Actor, *, entity: str, entity_id: UUID | None, detail: str) -> None:
        """Audit a step the clinic's table refused (a reason code, never a value); commits on its own."""
        with self._write():
            self._note(actor, AuditAction.UPDATE, entity=entity, entity_id=entity_id, detail=detail,
                       outcome="refused")

    def _audited_view(self, actor: Actor, *, entity: str, entity_id: UUID | None, detail: str) -> None:
        if not isinstance(actor, Actor):
            raise TypeError("reading a client's record needs the acting user (an Actor)")
        with self._write():
            self._note(actor, AuditAction.VIEW, entity=entity, entity_id=entity_id, detail=detail)

    # --- places and days ------------------------------------------------------

    def _zone(self, location_id: UUID) -> ZoneInfo:
        zone = self._zones.get(location_id)
        if zone is None:
            location = self._load(Location, "reference", location_id, what="location")
            zone = self._zones[location_id] = location.zone
        return zone

    def _day_of(self, location_id: UUID, instant: datetime) -> tuple[UUID, date]:
        return (location_id, local_day(instant, self._zone(location_id)))

    @staticmethod
    def _json(value: Any) -> str:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
