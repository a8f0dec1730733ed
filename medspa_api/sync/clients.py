"""Client demographics: created whole, then merged field by field from the client's base.

A field this desk changed and the server still holds at the desk's base value
is applied. A field changed on both sides since that base (any field: a phone,
an email, an allergy) is not touched: it goes to review, and the desk whose
change lost gets an inbox entry with both values. Nothing is overwritten until
someone picks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from medspa_api.sync.context import PushContext, parse
from medspa_api.sync.outcomes import Conflicted, Rejected
from medspa_desk.protocol import FieldChoice, FieldConflict
from medspa_desk.records import Client, Record, utc_now

SERVER_FIELDS = frozenset({"id", "version", "seq", "updated_at"})


@dataclass(frozen=True)
class Merged:
    """An update applied in part: the fields in ``conflict`` were kept as the server had them."""

    record: Record
    conflict: FieldConflict


def create(ctx: PushContext) -> Record:
    client = parse(Client, {**ctx.mutation.payload, "id": str(ctx.mutation.entity_id)})
    existing = ctx.log.get(client.id)
    if existing is not None:
        raise Conflicted("already_exists", "A record with this id already exists on the server.", current=existing)
    return ctx.log.save(client.model_copy(update={"version": 1, "updated_at": utc_now()}),
                        mutation_id=ctx.mutation.id, is_new=True)


def update(ctx: PushContext) -> Record | Merged:
    payload = ctx.mutation.payload
    changes, base = payload.get("changes"), payload.get("base", {})
    if not isinstance(changes, dict) or not isinstance(base, dict) or not changes:
        raise Rejected("invalid_payload", "A client update needs 'changes' (and 'base') as field maps.")
    unknown = sorted(set(changes) - (set(Client.model_fields) - SERVER_FIELDS))
    if unknown:
        raise Rejected("invalid_payload", f"A client has no editable field named {', '.join(unknown)}.")
    current = ctx.current(Client)
    held = current.to_json()
    apply: dict[str, Any] = {}
    review: list[FieldChoice] = []
    for field, new in changes.items():
        theirs = held.get(field)
        if theirs == new:
            continue
        changed_elsewhere = field in base and base[field] != theirs
        if changed_elsewhere:
            review.append(FieldChoice(field=field, mine=new, theirs=theirs))
        else:
            apply[field] = new
    stored: Record = current
    if apply:
        merged = parse(Client, {**held, **apply, "version": current.version + 1,
                                "updated_at": utc_now().isoformat()})
        stored = ctx.log.save(merged, mutation_id=ctx.mutation.id, deleted=merged.deleted, is_new=False)
    if review:
        return Merged(stored, FieldConflict(fields=tuple(sorted(review, key=lambda choice: choice.field))))
    return stored
