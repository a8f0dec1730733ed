"""Override a missing form and publish a consent version: the table decides, the core audits."""

from __future__ import annotations

from datetime import date

import pytest

from medspa_desk.desk import forms
from medspa_desk.documents.gating import CheckInItem, CheckInStatus, ItemKind, OverrideRefused
from medspa_desk.records import AuditAction, ConsentTemplate, Role, User, new_id
from medspa_desk.rules import NotPermitted
from medspa_desk.store import Actor
from tests.support.desk_walk import Scene


def fresh(role: Role) -> Actor:
    """Someone who has done nothing on this desk yet, so their audit lines are the test's alone."""
    return Actor(user_id=new_id(), device_id=new_id(), role=role)


def person(actor: Actor) -> User:
    return User(id=actor.user_id, username="dana", display_name="Dana Reyes", role=actor.role)


def blocked(client_id) -> CheckInStatus:
    return CheckInStatus(client_id=client_id, day=date(2099, 1, 6), items=(
        CheckInItem(kind=ItemKind.INTAKE_MISSING, message="No health questionnaire.", blocks=True),))


def audit_of(scene: Scene, actor: Actor) -> list[tuple[AuditAction, str]]:
    return [(e.action, e.detail) for e in scene.store.audit.events(limit=10_000) if e.actor_user_id == actor.user_id]


def test_a_provider_override_is_audited_with_ids_and_never_the_reason(scene: Scene) -> None:
    provider, visit = fresh(Role.PROVIDER), scene.booked()

    status = forms.override_missing_form(scene.store, actor=provider, provider=person(provider),
                                         status=blocked(visit.client_id), visit_id=visit.id,
                                         reason="Questionnaire taken on paper")

    assert status.override is not None and not status.blocked
    assert audit_of(scene, provider) == [(AuditAction.OVERRIDE, "check_in_requirements_overridden")]


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.MANAGER, Role.ADMIN])
def test_only_a_provider_may_override_and_a_refusal_is_audited(scene: Scene, role: Role) -> None:
    someone, visit = fresh(role), scene.booked()

    with pytest.raises(NotPermitted, match="Only a provider can let a client through"):
        forms.override_missing_form(scene.store, actor=someone, provider=person(someone),
                                    status=blocked(visit.client_id), visit_id=visit.id, reason="Paper form")

    assert audit_of(scene, someone) == [(AuditAction.ACCESS_DENIED, "override_missing_form")]


def test_an_override_without_a_reason_is_refused_and_nothing_is_audited(scene: Scene) -> None:
    provider, visit = fresh(Role.PROVIDER), scene.booked()

    with pytest.raises(OverrideRefused, match="Say why"):
        forms.override_missing_form(scene.store, actor=provider, provider=person(provider),
                                    status=blocked(visit.client_id), visit_id=visit.id, reason="  ")

    assert audit_of(scene, provider) == []


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_a_manager_or_an_admin_publishes_a_consent_version_in_their_own_name(scene: Scene, role: Role) -> None:
    publisher = fresh(role)
    template = ConsentTemplate(key="filler", template_version=2, title="Filler consent", body="Our words.")

    forms.publish_consent_version(scene.store, actor=publisher, template=template)

    [stored] = [t for t in scene.store.consent_templates("filler") if t.id == template.id]
    assert stored.published_by == publisher.user_id
    [queued] = [m for m in scene.store.outbox_batch(1000) if m.entity_id == template.id]
    assert queued.kind.value == "consent_template.publish"
