"""Intake and consent: submit a questionnaire, sign a consent, publish a consent version, override a missing form."""

from __future__ import annotations

from uuid import UUID

from medspa_desk.documents.gating import CheckInStatus, override
from medspa_desk.records import (
    Appointment,
    AuditAction,
    AuditEvent,
    ConsentTemplate,
    IntakeForm,
    SignedConsent,
    User,
)
from medspa_desk.rules import UseCase
from medspa_desk.store import Changes, Store
from medspa_desk.store.actor import Actor


def submit_intake(store: Store, *, actor: Actor, intake: IntakeForm) -> Changes:
    store.permit(actor, UseCase.SUBMIT_INTAKE, entity=IntakeForm.entity, entity_id=intake.id)
    return store.submit_intake(intake, actor=actor)


def sign_consent(store: Store, *, actor: Actor, consent: SignedConsent) -> Changes:
    store.permit(actor, UseCase.SIGN_CONSENT, entity=SignedConsent.entity, entity_id=consent.id)
    return store.sign_consent(consent, actor=actor)


def publish_consent_version(store: Store, *, actor: Actor, template: ConsentTemplate) -> Changes:
    """Publish new wording as the next version; forms already signed keep theirs."""
    store.permit(actor, UseCase.PUBLISH_CONSENT_VERSION, entity=ConsentTemplate.entity, entity_id=template.id)
    return store.put_reference(template.model_copy(update={"published_by": actor.user_id}), actor=actor)


def override_missing_form(store: Store, *, actor: Actor, provider: User, status: CheckInStatus,
                          visit_id: UUID, reason: str) -> CheckInStatus:
    """Let a blocked client through on a provider's say-so; audited with ids, never the reason (it may hold PHI)."""
    store.permit(actor, UseCase.OVERRIDE_MISSING_FORM, entity=Appointment.entity, entity_id=visit_id)
    overridden = override(status, by_provider=provider, reason=reason)
    with store.transaction():
        store.audit.record(AuditEvent(actor_user_id=actor.user_id, device_id=actor.device_id,
                                      action=AuditAction.OVERRIDE, entity=Appointment.entity, entity_id=visit_id,
                                      detail="check_in_requirements_overridden"))
    return overridden
