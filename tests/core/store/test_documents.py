from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from medspa_desk.records import (
    Addendum,
    IntakeForm,
    Role,
    Signature,
    SignedConsent,
    TreatmentRecord,
    content_hash,
)
from medspa_desk.store import Actor, Immutable, InvalidChange

SIGNATURE = Signature(width=300, height=100, strokes=(((1, 1), (40, 30)),))


def intake_for(client_id, at: datetime) -> IntakeForm:
    draft = IntakeForm.model_construct(client_id=client_id, questionnaire_id="health", questionnaire_version=1,
                                       answers={"pregnant": False}, submitted_at=at, signer_name="M L",
                                       signature=SIGNATURE)
    return IntakeForm(client_id=client_id, questionnaire_id="health", questionnaire_version=1,
                      answers={"pregnant": False}, submitted_at=at, signer_name="M L",
                      signature=SIGNATURE, content_sha256=content_hash(draft.signed_content()))


def consent_for(client_id, at: datetime, template_id) -> SignedConsent:
    fields = dict(client_id=client_id, template_id=template_id, template_key="neurotoxin",
                  template_version=1, title="Neurotoxin consent", body="I agree.", signer_name="M L",
                  signature=SIGNATURE, signed_at=at)
    draft = SignedConsent.model_construct(**fields, witness_name="")
    return SignedConsent(**fields, content_sha256=content_hash(draft.signed_content()))


def treatment_for(practice, client_id, at: datetime) -> TreatmentRecord:
    return TreatmentRecord(client_id=client_id, provider_id=practice.injector.id,
                           service_id=practice.botox.id, performed_at=at, clinical_notes="glabella 20u")


def test_timeline_lists_every_kind_newest_first_and_is_audited(practice, actor: Actor) -> None:
    client = practice.client()
    day = date(2025, 6, 10)
    appt = practice.appointment(client, day=day, hour=10)
    practice.store.book(appt, actor=actor)
    intake = intake_for(client.id, appt.starts_at - timedelta(minutes=20))
    consent = consent_for(client.id, appt.starts_at - timedelta(minutes=10), practice.botox.id)
    treatment = treatment_for(practice, client.id, appt.starts_at + timedelta(minutes=5))
    practice.store.submit_intake(intake, actor=actor)
    practice.store.sign_consent(consent, actor=actor)
    practice.store.save_treatment(treatment, actor=as_provider(actor))
    views_before = practice.store.audit.count()

    timeline = practice.store.client_timeline(client.id, actor=actor)

    assert [(e.kind, e.record_id) for e in timeline] == [
        ("treatment", treatment.id), ("appointment", appt.id), ("consent", consent.id),
        ("intake", intake.id)]
    assert practice.store.audit.count() == views_before + 1


def test_signed_consents_and_intakes_cannot_be_saved_again(practice, actor: Actor) -> None:
    client = practice.client()
    now = datetime.now(UTC)
    intake = intake_for(client.id, now)
    consent = consent_for(client.id, now, practice.botox.id)
    practice.store.submit_intake(intake, actor=actor)
    practice.store.sign_consent(consent, actor=actor)

    with pytest.raises(Immutable):
        practice.store.submit_intake(intake, actor=actor)
    with pytest.raises(Immutable):
        practice.store.sign_consent(consent, actor=actor)


def test_a_consent_whose_text_does_not_match_its_checksum_is_refused(practice, actor: Actor) -> None:
    client = practice.client()
    consent = consent_for(client.id, datetime.now(UTC), practice.botox.id)
    tampered = consent.model_copy(update={"body": "I agree to nothing."})

    with pytest.raises(InvalidChange, match="checksum"):
        practice.store.sign_consent(tampered, actor=actor)
    assert practice.store.consents_for(client.id, actor=actor) == []


def as_provider(actor: Actor) -> Actor:
    """The same person as a provider: only providers chart (medspa_desk.rules)."""
    return Actor(user_id=actor.user_id, device_id=actor.device_id, role=Role.PROVIDER)


def test_a_signed_treatment_only_gains_addenda(practice, actor: Actor) -> None:
    desk_actor, actor = actor, as_provider(actor)
    client = practice.client()
    draft = treatment_for(practice, client.id, datetime.now(UTC))
    practice.store.save_treatment(draft, actor=actor)
    practice.store.save_treatment(draft.model_copy(update={"clinical_notes": "glabella 24u"}), actor=actor)

    practice.store.sign_treatment(draft.id, actor=actor)
    with pytest.raises(Immutable):
        practice.store.save_treatment(draft, actor=actor)
    note = "Lot number corrected"
    practice.store.add_addendum(draft.id, Addendum(
        author_user_id=actor.user_id, author_name="Dana", written_at=datetime.now(UTC), text=note,
        content_sha256=content_hash({"text": note})), actor=actor)

    signed = practice.store.treatment(draft.id, actor=actor)
    assert signed.is_signed and signed.clinical_notes == "glabella 24u"
    assert signed.content_sha256 == content_hash(signed.signed_content())
    assert [a.text for a in signed.addenda] == [note]
    kinds = [m.kind.value for m in practice.store.outbox_batch(100)][-4:]
    assert kinds == ["treatment.save", "treatment.save", "treatment.sign", "treatment.addendum"]
    assert practice.store.treatment(draft.id, actor=desk_actor).clinical_notes == "", \
        "the store gives the front desk treatments without their notes"
