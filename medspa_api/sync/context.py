"""Everything a mutation handler needs: the connection, the change log, who is pushing."""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from pydantic import BaseModel, ValidationError
from sqlalchemy.engine import Connection

from medspa_api.data.changes import ChangeLog
from medspa_api.sessions import Caller
from medspa_api.sync.outcomes import Rejected
from medspa_desk.protocol import Mutation
from medspa_desk.records import Record

R = TypeVar("R", bound=Record)


SAVEPOINT = "medspa_mutation"


class PushContext:
    """One mutation being applied.

    The mutation gets its own savepoint, opened the first time a handler
    touches :attr:`conn`: a handler that writes only through the change log
    (whose rows are written in bulk at the end of the push, and undone in
    memory by ``ChangeLog.rollback_to``) then costs no round trips for it,
    while any SQL a handler runs itself is always inside the savepoint.
    """

    def __init__(self, *, conn: Connection, log: ChangeLog, caller: Caller, mutation: Mutation) -> None:
        self._conn = conn
        self.log = log
        self.caller = caller
        self.mutation = mutation
        self.savepoint_open = False

    @property
    def conn(self) -> Connection:
        if not self.savepoint_open:
            self._conn.exec_driver_sql(f"SAVEPOINT {SAVEPOINT}")
            self.savepoint_open = True
        return self._conn

    def release(self) -> None:
        """Keep what the mutation wrote."""
        if self.savepoint_open:
            self._conn.exec_driver_sql(f"RELEASE SAVEPOINT {SAVEPOINT}")
            self.savepoint_open = False

    def undo(self) -> None:
        """Take back what the mutation wrote (its savepoint, if one was opened)."""
        if self.savepoint_open:
            self._conn.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}")
            self._conn.exec_driver_sql(f"RELEASE SAVEPOINT {SAVEPOINT}")
            self.savepoint_open = False

    @property
    def tenant_id(self) -> UUID:
        return self.caller.tenant_id

    def current(self, record_type: type[R]) -> R:
        """The record the mutation addresses, as the server holds it (rejected when unknown)."""
        data = self.log.get(self.mutation.entity_id, entity=record_type.entity)
        if data is None:
            raise Rejected("not_found", f"No {record_type.entity} with this id is on the server yet; "
                           "sync again after the record itself has been sent.")
        return record_type.from_stored(data)


P = TypeVar("P", bound=BaseModel)


def parse_payload(ctx: PushContext, model: type[P]) -> P:
    """The mutation's payload as its kind's model (``protocol.PAYLOADS``); a bad one names the field."""
    try:
        return model.model_validate(ctx.mutation.payload)
    except ValidationError as exc:
        raise _invalid(f"The {ctx.mutation.kind.value} payload", exc) from None


def parse(record_type: type[R], data: dict[str, Any]) -> R:
    """Build a record from a payload; a bad payload is a rejection that names the field."""
    try:
        return record_type.from_json(data)
    except ValidationError as exc:
        raise _invalid(f"The {record_type.entity}", exc) from None


def _invalid(what: str, exc: ValidationError) -> Rejected:
    """A rejection naming the first bad field (never its value)."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "payload"
    return Rejected("invalid_payload", f"{what} is not valid at {where}: {first.get('msg', 'invalid value')}.",
                    field=where)
