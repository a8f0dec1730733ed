from __future__ import annotations

from datetime import timedelta

import pytest

from medspa_desk.clinical.addenda import AddendumRefused, addenda_in_order, write_addendum
from medspa_desk.clinical.charting import build_treatment
from medspa_desk.records import AuditAction, Role, content_hash
from medspa_desk.store import Immutable
from tests.core.clinical.charts import (
    in_date,
    neurotoxin_visit,
    point,
    product,
    treatment_day,
    visit,
)


def _signed(store, demo, injector):
    appt = neurotoxin_visit(demo)
    botox = product(demo, "Botox Cosmetic 100U")
    result = build_treatment(visit(appt, (point(botox, area="Glabella", amount=20),), expiry=in_date(appt, demo)),
                             catalog={p.id: p for p in demo.products}, role=Role.PROVIDER,
                             on=treatment_day(appt, demo))
    store.save_treatment(result.record, actor=injector)
    store.sign_treatment(result.record.id, actor=injector, at=appt.ends_at)
    return store.treatment(result.record.id, actor=injector)


def test_a_signed_record_refuses_edits(store, demo, injector):
    signed = _signed(store, demo, injector)
    assert signed.is_signed and signed.content_sha256 == content_hash(signed.signed_content())
    edited = signed.model_copy(update={"clinical_notes": "changed after signing", "signed_at": None,
                                       "signed_by": None, "content_sha256": None})
    with pytest.raises(Immutable, match="signed and cannot be changed; add an addendum"):
        store.save_treatment(edited, actor=injector)
    assert store.treatment(signed.id, actor=injector).clinical_notes == signed.clinical_notes


def test_addenda_after_signing_are_signed_dated_and_kept_in_order(store, demo, injector):
    signed = _signed(store, demo, injector)
    first_at = signed.signed_at + timedelta(hours=2)
    first = write_addendum(signed, text="Client called: mild headache, resolved.", author_user_id=injector.user_id,
                           author_name="M. Patel, NP", author_role=Role.PROVIDER, at=first_at)
    store.add_addendum(signed.id, first, actor=injector)
    later = store.treatment(signed.id, actor=injector)
    second = write_addendum(later, text="Two-week review: even result, no top-up.",
                            author_user_id=injector.user_id, author_name="M. Patel, NP",
                            author_role=Role.PROVIDER, at=first_at + timedelta(days=14))
    store.add_addendum(signed.id, second, actor=injector)

    final = store.treatment(signed.id, actor=injector)
    assert [a.text for a in addenda_in_order(final)] == [first.text, second.text]
    assert final.content_sha256 == signed.content_sha256  # the signed content itself never moved
    assert all(a.written_at.tzinfo is not None and len(a.content_sha256) == 64 for a in final.addenda)
    audited = [e for e in store.audit.events(limit=10_000) if e.entity_id == signed.id]
    assert [e.action for e in audited].count(AuditAction.SIGN) == 1
    assert [e.detail for e in audited if e.action is AuditAction.UPDATE] == ["addendum", "addendum"]


def test_an_addendum_is_refused_on_a_draft_before_signing_or_from_the_front_desk(store, demo, injector):
    signed = _signed(store, demo, injector)
    draft = signed.model_copy(update={"signed_at": None, "signed_by": None, "content_sha256": None})
    with pytest.raises(AddendumRefused, match="still a draft"):
        write_addendum(draft, text="x", author_user_id=injector.user_id, author_name="M. Patel",
                       author_role=Role.PROVIDER, at=signed.signed_at)
    with pytest.raises(AddendumRefused, match="before the record was signed"):
        write_addendum(signed, text="x", author_user_id=injector.user_id, author_name="M. Patel",
                       author_role=Role.PROVIDER, at=signed.signed_at - timedelta(minutes=1))
    with pytest.raises(AddendumRefused, match="Write what the addendum"):
        write_addendum(signed, text="   ", author_user_id=injector.user_id, author_name="M. Patel",
                       author_role=Role.PROVIDER, at=signed.signed_at)
    with pytest.raises(PermissionError):
        write_addendum(signed, text="x", author_user_id=injector.user_id, author_name="Jo",
                       author_role=Role.FRONT_DESK, at=signed.signed_at)
