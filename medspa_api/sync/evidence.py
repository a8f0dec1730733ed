"""Compliance evidence: disclosures (insert-only), policy acknowledgments (insert-only, by the person
they name) and the manager's records (risk assessment, business associates, incidents, access requests)."""

from __future__ import annotations

from medspa_api.sync.context import PushContext, parse
from medspa_api.sync.documents import insert_once
from medspa_api.sync.outcomes import Rejected
from medspa_desk.protocol import EVIDENCE_RECORDS
from medspa_desk.records import Disclosure, PolicyAcknowledgment, Record, utc_now


def _payload(ctx: PushContext) -> dict[str, object]:
    return {**ctx.mutation.payload, "id": str(ctx.mutation.entity_id)}


def record_disclosure(ctx: PushContext) -> Record:
    disclosure = parse(Disclosure, _payload(ctx))
    if ctx.log.get(disclosure.client_id, entity="client") is None:
        raise Rejected(
            "not_found",
            "No client with this id is on the server yet; sync again after the "
            "client has been sent.",
        )
    # Who recorded it is who pushed: the payload's recorded_by is the desk's claim, not evidence.
    return insert_once(ctx, disclosure.model_copy(update={"recorded_by": ctx.caller.user_id}))


def acknowledge(ctx: PushContext) -> Record:
    signed = parse(PolicyAcknowledgment, _payload(ctx))
    if signed.user_id != ctx.caller.user_id:
        raise Rejected(
            "invalid_payload", "A person acknowledges a policy for themself only; sign in as them."
        )
    return insert_once(ctx, signed)


def save(ctx: PushContext) -> Record:
    entity = ctx.mutation.entity
    if entity not in EVIDENCE_RECORDS:
        raise Rejected(
            "invalid_payload", f"evidence.save takes one of {', '.join(sorted(EVIDENCE_RECORDS))}."
        )
    record = parse(EVIDENCE_RECORDS[entity], _payload(ctx))
    existing = ctx.log.get(record.id)
    if existing is not None and ctx.log.get(record.id, entity=entity) is None:
        raise Rejected("invalid_payload", "This id belongs to another kind of record.")
    version = (existing or {}).get("version", 0) + 1
    return ctx.log.save(
        record.model_copy(update={"version": version, "updated_at": utc_now()}),
        mutation_id=ctx.mutation.id,
        is_new=existing is None,
    )
