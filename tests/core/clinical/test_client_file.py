"""One audited open, several reads; clinical detail withheld from roles that may not read it."""

from __future__ import annotations

from collections import Counter

import pytest

from medspa_desk.records import AuditAction, TreatmentRecord, new_id
from medspa_desk.store import NotFound


def _busiest_client(demo):
    client_id, _count = Counter(t.client_id for t in demo.treatments if t.products).most_common(1)[0]
    return client_id, sorted((t for t in demo.treatments if t.client_id == client_id),
                             key=lambda t: (int(t.performed_at.timestamp()), str(t.id)), reverse=True)


def test_a_client_file_is_one_view_event_however_many_parts_are_read(store, demo, injector):
    client_id, treatments = _busiest_client(demo)
    before = store.audit.count()

    record = store.open_client_file(client_id, actor=injector, detail="door_card")
    latest = record.latest_treatments(limit=2)
    count = record.treatment_count()
    drafts = record.drafts()
    intakes, consents = record.intakes(), record.consents()

    assert record.client.id == client_id
    assert [t.id for t in latest] == [t.id for t in treatments[:2]]
    assert count == len(treatments)
    assert [t.id for t in drafts] == [t.id for t in treatments if not t.is_signed]
    assert {i.id for i in intakes} == {i.id for i in demo.intakes if i.client_id == client_id}
    assert {c.id for c in consents} == {c.id for c in demo.consents if c.client_id == client_id}
    events = store.audit.events(after_position=before)
    assert [(e.action, e.entity_id, e.detail) for e in events] == [(AuditAction.VIEW, client_id, "door_card")]


def test_opening_the_file_of_a_client_not_stored_audits_nothing(store, injector):
    before = store.audit.count()

    with pytest.raises(NotFound):
        store.open_client_file(new_id(), actor=injector, detail="door_card")

    assert store.audit.count() == before


def test_the_front_desk_timeline_shows_treatment_dates_and_services_without_clinical_detail(
        store, demo, front_desk, manager):
    client_id, treatments = _busiest_client(demo)
    assert any(t.products and t.clinical_notes for t in treatments)

    desk = [e for e in store.client_timeline(client_id, actor=front_desk) if e.kind == "treatment"]
    full = [e for e in store.client_timeline(client_id, actor=manager) if e.kind == "treatment"]

    assert [(e.at, e.record.id, e.record.service_id, e.record.provider_id) for e in desk] == \
        [(e.at, e.record.id, e.record.service_id, e.record.provider_id) for e in full]
    for entry in desk:
        shown: TreatmentRecord = entry.record
        assert entry.clinical_withheld
        assert (shown.products, shown.points, shown.laser, shown.clinical_notes, shown.post_care,
                shown.photo_ids, shown.addenda) == ((), (), (), "", "", (), ())
    by_id = {t.id: t for t in treatments}
    assert all(not e.clinical_withheld and e.record == by_id[e.record.id] for e in full)


def test_the_front_desk_gets_treatments_without_products_or_notes_from_every_read(store, demo, front_desk):
    client_id, treatments = _busiest_client(demo)

    listed = store.treatments_for(client_id, actor=front_desk)
    one = store.treatment(treatments[0].id, actor=front_desk)
    opened = store.open_client_file(client_id, actor=front_desk, detail="door_card").latest_treatments(limit=50)

    for shown in (*listed, one, *opened):
        assert (shown.products, shown.points, shown.clinical_notes, shown.post_care) == ((), (), "", "")
        assert shown.performed_at and shown.service_id
    assert {t.id for t in listed} == {t.id for t in treatments}
