"""The practice's set-up from the desk: what a manager types is read and checked field by field, saved
and audited (or refused and audited); rooms, providers, services and products are deactivated, never
deleted; a renamed service leaves old visits with the name they were booked under."""

from __future__ import annotations

from datetime import time

import pytest

from medspa_desk.desk import practice, visits
from medspa_desk.desk.practice import (
    SetupRefused,
    save_setup,
    set_active,
    setup_lists,
    setup_progress,
)
from medspa_desk.protocol import MutationKind
from medspa_desk.records import AuditAction, Role, booked_service_name
from medspa_desk.rules import NotPermitted
from tests.support.desk_walk import Scene


def refusals(scene: Scene, entity: str) -> list[str]:
    return [e.detail for e in scene.store.audit.events(limit=100_000)
            if e.entity == entity and e.outcome == "refused"]


def test_a_bad_service_form_is_refused_with_a_plain_message_per_field_audited_and_nothing_saved(scene: Scene) -> None:
    before = [s.id for s in scene.store.services()]
    with pytest.raises(SetupRefused) as refused:
        save_setup(scene.store, actor=scene.staff[Role.MANAGER], entity="service", form={
            "name": " ", "category": "neurotoxin", "duration_min": "half an hour", "price": "-5",
            "color": "blue", "consents": ["neurotoxin"], "consent_valid_days": "0"})

    assert refused.value.by_field == {
        "name": "Type a name.",
        "duration_min": "Type a whole number.",
        "price": "Type a price from 0 to 10,000,000 (dollars and cents, like 450.00).",
        "consent_valid_days": "Type a number of days from 1 to 3650 (ten years).",
        "color": 'Type a colour as # and six hex digits, like "#4a7bd0".',
    }
    assert [s.id for s in scene.store.services()] == before
    assert refusals(scene, "service") == ["invalid: color, consent_valid_days, duration_min, name, price"]


def test_a_location_form_names_each_wrong_field(scene: Scene) -> None:
    with pytest.raises(SetupRefused) as refused:
        save_setup(scene.store, actor=scene.staff[Role.MANAGER], entity="location", record_id=scene.location.id,
                   form={"name": "Main Street", "time_zone": "Mars/Olympus", "hours_monday": "nine to five",
                         "hours_tuesday": "17:00-09:00", "idle_lock_minutes": "90", "intake_valid_months": "12"})
    assert refused.value.by_field == {
        "hours_monday": 'Type the hours as "09:00-17:00", or leave it empty for closed.',
        "hours_tuesday": "The closing time must be after the opening time.",
        "time_zone": 'Choose a time zone from the list, like "America/New_York".',
        "idle_lock_minutes": "Type a number up to 60.",
    }
    assert scene.store.locations()[0].opening_hours == ()


def test_a_service_is_saved_from_its_form_audited_and_queued_for_the_server(scene: Scene) -> None:
    saved = save_setup(scene.store, actor=scene.staff[Role.MANAGER], entity="service", form={
        "name": "Lip filler", "category": "dermal_filler", "duration_min": "45", "buffer_before_min": "5",
        "buffer_after_min": "10", "room_kinds": "treatment, treatment, laser", "provider_kinds": ["injector"],
        "consents": ["dermal_filler"], "consent_valid_days": "180", "requires_intake": True,
        "price": "$650.50", "color": "#aa3366"})
    service = next(s for s in scene.store.services() if s.name == "Lip filler")
    assert service == saved.record
    assert (service.duration_min, service.buffer_before_min, service.buffer_after_min) == (45, 5, 10)
    assert service.room_kinds == ("treatment", "laser") and service.price_cents == 65050
    assert [(c.template_key, c.valid_days) for c in service.consents] == [("dermal_filler", 180)]
    created = [e for e in scene.store.audit.events(limit=100_000) if e.entity_id == service.id]
    assert [e.action for e in created] == [AuditAction.CREATE]
    queued = [m for m in scene.store.outbox_batch(1000) if m.entity_id == service.id]
    assert [m.kind for m in queued] == [MutationKind.REFERENCE_UPSERT]
    # The form shows what was saved, as it was typed.
    shown = practice.form_of(service, setup_lists(scene.store, actor=scene.staff[Role.MANAGER]))
    assert shown["price"] == "650.50" and shown["room_kinds"] == "treatment, laser"


def test_two_services_may_not_share_a_name(scene: Scene) -> None:
    with pytest.raises(SetupRefused) as refused:
        save_setup(scene.store, actor=scene.staff[Role.MANAGER], entity="service",
                   form={"name": "botox", "category": "neurotoxin", "duration_min": "30"})
    assert "choose a different name" in refused.value.by_field["name"]


