"""Push: apply a batch of mutations, each on its own savepoint, answered one by one.

- A mutation id seen before returns the stored answer (a retried push is
  applied once); the same id with a different body is refused
  (``mutation_id_reused``).
- A business rejection or conflict rolls back only its own savepoint; the rest
  of the batch goes on. Either answer carries in ``current`` the addressed
  record as the server holds it, so the desk can show the server's copy again,
  and in ``detail`` what it is about (a ``ConflictDetail``).
- Text a database cannot hold (a NUL anywhere in a payload, as an older desk
  or a barcode scanner could send) is that mutation's rejection, naming the
  field; it never refuses the batch. An audit event carrying one is not kept
  (the desk learns it from ``audit_stored_ids``).
- Every change gets its seq under the tenant's head lock, taken at the start,
  so pushes of one tenant commit in seq order.
- Audit rows (the server's and the desk's own events) are appended in the same
  transaction; if that fails nothing is kept (AuditUnavailable → 503).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from medspa_api.audit_log import AuditBuffer, flush
from medspa_api.data.changes import ChangeLog
from medspa_api.db import tables as t
from medspa_api.db.database import Database
from medspa_api.errors import ApiError, clock_skew
from medspa_api.permissions import may_push
from medspa_api.sessions import Caller
from medspa_api.sync import (
    appointments,
    blocked_time,
    clients,
    comms,
    documents,
    evidence,
    photos,
    reference,
    waitlist,
)
from medspa_api.sync.context import PushContext
from medspa_api.sync.outcomes import Conflicted, Rejected
from medspa_desk.protocol import (
    MAX_CLOCK_SKEW_S,
    MAX_MUTATION_BYTES,
    ConflictDetail,
    Mutation,
    MutationKind,
    MutationResult,
    Outcome,
    PushRequest,
    PushResponse,
    RecordConflict,
    RejectedChange,
)
from medspa_desk.records import AuditAction, AuditEvent, Record, utc_now

Handler = Callable[[PushContext], "Record | clients.Merged"]
K = MutationKind
HANDLERS: dict[MutationKind, Handler] = {
    K.CLIENT_CREATE: clients.create,
    K.CLIENT_UPDATE: clients.update,
    K.APPOINTMENT_BOOK: appointments.book,
    K.APPOINTMENT_RESCHEDULE: appointments.reschedule,
    K.APPOINTMENT_CANCEL: appointments.cancel,
    K.APPOINTMENT_SET_STATUS: appointments.set_status,
    K.INTAKE_SUBMIT: documents.submit_intake,
    K.CONSENT_SIGN: documents.sign_consent,
    K.CONSENT_TEMPLATE_PUBLISH: documents.publish_template,
    K.TREATMENT_SAVE: documents.save_treatment,
    K.TREATMENT_SIGN: documents.sign_treatment,
    K.TREATMENT_ADDENDUM: documents.add_addendum,
    K.REFERENCE_UPSERT: reference.upsert,
    K.DISCLOSURE_RECORD: evidence.record_disclosure,
    K.EVIDENCE_SAVE: evidence.save,
    K.POLICY_ACKNOWLEDGE: evidence.acknowledge,
    K.CONTACT_CONSENT_RECORD: comms.record_contact_consent,
    K.CALL_NOTE_LOG: comms.log_call,
    K.CALL_NOTE_FOLLOW_UP: comms.follow_up_call,
    K.BLOCKED_TIME_PUT: blocked_time.put,
    K.WAITLIST_ADD: waitlist.add,
    K.WAITLIST_CLOSE: waitlist.close,
    K.PHOTO_ADD: photos.add,
}
EXPECTED_ENTITY: dict[MutationKind, str] = {
    K.CLIENT_CREATE: "client", K.CLIENT_UPDATE: "client", K.APPOINTMENT_BOOK: "appointment",
    K.APPOINTMENT_RESCHEDULE: "appointment", K.APPOINTMENT_CANCEL: "appointment",
    K.APPOINTMENT_SET_STATUS: "appointment", K.INTAKE_SUBMIT: "intake", K.CONSENT_SIGN: "consent",
    K.CONSENT_TEMPLATE_PUBLISH: "consent_template", K.TREATMENT_SAVE: "treatment",
    K.TREATMENT_SIGN: "treatment", K.TREATMENT_ADDENDUM: "treatment",
    K.DISCLOSURE_RECORD: "disclosure", K.POLICY_ACKNOWLEDGE: "acknowledgment",
    K.CONTACT_CONSENT_RECORD: "contact_consent", K.CALL_NOTE_LOG: "call_note", K.CALL_NOTE_FOLLOW_UP: "call_note",
    K.BLOCKED_TIME_PUT: "blocked_time",
    K.WAITLIST_ADD: "waitlist_entry", K.WAITLIST_CLOSE: "waitlist_entry",
    K.PHOTO_ADD: "photo",
}
AUDIT_ACTION: dict[MutationKind, AuditAction] = {
    K.CLIENT_CREATE: AuditAction.CREATE, K.APPOINTMENT_BOOK: AuditAction.CREATE,
    K.INTAKE_SUBMIT: AuditAction.CREATE, K.CONSENT_SIGN: AuditAction.SIGN,
    K.CONSENT_TEMPLATE_PUBLISH: AuditAction.CREATE, K.TREATMENT_SIGN: AuditAction.SIGN,
    K.DISCLOSURE_RECORD: AuditAction.CREATE, K.POLICY_ACKNOWLEDGE: AuditAction.SIGN,
    K.CONTACT_CONSENT_RECORD: AuditAction.CREATE, K.CALL_NOTE_LOG: AuditAction.CREATE,
    K.WAITLIST_ADD: AuditAction.CREATE, K.PHOTO_ADD: AuditAction.CREATE,
}


def body_hash(mutation: Mutation) -> str:
    return hashlib.sha256(mutation.model_dump_json().encode("utf-8")).hexdigest()


def push(db: Database, *, caller: Caller, request: PushRequest) -> tuple[PushResponse, int | None]:
    """Apply the batch; returns the answer and the newest seq when anything changed."""
    now = utc_now()
    if request.device_id != caller.device_id:
        raise ApiError(409, "device_mismatch", "This push names a different workstation than the one signed in; "
                       "sign in again on this workstation.")
    if error := clock_skew(request.client_time, now, MAX_CLOCK_SKEW_S):
        raise error
    buffer = caller.audit()
    results: list[MutationResult] = []
    with db.transaction(caller.tenant_id) as conn:
        log = ChangeLog(conn, caller.tenant_id)
        batch = _Batch(conn=conn, caller=caller)
        if request.mutations:
            log.lock()
            batch.load_answers([m.id for m in request.mutations])
            log.prefetch([m.entity_id for m in request.mutations])
        for mutation in request.mutations:
            results.append(_apply_once(PushContext(conn=conn, log=log, caller=caller, mutation=mutation),
                                       buffer, batch))
        batch.store_answers()
        latest = log.finish()
        accepted = _accepted_events(conn, caller=caller, events=request.audit_events)
        if request.audit_events and not caller.device_proven:
            buffer.record(actor_user_id=caller.user_id, device_id=caller.device_id,
                          action=AuditAction.ACCESS_DENIED, entity="device", entity_id=caller.device_id,
                          outcome="device_unproven", detail=f"audit_events:{len(request.audit_events)}")
        buffer.add_client_events(accepted)
        stored = flush(conn, tenant_id=caller.tenant_id, buffer=buffer)
    held = list(dict.fromkeys(event.id for event in accepted))
    return PushResponse(results=results, audit_stored=stored, audit_stored_ids=held, server_time=utc_now()), latest


def _accepted_events(conn: sa.Connection, *, caller: Caller, events: list[AuditEvent]) -> list[AuditEvent]:
    """The desk's audit events the server keeps, stamped with the calling workstation.

    A workstation's trail holds the events of every person enrolled on it, and it ships them with
    whoever pushes next; so an event is kept when its actor is the caller, nobody (a failed sign-in),
    or an active user of this practice who has signed in on this very workstation before (in a session
    that proved it). The device is the caller's, whatever the event claims. A session that did not
    prove the workstation has none kept.
    """
    if not caller.device_proven:
        # Only a session that showed the device secret speaks for the workstation's trail; the desk keeps
        # the events and ships them again from a proven session.
        return []
    others = {e.actor_user_id for e in events} - {None, caller.user_id}
    enrolled: set[UUID] = set()
    if others:
        s, u = t.sessions.c, t.users.c
        enrolled = set(conn.execute(
            sa.select(s.user_id).distinct()
            .join(t.users, sa.and_(u.tenant_id == s.tenant_id, u.id == s.user_id))
            .where(s.tenant_id == caller.tenant_id, s.device_id == caller.device_id, s.user_id.in_(others),
                   s.device_proven.is_(True), u.active.is_(True))).scalars())
    allowed = {None, caller.user_id, *enrolled}
    return [e if e.device_id == caller.device_id else e.model_copy(update={"device_id": caller.device_id})
            for e in events if e.actor_user_id in allowed and not _holds_nul(e)]


def _holds_nul(event: AuditEvent) -> bool:
    return any("\x00" in value for value in event.model_dump().values() if isinstance(value, str))


class _Batch:
    """The stored answers of a push: read for the whole batch at once, written at its end."""

    def __init__(self, *, conn: sa.Connection, caller: Caller) -> None:
        self.conn = conn
        self.caller = caller
        self.known: dict[UUID, tuple[str, str]] = {}  # mutation id -> (body hash, stored answer JSON)
        self.new_rows: list[dict] = []

    def load_answers(self, ids: list[UUID]) -> None:
        m = t.mutations.c
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), 500):
            rows = self.conn.execute(sa.select(m.id, m.body_sha256, m.result).where(
                m.tenant_id == self.caller.tenant_id, m.id.in_(unique[start:start + 500])))
            self.known.update((row.id, (row.body_sha256, row.result)) for row in rows)

    def remember(self, mutation: Mutation, digest: str, result: MutationResult) -> None:
        answer = result.model_dump_json()
        self.known[mutation.id] = (digest, answer)
        self.new_rows.append({"tenant_id": self.caller.tenant_id, "id": mutation.id, "body_sha256": digest,
                              "result": answer, "user_id": self.caller.user_id,
                              "device_id": self.caller.device_id, "at": utc_now()})

    def store_answers(self) -> None:
        if self.new_rows:
            self.conn.execute(_INSERT_MUTATION, self.new_rows)


_INSERT_MUTATION = t.mutations.insert()
_INSERT_CONFLICT = t.conflicts.insert()


def _apply_once(ctx: PushContext, buffer: AuditBuffer, batch: _Batch) -> MutationResult:
    mutation = ctx.mutation
    digest = body_hash(mutation)
    known = batch.known.get(mutation.id)
    if known is not None:
        if known[0] == digest:
            return MutationResult.model_validate_json(known[1])
        return _answer(mutation, Outcome.REJECTED, code="mutation_id_reused",
                       reason="This mutation id was already used for a different change; the app must give "
                       "each change its own id.")
    result = _apply(ctx, buffer, batch)
    batch.remember(mutation, digest, result)
    return result


def _apply(ctx: PushContext, buffer: AuditBuffer, batch: _Batch) -> MutationResult:
    mutation, caller = ctx.mutation, ctx.caller
    audit = {"actor_user_id": caller.user_id, "device_id": caller.device_id, "entity": mutation.entity,
             "entity_id": mutation.entity_id}
    if (size := _payload_bytes(mutation)) > MAX_MUTATION_BYTES:
        buffer.record(action=_action(mutation.kind), outcome="rejected", detail="too_large", **audit)
        return _answer(mutation, Outcome.REJECTED, code="too_large",
                       reason=f"The {mutation.entity} was not saved: the change is {size // 1024:,} KB, more than "
                       f"the {MAX_MUTATION_BYTES // 1024:,} KB one change may carry. Shorten its longest text and "
                       "save it again.", current=_held(ctx))
    if (found := _nul_at(mutation.payload)) is not None:
        where = found.removeprefix("changes.")  # a client update's field, as the person knows it
        buffer.record(action=_action(mutation.kind), outcome="rejected", detail="hidden_character", **audit)
        return _answer(mutation, Outcome.REJECTED, code="hidden_character", field=where,
                       reason=f"The {mutation.entity} was not saved: {where.replace('_', ' ')} holds a hidden "
                       "NUL character (a barcode scanner or an older desk can add one). Clear the field, type "
                       "it again and save.", current=_held(ctx))
    if not may_push(caller.role, mutation.kind):
        buffer.record(action=AuditAction.ACCESS_DENIED, outcome="forbidden", detail=mutation.kind.value, **audit)
        return _answer(mutation, Outcome.REJECTED, code="forbidden",
                       reason=f"Your role ({caller.role.value.replace('_', ' ')}) may not do "
                       f"{mutation.kind.value}.", current=_held(ctx))
    expected = EXPECTED_ENTITY.get(mutation.kind)
    if expected is not None and mutation.entity != expected:
        return _answer(mutation, Outcome.REJECTED, code="invalid_payload",
                       reason=f"{mutation.kind.value} applies to a {expected}, not a {mutation.entity}.")
    # One savepoint per mutation (opened by ctx.conn when the handler first runs SQL), so a refusal
    # undoes only its own writes; plain SQL, since SQLAlchemy's begin_nested() bookkeeping cost more
    # than the writes. What the change log holds for the mutation is undone in memory.
    mark = ctx.log.mark()
    try:
        outcome = HANDLERS[mutation.kind](ctx)
    except Rejected as exc:
        _undo(ctx, mark)
        buffer.record(action=_action(mutation.kind), outcome="rejected", detail=exc.code, **audit)
        return _answer(mutation, Outcome.REJECTED, code=exc.code, reason=exc.reason, field=exc.field,
                       current=_held(ctx))
    except Conflicted as exc:
        _undo(ctx, mark)
        if exc.kept is not None:
            # After the undo, outside the savepoint: the losing booking is kept.
            batch.conn.execute(_INSERT_CONFLICT, {
                "tenant_id": caller.tenant_id, "id": mutation.id, "mutation_id": mutation.id,
                "kind": exc.kept.kind, "entity": exc.kept.entity, "entity_id": exc.kept.entity_id,
                "holder_id": exc.kept.holder_id, "data": json.dumps(exc.kept.data, separators=(",", ":")),
                "created_at": utc_now()})
        buffer.record(action=_action(mutation.kind), outcome="conflict", detail=exc.code, **audit)
        return _answer(mutation, Outcome.CONFLICT, code=exc.code, reason=exc.reason, current=exc.current,
                       detail=exc.detail or RecordConflict())
    except BaseException:
        _undo(ctx, mark)
        raise
    ctx.release()
    if isinstance(outcome, clients.Merged):
        fields = [choice.field for choice in outcome.conflict.fields]
        buffer.record(action=AuditAction.UPDATE, outcome="conflict", detail="review:" + ",".join(fields), **audit)
        return _answer(mutation, Outcome.CONFLICT, code="needs_review",
                       reason="Some fields were changed here and on another desk; review them.",
                       current=outcome.record.to_json(), detail=outcome.conflict,
                       version=outcome.record.version, seq=outcome.record.seq or None)
    buffer.record(action=_action(mutation.kind), **audit)
    return _answer(mutation, Outcome.APPLIED, version=outcome.version, seq=outcome.seq)


def _payload_bytes(mutation: Mutation) -> int:
    """The payload's size as compact JSON: what a desk sends, give or take its spacing."""
    return len(json.dumps(mutation.payload, separators=(",", ":"), ensure_ascii=False).encode())


