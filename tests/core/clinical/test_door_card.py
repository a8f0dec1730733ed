from __future__ import annotations

from datetime import timedelta

from medspa_desk.clinical.door_card import load_door_card
from medspa_desk.documents.questionnaire import build_intake, shipped_questionnaire
from medspa_desk.records import AuditAction, ServiceCategory, utc_now
from tests.core.documents.samples import healthy_answers


def _regular(demo):
    """A client with several charted neurotoxin visits and one more appointment after them."""
    services = {s.id: s for s in demo.services}
    by_client: dict = {}
    for t in demo.treatments:
        if services[t.service_id].category is ServiceCategory.NEUROTOXIN:
            by_client.setdefault(t.client_id, []).append(t)
    client_id, treatments = max(by_client.items(), key=lambda kv: len(kv[1]))
    latest = max(treatments, key=lambda t: t.performed_at)
    # The visit the card is opened for is itself a neurotoxin visit: the flags a card shows
    # depend on the day's services, and the demo practice (built around the real date) may
    # give the client another kind of visit later on.
    later = [a for a in demo.appointments if a.client_id == client_id and a.starts_at > latest.performed_at
             and services[a.service_id].category is ServiceCategory.NEUROTOXIN]
    appt = min(later, key=lambda a: a.starts_at) if later else next(
        a for a in demo.appointments if a.id == latest.appointment_id)
    return appt, sorted(treatments, key=lambda t: t.performed_at, reverse=True)


def test_the_injector_sees_last_treatments_with_lots_and_last_notes_in_one_audited_view(store, demo, injector):
    appt, _newest = _regular(demo)
    before = store.audit.count()

    card = load_door_card(store, appointment_id=appt.id, actor=injector, location=demo.location)

    shown = [v for v in card.visits]
    all_for_client = [t for t in demo.treatments if t.client_id == appt.client_id and t.appointment_id != appt.id]
    newest = sorted(all_for_client, key=lambda t: (int(t.performed_at.timestamp()), str(t.id)), reverse=True)
    assert [v.treatment_id for v in shown] == [t.id for t in newest[:5]]
    first = newest[0]
    assert [(u.product_name, u.amount, u.area, u.lot) for u in shown[0].uses] == \
        [(u.product_name, u.amount, u.area, u.lot) for u in first.products]
    assert card.last_notes == first.clinical_notes and card.clinical and card.may_chart
    events = store.audit.events(after_position=before)
    assert [(e.action, e.entity, e.entity_id, e.detail) for e in events] == \
        [(AuditAction.VIEW, "client", appt.client_id, "door_card")]


def test_the_front_desk_sees_dates_and_services_but_no_products_or_notes(store, demo, front_desk):
    appt, _ = _regular(demo)
    card = load_door_card(store, appointment_id=appt.id, actor=front_desk, location=demo.location)
    assert card.visits and all(v.service_name and v.performed_at for v in card.visits)
    assert all(v.uses == () and v.laser == () for v in card.visits)
    assert card.last_notes is None and card.last_post_care is None
    assert not card.clinical and not card.may_chart


def test_the_card_shows_contraindication_flags_and_todays_forms(store, demo, injector, manager):
    appt, _ = _regular(demo)
    client = next(c for c in demo.clients if c.id == appt.client_id)
    now = appt.starts_at - timedelta(minutes=5)
    intake = build_intake(shipped_questionnaire(), client=client, signer_name=client.full_name,
                          answers=healthy_answers(blood_thinners=True, blood_thinner_names=["aspirin"]),
                          submitted_at=min(now, utc_now()).astimezone(demo.location.zone))
    store.submit_intake(intake, actor=manager)

    card = load_door_card(store, appointment_id=appt.id, actor=injector, location=demo.location, now=now)

    assert any("blood thinner" in flag.lower() or "bleed" in flag.lower() for flag in card.flags), card.flags
    assert not any("questionnaire" in p for p in card.form_problems)
