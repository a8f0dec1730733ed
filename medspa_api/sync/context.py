"""Everything a mutation handler needs: the connection, the change log, who is pushing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from pydantic import ValidationError
from sqlalchemy.engine import Connection

from medspa_api.data.changes import ChangeLog
from medspa_api.signin import Caller
from medspa_api.sync.outcomes import Rejected
from medspa_desk.protocol import Mutation
from medspa_desk.records import Record

R = TypeVar("R", bound=Record)


@dataclass
class PushContext:
    conn: Connection
    log: ChangeLog
    caller: Caller
    mutation: Mutation

    @property
    def tenant_id(self) -> UUID:
        return self.caller.tenant_id

    def current(self, record_type: type[R]) -> R:
        """The record the mutation addresses, as the server holds it (rejected when unknown)."""
        data = self.log.get(self.mutation.entity_id, entity=record_type.entity)
        if data is None:
            raise Rejected("not_found", f"No {record_type.entity} with this id is on the server yet; "
                           "sync again after the record itself has been sent.")
        return record_type.from_json(data)


def parse(record_type: type[R], data: dict[str, Any]) -> R:
    """Build a record from a payload; a bad payload is a rejection that names the field."""
    try:
        return record_type.from_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ())) or "payload"
        raise Rejected("invalid_payload", f"The {record_type.entity} is not valid at {where}: "
                       f"{first.get('msg', 'invalid value')}.") from None
