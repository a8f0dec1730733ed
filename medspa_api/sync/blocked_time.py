"""Blocked time pushed by a desk (``blocked_time.put``): who may, and never over a visit on the books.

Who may is the block's use case (``rules.block_use_case``: a provider's break is
the front desk's, time off and maintenance a manager's), for the block as sent
and for the one it replaces. A block over a visit holding its slot is rejected
with the visit's time, also when that visit was booked earlier in the same push;
a booking pushed after a block in the same push is refused by
``appointments._refuse_blocked_time``, which sees the unwritten block.
"""

from __future__ import annotations

import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_api.sync.appointments import location_zone
from medspa_api.sync.context import PushContext, parse
from medspa_api.sync.outcomes import Rejected
from medspa_desk.records import Appointment, BlockedTime, utc_now
from medspa_desk.rules import block_use_case, may, refusal
from medspa_desk.scheduling import blocked_visit, booked_words

TIME_BOOKED = "time_booked"


def put(ctx: PushContext) -> BlockedTime:
    block = parse(BlockedTime, {**ctx.mutation.payload, "id": str(ctx.mutation.entity_id)})
    existing = ctx.log.get(block.id)
    if existing is not None and ctx.log.get(block.id, entity=BlockedTime.entity) is None:
        raise Rejected("invalid_payload", "This id belongs to another kind of record.")
    before = BlockedTime.from_stored(existing) if existing is not None else None
    for version in (before, block):
        if version is not None and not may(ctx.caller.role, use_case := block_use_case(version)):
            raise Rejected("forbidden", refusal(ctx.caller.role, use_case))
    if not block.deleted:
        _refuse_booked_time(ctx, block)
    version = (existing or {}).get("version", 0) + 1
    return ctx.log.save(block.model_copy(update={"version": version, "updated_at": utc_now()}),
                        mutation_id=ctx.mutation.id, is_new=existing is None)


def _refuse_booked_time(ctx: PushContext, block: BlockedTime) -> None:
    s = t.appointment_slots.c
    holder = s.provider_id == block.provider_id if block.provider_id is not None else s.room_id == block.room_id
    ids = ctx.conn.execute(sa.select(s.appointment_id).where(
        s.tenant_id == ctx.tenant_id, s.holds_slot.is_(True), holder,
        s.blocked_from < block.ends_at, s.blocked_to > block.starts_at)).scalars().all()
    visits = (Appointment.from_stored(data) for i in ids if (data := ctx.log.get(i, entity="appointment")))
    visit = blocked_visit(block, visits)
    if visit is not None:
        raise Rejected(TIME_BOOKED, booked_words(visit, location_zone(ctx, block.location_id)))
