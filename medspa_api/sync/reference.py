"""Reference data (locations, providers, shifts, rooms, services, products): managers and admins.

Blocked time has its own kind (``blocked_time.put``); one sent as reference (an older desk's) takes
the same path and checks.
"""

from __future__ import annotations

from medspa_api.sync import blocked_time
from medspa_api.sync.context import PushContext, parse
from medspa_api.sync.outcomes import Rejected
from medspa_desk.records import SYNCED_RECORDS, BlockedTime, Record, utc_now

REFERENCE_ENTITIES = frozenset({"location", "provider", "shift", "room", "service", "product", "blocked_time"})


def upsert(ctx: PushContext) -> Record:
    entity = ctx.mutation.entity
    if entity == BlockedTime.entity:
        return blocked_time.put(ctx)
    if entity not in REFERENCE_ENTITIES:
        raise Rejected("invalid_payload", f"reference.upsert takes one of {', '.join(sorted(REFERENCE_ENTITIES))}.")
    record = parse(SYNCED_RECORDS[entity], {**ctx.mutation.payload, "id": str(ctx.mutation.entity_id)})
    existing = ctx.log.get(record.id)
    if existing is not None and ctx.log.get(record.id, entity=entity) is None:
        raise Rejected("invalid_payload", "This id belongs to another kind of record.")
    version = (existing or {}).get("version", 0) + 1
    return ctx.log.save(record.model_copy(update={"version": version, "updated_at": utc_now()}),
                        mutation_id=ctx.mutation.id, is_new=existing is None)
