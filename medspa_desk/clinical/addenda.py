"""Addenda: after a treatment record is signed, corrections are signed, dated additions."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from medspa_desk.clinical.access import require_charting
from medspa_desk.records import Addendum, Role, TreatmentRecord, content_hash, new_id

MAX_ADDENDUM = 10_000


class AddendumRefused(ValueError):
    """An addendum that cannot be added; the message says why."""


def write_addendum(record: TreatmentRecord, *, text: str, author_user_id: UUID, author_name: str,
                   author_role: Role, at: datetime) -> Addendum:
    """A signed addendum to ``record``: its hash binds the text, author, time and the record's hash."""
    require_charting(author_role)
    if not record.is_signed:
        raise AddendumRefused("This record is still a draft: change the draft itself, then sign it.")
    body = text.strip()
    if not body:
        raise AddendumRefused("Write what the addendum adds or corrects.")
    if len(body) > MAX_ADDENDUM:
        raise AddendumRefused(f"Keep an addendum under {MAX_ADDENDUM:,} characters.")
    if at.tzinfo is None:
        raise AddendumRefused("The addendum's time must carry a time zone.")
    if record.signed_at is not None and at < record.signed_at:
        raise AddendumRefused("An addendum cannot be dated before the record was signed.")
    addendum_id = new_id()
    sealed = {"id": str(addendum_id), "treatment_id": str(record.id),
              "record_sha256": record.content_sha256, "author_user_id": str(author_user_id),
              "author_name": author_name, "written_at": at.isoformat(), "text": body}
    return Addendum(id=addendum_id, author_user_id=author_user_id, author_name=author_name,
                    written_at=at, text=body, content_sha256=content_hash(sealed))


def addenda_in_order(record: TreatmentRecord) -> tuple[Addendum, ...]:
    """The record's addenda oldest first (the order they were written)."""
    return tuple(sorted(record.addenda, key=lambda a: (a.written_at, str(a.id))))
