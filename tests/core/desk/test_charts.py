"""Charting is the core's rule: the store itself refuses a chart written or signed by anyone but a provider."""

from __future__ import annotations

import pytest

from medspa_desk.desk import charts
from medspa_desk.protocol import MutationKind
from medspa_desk.records import AuditAction, Role
from medspa_desk.rules import NotPermitted
from tests.support.desk_walk import Scene


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.MANAGER, Role.ADMIN])
def test_the_store_refuses_to_sign_a_chart_for_anyone_but_a_provider(scene: Scene, role: Role) -> None:
    draft = scene.draft_chart()
    charts.save_chart(scene.store, actor=scene.staff[Role.PROVIDER], record=draft)
    someone = scene.staff[role]

    with pytest.raises(NotPermitted, match="Only a provider can chart or sign"):
        scene.store.sign_treatment(draft.id, actor=someone)

    assert not scene.store.treatment(draft.id, actor=scene.staff[Role.PROVIDER]).is_signed
    refused = [e.detail for e in scene.store.audit.events(limit=10_000)
               if e.actor_user_id == someone.user_id and e.action is AuditAction.ACCESS_DENIED]
    assert refused == ["sign_chart"]


def test_the_store_refuses_a_draft_saved_by_the_front_desk(scene: Scene) -> None:
    with pytest.raises(NotPermitted):
        scene.store.save_treatment(scene.draft_chart(), actor=scene.staff[Role.FRONT_DESK])
    assert [m.kind for m in scene.store.outbox_batch(100) if m.kind is MutationKind.TREATMENT_SAVE] == []


def test_a_provider_signs_a_chart_in_one_step(scene: Scene) -> None:
    draft = scene.draft_chart()
    provider = scene.staff[Role.PROVIDER]

    changes = charts.sign_chart(scene.store, actor=provider, record=draft)

    assert changes.clients == frozenset({draft.client_id})
    assert scene.store.treatment(draft.id, actor=provider).is_signed
