"""The conflict inbox: what sync could not settle alone, kept until a person picks.

Each entry keeps the server's ``ConflictDetail`` (``medspa_desk.protocol``) as
it arrived, with the refused change added for a rejection, so the desk reads
it back with the same class the server built it with. Entries filed before the
detail was typed are read by :func:`_detail_filed_before_typing`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from medspa_desk.protocol import (
    ConflictDetail,
    DoubleBooking,
    FieldChoice,
    FieldConflict,
    RecordConflict,
    RejectedChange,
    conflict_detail,
)
from medspa_desk.records import Appointment, AuditAction, Conflict, ConflictKind, utc_now
from medspa_desk.store.actor import Actor
from medspa_desk.store.base import StoreBase
from medspa_desk.store.changes import Changes
from medspa_desk.store.errors import InvalidChange, NotFound

CONFLICT_ENTITY = "conflict"  # the audit trail's name for an inbox entry


def inbox_detail(conflict: Conflict) -> ConflictDetail:
    """What an inbox entry is about, as a model."""
    try:
        return conflict_detail(conflict.detail)
    except ValidationError:
        return _detail_filed_before_typing(conflict)


class InboxMixin(StoreBase):
    def _add_conflict(self, conn: Any, conflict: Conflict) -> Changes:
        conn.execute("INSERT INTO conflicts (id, kind, entity_id, open, created_at, data) "
                     "VALUES (?, ?, ?, 1, ?, ?)",
                     (str(conflict.id), conflict.kind.value, str(conflict.entity_id),
                      conflict.created_at.isoformat(), conflict.model_dump_json()))
        self._note(None, AuditAction.UPDATE, entity=CONFLICT_ENTITY, entity_id=conflict.id,
                   detail=f"{conflict.kind.value} on {conflict.entity} {conflict.entity_id}")
        return Changes(conflicts=True)

    def conflicts(self, open_only: bool = True) -> list[Conflict]:
        sql = "SELECT data FROM conflicts"
        if open_only:
            sql += " WHERE open = 1"
        return [Conflict.model_validate_json(d) for (d,) in self._rows(sql + " ORDER BY created_at")]

    def newest_refusal(self) -> str:
        """The newest open change the server refused, named for the status bar ("Client Ada Lovelace: notes")."""
        row = self._one("SELECT data FROM conflicts WHERE open = 1 AND kind = ? ORDER BY created_at DESC LIMIT 1",
                        (ConflictKind.REJECTED.value,))
        if row is None:
            return ""
        conflict = Conflict.model_validate_json(row[0])
        detail = inbox_detail(conflict)
        if not isinstance(detail, RejectedChange) or not detail.record:
            return f"this {conflict.entity.replace('_', ' ')}"
        return f"{detail.record}: {detail.field.replace('_', ' ')}" if detail.field else detail.record

    def conflict(self, conflict_id: UUID) -> Conflict:
        row = self._one("SELECT data FROM conflicts WHERE id = ?", (str(conflict_id),))
        if row is None:
            raise NotFound("That conflict is not in the inbox any more.")
        return Conflict.model_validate_json(row[0])

    def resolve_conflict(self, conflict_id: UUID, *, resolution: str, actor: Actor,
                         applying: Callable[[], Changes] | None = None) -> Changes:
        """Close an inbox entry with what the person chose, and apply the choice, in one transaction.

        ``applying`` makes the chosen change through the store's own writes (update a client,
        book a visit); they join this transaction, so the entry closes only with its change, and
        a refused change leaves the entry open.
        """
        resolution = resolution.strip()
        if not resolution:
            raise InvalidChange("Say how the conflict was resolved.")
        with self._write() as conn:
            row = conn.execute("SELECT data FROM conflicts WHERE id = ?",
                               (str(conflict_id),)).fetchone()
            if row is None:
                raise NotFound("That conflict is not in the inbox any more.")
            conflict = Conflict.model_validate_json(row[0])
            if conflict.resolved_at is not None:
                raise InvalidChange("That conflict was already resolved.")
            try:
                closed = Conflict.model_validate({**conflict.model_dump(), "resolved_at": utc_now(),
                                                  "resolution": resolution})
            except ValidationError:
                raise InvalidChange("The resolution note is too long; keep it under 200 "
                                    "characters.") from None
            conn.execute("UPDATE conflicts SET open = 0, data = ? WHERE id = ?",
                         (closed.model_dump_json(), str(conflict_id)))
            self._note(actor, AuditAction.RESOLVE_CONFLICT, entity=CONFLICT_ENTITY,
                       entity_id=conflict_id, detail=resolution)
            changes = applying() if applying is not None else Changes()
        return changes | Changes(conflicts=True)


def _detail_filed_before_typing(conflict: Conflict) -> ConflictDetail:
    """An entry filed as a plain map (``refused``/``holder``, ``fields``/``mine``/``theirs``, ``code``)."""
    data = conflict.detail
    try:
        if conflict.kind is ConflictKind.DOUBLE_BOOKING:
            return DoubleBooking(refused=_appointment(data.get("refused")), holder=_appointment(data.get("holder")))
        if conflict.kind is ConflictKind.FIELD_CONFLICT:
            mine = data.get("mine") or {}
            mine = mine.get("changes", mine) if isinstance(mine, dict) else {}
            theirs = data.get("theirs") or {}
            names = data.get("fields") or sorted(mine)
            return FieldConflict(fields=tuple(FieldChoice(field=name, mine=mine[name], theirs=theirs.get(name))
                                              for name in names if name in mine))
        return RejectedChange(code=str(data.get("code", ""))[:60])
    except (ValidationError, AttributeError, TypeError):
        return RecordConflict()


def _appointment(data: Any) -> Appointment | None:
    return Appointment.model_validate(data) if isinstance(data, dict) else None
