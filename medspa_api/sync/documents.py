"""Intake forms, signed consents, consent templates and treatment records.

Signed documents are insert-only and checked against their content hash;
sending the same document again is harmless, sending different content under
the same id is a conflict. A treatment may be saved again while it is a
draft; once signed it only takes addenda.
"""

from __future__ import annotations

from typing import Any

from medspa_api.sync.context import PushContext, parse, parse_payload
from medspa_api.sync.outcomes import Conflicted, Rejected
from medspa_desk.protocol import ChartSignature
from medspa_desk.records import (
    Addendum,
    ConsentTemplate,
    IntakeForm,
    Record,
    SignedConsent,
    TreatmentRecord,
    content_hash,
    utc_now,
)

_COMPARE_EXCLUDE = frozenset({"version", "seq", "updated_at"})


def _same_content(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return {k: v for k, v in a.items() if k not in _COMPARE_EXCLUDE} == \
        {k: v for k, v in b.items() if k not in _COMPARE_EXCLUDE}


def insert_once(ctx: PushContext, record: Record, *, what: str = "A signed document") -> Record:
    """Insert ``record``, never changed after: the same content again is harmless, other content a conflict."""
    existing = ctx.log.get(record.id)
    if existing is not None:
        if _same_content(existing, record.to_json()):
            return type(record).from_json(existing)
        raise Conflicted("immutable", f"{what} with this id already exists with different content; "
                         "a correction must be a new one" + (" or an addendum." if what == "A signed document"
                                                             else "."), current=existing)
    return ctx.log.save(record.model_copy(update={"version": 1, "updated_at": utc_now()}),
                        mutation_id=ctx.mutation.id, is_new=True)


def _payload(ctx: PushContext) -> dict[str, Any]:
    return {**ctx.mutation.payload, "id": str(ctx.mutation.entity_id)}


def _require_intact(record: IntakeForm | SignedConsent) -> None:
    if not record.is_intact:
        raise Rejected("content_hash_mismatch", "The document's content does not match its hash; it was changed "
                       "after signing. Have it signed again.")


def submit_intake(ctx: PushContext) -> Record:
    form = parse(IntakeForm, _payload(ctx))
    _require_intact(form)
    return insert_once(ctx, form)


def sign_consent(ctx: PushContext) -> Record:
    consent = parse(SignedConsent, _payload(ctx))
    _require_intact(consent)
    return insert_once(ctx, consent)


def publish_template(ctx: PushContext) -> Record:
    template = parse(ConsentTemplate, _payload(ctx))
    # Who published is who pushed: the payload's published_by is the desk's claim, not evidence.
    return insert_once(ctx, template.model_copy(update={"published_by": ctx.caller.user_id}))


def save_treatment(ctx: PushContext) -> Record:
    draft = parse(TreatmentRecord, _payload(ctx))
    if draft.is_signed or draft.content_sha256 or draft.addenda:
        raise Rejected("invalid_payload", "Save the treatment unsigned; sign it with treatment.sign.")
    existing = ctx.log.get(draft.id, entity="treatment")
    if existing is None:
        if ctx.log.get(draft.id) is not None:
            raise Rejected("invalid_payload", "This id belongs to another kind of record.")
        return ctx.log.save(draft.model_copy(update={"version": 1, "updated_at": utc_now()}),
                            mutation_id=ctx.mutation.id, is_new=True)
    current = TreatmentRecord.from_json(existing)
    if current.is_signed:
        raise Conflicted("signed_record", "This treatment record is signed; add an addendum instead of "
                         "changing it.", current=existing)
    return ctx.log.save(draft.model_copy(update={"version": current.version + 1, "updated_at": utc_now()}),
                        mutation_id=ctx.mutation.id, is_new=False)


def sign_treatment(ctx: PushContext) -> Record:
    current = ctx.current(TreatmentRecord)
    if current.is_signed:
        raise Conflicted("signed_record", "This treatment record is already signed.", current=current.to_json())
    signature = parse_payload(ctx, ChartSignature)
    claimed = signature.content_sha256
    if claimed != content_hash(current.signed_content()):
        raise Rejected("content_hash_mismatch", "The treatment on the server differs from what was signed; "
                       "sync, review it and sign again.")
    signed_at = parse(TreatmentRecord, {**current.to_json(), "signed_at": signature.signed_at.isoformat(),
                                        "signed_by": str(ctx.caller.user_id), "content_sha256": claimed,
                                        "version": current.version + 1, "updated_at": utc_now().isoformat()})
    return ctx.log.save(signed_at, mutation_id=ctx.mutation.id, is_new=False)


def add_addendum(ctx: PushContext) -> Record:
    current = ctx.current(TreatmentRecord)
    if not current.is_signed:
        raise Rejected("not_signed", "Addenda are for signed records; edit the draft instead.")
    addendum = parse_payload(ctx, Addendum)
    if addendum.author_user_id != ctx.caller.user_id:
        raise Rejected("invalid_payload", "An addendum must be written by the signed-in user.")
    if any(existing.id == addendum.id for existing in current.addenda):
        return current
    updated = current.model_copy(update={"addenda": (*current.addenda, addendum), "version": current.version + 1,
                                         "updated_at": utc_now()})
    return ctx.log.save(updated, mutation_id=ctx.mutation.id, is_new=False)

