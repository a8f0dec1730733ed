"""The waitlist (issue 16 item 8): an entry is added whole, then closed once (booked or removed).

Entries live in the records table like every synced record: no table of their own,
since the server answers no question about them beyond a pull. Closing an entry
another desk has closed already is refused alone (``already_closed``): the client
was booked or taken off there, and the desk's inbox says so.
"""

from __future__ import annotations

from medspa_api.sync.context import PushContext, parse, parse_payload
from medspa_api.sync.outcomes import Conflicted, Rejected
from medspa_desk.protocol import WaitlistClose
from medspa_desk.records import Record, WaitlistEntry, WaitlistStatus, utc_now


def add(ctx: PushContext) -> Record:
    entry = parse(WaitlistEntry, {**ctx.mutation.payload, "id": str(ctx.mutation.entity_id)})
    if entry.status is not WaitlistStatus.WAITING:
        raise Rejected("invalid_payload", "A new waitlist entry is waiting; close it with waitlist.close.",
                       field="status")
    if entry.created_by != ctx.caller.user_id:
        entry = entry.model_copy(update={"created_by": ctx.caller.user_id})  # who pushed it made it
    existing = ctx.log.get(entry.id)
    if existing is not None:
        raise Conflicted("already_exists", "A record with this id already exists on the server.", current=existing)
    return ctx.log.save(entry.model_copy(update={"version": 1, "updated_at": utc_now()}),
                        mutation_id=ctx.mutation.id, is_new=True)


def close(ctx: PushContext) -> Record:
    change = parse_payload(ctx, WaitlistClose)
    current = ctx.current(WaitlistEntry)
    if not current.waiting:
        raise Rejected("already_closed", f"This client was already taken off the waitlist on another desk "
                       f"({current.status.value}); nothing was changed.")
    closed = parse(WaitlistEntry, {**current.to_json(), "status": change.status, "visit_id": change.visit_id,
                                   "closed_reason": change.reason, "version": current.version + 1,
                                   "updated_at": utc_now().isoformat()})
    return ctx.log.save(closed, mutation_id=ctx.mutation.id, is_new=False)
