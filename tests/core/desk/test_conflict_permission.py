"""Resolving a conflict follows the clinic's table: a role that may not is refused, and the refusal audited."""

from __future__ import annotations

import pytest

from medspa_desk.desk.conflicts import Choice, resolve_conflict
from medspa_desk.records import AuditAction, Role
from medspa_desk.rules import NotPermitted, UseCase, may
from medspa_desk.store.inbox import CONFLICT_ENTITY
from tests.support.desk_walk import Scene


def test_an_admin_may_not_resolve_a_conflict_and_the_refusal_is_audited(scene: Scene) -> None:
    assert not may(Role.ADMIN, UseCase.RESOLVE_CONFLICT)
    entry = scene.conflict()
    admin = scene.staff[Role.ADMIN]

    with pytest.raises(NotPermitted, match="Only the front desk, a provider or the manager can resolve a sync"):
        resolve_conflict(scene.store, entry.id, choice=Choice.DISCARD, actor=admin)

    assert [c.id for c in scene.store.conflicts()] == [entry.id]  # still open, nothing changed
    refused = [e for e in scene.store.audit.events(limit=10_000) if e.actor_user_id == admin.user_id]
    assert [(e.action, e.entity, e.entity_id, e.outcome, e.detail) for e in refused] == [
        (AuditAction.ACCESS_DENIED, CONFLICT_ENTITY, entry.id, "refused", UseCase.RESOLVE_CONFLICT.value)]


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.PROVIDER, Role.MANAGER], ids=lambda r: r.value)
def test_the_clinical_staff_resolve_a_conflict(scene: Scene, role: Role) -> None:
    entry = scene.conflict()

    resolve_conflict(scene.store, entry.id, choice=Choice.DISCARD, actor=scene.staff[role])

    assert scene.store.conflicts() == []
