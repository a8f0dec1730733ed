"""Every status step the table allows, as its own use case; a step it refuses says why and is audited."""

from __future__ import annotations

import pytest

from medspa_desk.desk import visit_steps, visits
from medspa_desk.records import AppointmentStatus, AuditAction, Role, new_id
from medspa_desk.rules import UseCase
from medspa_desk.store import NotAllowed, SlotTaken
from tests.support.desk_walk import Scene


def refused_steps(scene: Scene, visit_id: object) -> list[str]:
    return [e.detail for e in scene.store.audit.events(limit=100_000)
            if e.entity_id == visit_id and e.outcome == "refused"]


def test_a_booked_visit_is_confirmed_and_an_arrival_made_by_mistake_is_undone_to_confirmed(scene: Scene) -> None:
    desk = scene.staff[Role.FRONT_DESK]
    visit = scene.booked()

    visits.confirm_visit(scene.store, actor=desk, visit_id=visit.id)
    visits.check_in(scene.store, actor=desk, visit_id=visit.id)
    visits.undo_arrival(scene.store, actor=desk, visit_id=visit.id)

    assert scene.store.appointment(visit.id).status is AppointmentStatus.CONFIRMED
    statuses = [e.detail for e in scene.store.audit.events(limit=100_000)
                if e.entity_id == visit.id and e.action is AuditAction.UPDATE]
    assert statuses == ["status: confirmed", "status: arrived", "status: confirmed"]


def test_a_no_show_marked_by_mistake_goes_back_on_the_books(scene: Scene) -> None:
    visit = scene.no_show()

    visits.undo_no_show(scene.store, actor=scene.staff[Role.FRONT_DESK], visit_id=visit.id)

    assert scene.store.appointment(visit.id).status is AppointmentStatus.BOOKED
    assert scene.store.outbox_batch(1000)[-1].payload["status"] == "booked"


def test_undoing_an_arrival_that_never_happened_is_refused_with_the_reason_and_audited(scene: Scene) -> None:
    visit = scene.booked()
    queued = scene.store.outbox_count()

    with pytest.raises(NotAllowed, match=r"This visit is booked, not arrived: there is nothing to undo\."):
        visits.undo_arrival(scene.store, actor=scene.staff[Role.FRONT_DESK], visit_id=visit.id)

    assert scene.store.appointment(visit.id).status is AppointmentStatus.BOOKED
    assert scene.store.outbox_count() == queued
    assert refused_steps(scene, visit.id) == ["undo_arrival: refused"]


def test_confirming_a_completed_visit_is_refused_as_the_table_says_and_audited(scene: Scene) -> None:
    desk = scene.staff[Role.FRONT_DESK]
    visit = scene.arrived()
    visits.complete_visit(scene.store, actor=desk, visit_id=visit.id)

    with pytest.raises(NotAllowed, match=r"A visit that is completed cannot become confirmed\."):
        visits.confirm_visit(scene.store, actor=desk, visit_id=visit.id)

    assert refused_steps(scene, visit.id) == ["confirm_visit: refused"]


def test_a_no_show_whose_slot_was_booked_again_cannot_be_undone_and_the_refusal_is_audited(scene: Scene) -> None:
    desk = scene.staff[Role.FRONT_DESK]
    visit = scene.no_show()
    same_slot = visit.model_copy(update={"id": new_id(), "client_id": scene.client().id,
                                         "status": AppointmentStatus.BOOKED, "history": ()})
    visits.book_visit(scene.store, actor=desk, visit=same_slot, confirmed=True)

    with pytest.raises(SlotTaken):
        visits.undo_no_show(scene.store, actor=desk, visit_id=visit.id)

    assert scene.store.appointment(visit.id).status is AppointmentStatus.NO_SHOW
    assert refused_steps(scene, visit.id) == ["undo_no_show: refused"]


def test_the_schedule_menu_offers_each_step_with_the_reason_when_the_table_says_no() -> None:
    arrived = {c.label: c for c in visit_steps.step_choices(Role.FRONT_DESK, AppointmentStatus.ARRIVED)}
    completed = {c.label: c for c in visit_steps.step_choices(Role.FRONT_DESK, AppointmentStatus.COMPLETED)}
    as_admin = visit_steps.step_choices(Role.ADMIN, AppointmentStatus.BOOKED)

    assert arrived["Undo arrived"].allowed
    assert not arrived["Mark confirmed"].allowed and not arrived["Undo no-show"].allowed
    assert arrived["Mark no-show"].why_not == "A visit that is arrived cannot become no show."
    assert completed["Mark no-show"].why_not == "A visit that is completed cannot become no show."
    assert all(not choice.allowed and choice.why_not.startswith("Only the front desk") for choice in as_admin)


def test_a_step_picked_from_the_menu_runs_its_own_use_case(scene: Scene) -> None:
    visit = scene.booked()
    desk = scene.staff[Role.FRONT_DESK]

    visit_steps.take_step(scene.store, actor=desk, visit_id=visit.id, use_case=UseCase.CONFIRM_VISIT)
    with pytest.raises(NotAllowed):  # the menu was drawn before the other desk confirmed it
        visit_steps.take_step(scene.store, actor=desk, visit_id=visit.id, use_case=UseCase.CONFIRM_VISIT)

    assert scene.store.appointment(visit.id).status is AppointmentStatus.CONFIRMED
    assert refused_steps(scene, visit.id) == ["confirm_visit: refused"]