def test_a_provider_and_their_week_are_saved_together_or_not_at_all(scene: Scene) -> None:
    manager = scene.staff[Role.MANAGER]
    form = {"display_name": "Ana Ruiz", "credentials": "RN", "kind": "injector", "color": "#336699",
            "shift_location_id": str(scene.location.id), "shift_monday": "9:00-17:00",
            "shift_wednesday": "12:00-11:00"}
    with pytest.raises(SetupRefused) as refused:
        save_setup(scene.store, actor=manager, entity="provider", form=form)
    assert refused.value.by_field == {"shift_wednesday": "The closing time must be after the opening time."}
    assert [p.display_name for p in scene.store.providers()] == ["Dana Reyes"] and scene.store.shifts() == []

    saved = save_setup(scene.store, actor=manager, entity="provider", form={**form, "shift_wednesday": "12:00-20:00"})
    week = {s.weekday: (s.starts, s.ends) for s in scene.store.shifts() if s.provider_id == saved.record.id}
    assert week == {0: (time(9), time(17)), 2: (time(12), time(20))}

    # Monday taken off the week, Wednesday moved: the rest stays.
    lists = setup_lists(scene.store, actor=manager)
    shown = practice.form_of(saved.record, lists)
    assert shown["shift_monday"] == "09:00-17:00"
    save_setup(scene.store, actor=manager, entity="provider", record_id=saved.record.id,
               form={**shown, "shift_monday": "", "shift_wednesday": "13:00-20:00"})
    week = {s.weekday: (s.starts, s.ends) for s in scene.store.shifts() if s.provider_id == saved.record.id}
    assert week == {2: (time(13), time(20))}


def test_the_front_desk_may_not_change_the_set_up_and_the_refusal_is_audited(scene: Scene) -> None:
    desk = scene.staff[Role.FRONT_DESK]
    with pytest.raises(NotPermitted, match="Only a manager or an admin can change the practice's set-up"):
        save_setup(scene.store, actor=desk, entity="room", form={"name": "Room 3"})
    with pytest.raises(NotPermitted):
        set_active(scene.store, actor=desk, entity="room", record_id=scene.room1.id, active=False)
    denied = [e for e in scene.store.audit.events(limit=100_000)
              if e.actor_user_id == desk.user_id and e.action is AuditAction.ACCESS_DENIED]
    assert [e.detail for e in denied] == ["set_up_practice", "set_up_practice"]
    assert [r.name for r in scene.store.rooms(scene.location.id)] == ["Room 1", "Room 2"]


def test_a_renamed_and_deactivated_service_leaves_booked_visits_as_they_were(scene: Scene) -> None:
    manager = scene.staff[Role.MANAGER]
    visit = scene.booked()
    lists = setup_lists(scene.store, actor=manager)
    save_setup(scene.store, actor=manager, entity="service", record_id=scene.botox.id,
               form={**practice.form_of(scene.botox, lists), "name": "Botox Cosmetic"})
    set_active(scene.store, actor=manager, entity="service", record_id=scene.botox.id, active=False)

    services = {s.id: s for s in scene.store.services()}
    assert services[scene.botox.id].name == "Botox Cosmetic" and not services[scene.botox.id].active
    kept = scene.store.appointment(visit.id)
    assert kept.service_name == "Botox" and booked_service_name(kept, services) == "Botox"

    set_active(scene.store, actor=manager, entity="service", record_id=scene.botox.id, active=True)
    later = scene.next_visit(scene.client())
    visits.book_visit(scene.store, actor=scene.staff[Role.FRONT_DESK], visit=later, confirmed=True)
    assert scene.store.appointment(later.id).service_name == "Botox Cosmetic"


def test_the_assistant_reads_where_the_practice_stands_from_what_it_has(scene: Scene) -> None:
    manager = scene.staff[Role.MANAGER]
    steps = {s.key: s for s in setup_progress(scene.store, actor=manager)}
    assert not steps["location"].done and steps["rooms"].done and not steps["providers"].done
    assert steps["providers"].summary == "1 provider, 0 with shifts"
    assert not practice.needs_setup(scene.store)

    lists = setup_lists(scene.store, actor=manager)
    save_setup(scene.store, actor=manager, entity="location", record_id=scene.location.id,
               form={**practice.form_of(scene.location, lists), "hours_monday": "09:00-19:00"})
    for room in (scene.room1, scene.room2):
        set_active(scene.store, actor=manager, entity="room", record_id=room.id, active=False)
    steps = {s.key: s for s in setup_progress(scene.store, actor=manager)}
    assert steps["location"].done and not steps["rooms"].done
    assert practice.needs_setup(scene.store)