def _nul_at(value: Any, where: str = "") -> str | None:
    """Where in a payload a NUL character stands (``notes``, ``changes.phone``), if anywhere."""
    if isinstance(value, str):
        return where or "payload" if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            if "\x00" in str(key):
                return where or "payload"
            if (found := _nul_at(item, path)) is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if (found := _nul_at(item, f"{where}[{index}]")) is not None:
                return found
    return None


def _held(ctx: PushContext) -> dict | None:
    """The record a refused mutation addresses, as the server holds it: the desk shows it again."""
    return ctx.log.get(ctx.mutation.entity_id, entity=ctx.mutation.entity)


def _undo(ctx: PushContext, mark: tuple[int | None, int, int]) -> None:
    ctx.undo()
    ctx.log.rollback_to(mark)


def _action(kind: MutationKind) -> AuditAction:
    return AUDIT_ACTION.get(kind, AuditAction.UPDATE)


def _answer(mutation: Mutation, outcome: Outcome, *, code: str = "", reason: str = "", field: str = "",
            current: dict | None = None, detail: ConflictDetail | None = None, version: int | None = None,
            seq: int | None = None) -> MutationResult:
    if outcome is Outcome.REJECTED:
        detail = RejectedChange(code=code, field=field[:200])
    return MutationResult(mutation_id=mutation.id, outcome=outcome, entity=mutation.entity,
                          entity_id=mutation.entity_id, version=version, seq=seq, current=current,
                          detail=detail, code=code, reason=reason[:1000])
