"""A client's communication preferences (insert-only entries) and call notes (logged, then followed up)."""

from __future__ import annotations

from uuid import UUID

from medspa_api.sync.context import PushContext, parse, parse_payload
from medspa_api.sync.documents import insert_once
from medspa_api.sync.outcomes import Conflicted, Rejected
from medspa_desk.protocol import CallFollowUp
from medspa_desk.records import CallNote, Client, ContactConsent, Record, utc_now


def _require_client(ctx: PushContext, client_id: UUID) -> None:
    if ctx.log.get(client_id, entity=Client.entity) is None:
        raise Rejected("not_found", "The client is not on the server yet; sync again after the client "
                       "has been sent.", field="client_id")


def record_contact_consent(ctx: PushContext) -> Record:
    entry = parse(ContactConsent, {**ctx.mutation.payload, "id": str(ctx.mutation.entity_id)})
    if entry.recorded_by != ctx.caller.user_id:
        raise Rejected("invalid_payload", "A communication preference must be recorded by the signed-in person.",
                       field="recorded_by")
    _require_client(ctx, entry.client_id)
    return insert_once(ctx, entry, what="A communication preference")


def log_call(ctx: PushContext) -> Record:
    note = parse(CallNote, {**ctx.mutation.payload, "id": str(ctx.mutation.entity_id)})
    if note.taken_by != ctx.caller.user_id:
        raise Rejected("invalid_payload", "A call must be logged by the signed-in person.", field="taken_by")
    if note.followed_up_at is not None:
        raise Rejected("invalid_payload", "Log the call first; mark it followed up with call_note.follow_up.")
    if note.client_id is not None:
        _require_client(ctx, note.client_id)
    return insert_once(ctx, note, what="A call note")


def follow_up_call(ctx: PushContext) -> Record:
    current = ctx.current(CallNote)
    follow_up = parse_payload(ctx, CallFollowUp)
    if not current.open:
        if current.followed_up_by == ctx.caller.user_id and current.followed_up_at == follow_up.at:
            return current  # the same follow-up sent again
        raise Conflicted("already_followed_up", f"This call was already followed up by "
                         f"{current.followed_up_by_name or 'someone else'}.", current=current.to_json())
    done = parse(CallNote, {**current.to_json(), "followed_up_at": follow_up.at.isoformat(),
                            "followed_up_by": str(ctx.caller.user_id), "follow_up_note": follow_up.note,
                            "followed_up_by_name": follow_up.by_name, "version": current.version + 1,
                            "updated_at": utc_now().isoformat()})
    return ctx.log.save(done, mutation_id=ctx.mutation.id, is_new=False)

