"""Communication preferences with their record, call notes, and a visit's price (issue 16 items 2, 12, 15).

All through the desk's use cases on a real SQLCipher store; the server side is in tests/api/test_comms_sync.py.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from medspa_desk.desk import clients, comms, confirmations, practice, visits
from medspa_desk.records import (
    AuditAction,
    Client,
    ConsentSource,
    ContactChannel,
    ContactPurpose,
    Role,
    utc_now,
)
from medspa_desk.store import Immutable
from tests.core.desk.test_confirmations import visit_for
from tests.support.desk_walk import Scene

SMS, CALL, EMAIL = ContactChannel.SMS, ContactChannel.CALL, ContactChannel.EMAIL
VISITS, OFFERS = ContactPurpose.TRANSACTIONAL, ContactPurpose.MARKETING


def texting_client(scene: Scene) -> Client:
    return Client(first_name="Ana", last_name="Ruiz", birth_date=scene.client().birth_date, phone="555-010-1000",
                  sms_opt_in=True, email="ana@example.com", email_opt_in=True)


def test_an_opt_out_takes_the_way_off_the_call_list_at_once_and_stays_on_the_record(scene: Scene) -> None:
    ana = texting_client(scene)
    visit = visit_for(scene, ana)
    day = visit.starts_at.astimezone(scene.location.zone).date()
    desk = scene.staff[Role.FRONT_DESK]
    listed = confirmations.confirmation_list(scene.store, actor=desk, location=scene.location, day=day)
    assert listed[0].reach_by == ("call", "text", "email")
    assert [e.entity_id for e in scene.store.audit.events(limit=10_000)
            if e.action is AuditAction.VIEW and e.detail == "confirmation_calls"] == [ana.id]  # the read audited
    now = utc_now()

    comms.record_contact_preference(scene.store, actor=desk, client_id=ana.id, channel=SMS, purpose=VISITS,
                                    agreed=False, how=ConsentSource.CLIENT_STOP, given_at=now - timedelta(minutes=1))
    comms.record_contact_preference(scene.store, actor=desk, client_id=ana.id, channel=CALL, purpose=VISITS,
                                    agreed=False, how=ConsentSource.VERBAL_AT_DESK, note="Prefers email",
                                    given_at=now)

    listed = confirmations.confirmation_list(scene.store, actor=desk, location=scene.location, day=day)
    assert listed[0].reach_by == ("email",)
    history = comms.contact_history(scene.store, actor=desk, client_id=ana.id)
    assert [(e.channel, e.agreed, e.given_how, e.recorded_by) for e in history] == [
        (CALL, False, ConsentSource.VERBAL_AT_DESK, desk.user_id), (SMS, False, ConsentSource.CLIENT_STOP, desk.user_id)]
    assert {e.text_version for e in history} == {comms.BUILT_IN_VERSION}

    # Agreeing again later is a new entry: the latest governs, the opt-out stays in the history.
    comms.record_contact_preference(scene.store, actor=desk, client_id=ana.id, channel=SMS, purpose=VISITS,
                                    agreed=True, how=ConsentSource.SIGNED_FORM, given_at=now + timedelta(seconds=1),
                                    now=now + timedelta(seconds=1))
    now_says, history = comms.preferences_of(scene.store, actor=desk, client_id=ana.id)
    assert now_says[SMS, VISITS].agreed and not now_says[CALL, VISITS].agreed and not now_says[SMS, OFFERS].agreed
    assert len(history) == 3 and history[0].agreed and history[0].given_how is ConsentSource.SIGNED_FORM
    with pytest.raises(Immutable):
        scene.store.record_contact_consent(history[1], actor=desk)
    created = [e for e in scene.store.audit.events(limit=10_000)
               if e.action is AuditAction.CREATE and e.entity == "contact_consent"]
    assert len(created) == 3 and all(e.actor_user_id == desk.user_id for e in created)


def test_marketing_needs_a_yes_on_record_and_a_published_wording_version_is_recorded(scene: Scene) -> None:
    ana = texting_client(scene)
    scene.store.create_client(ana, actor=scene.staff[Role.FRONT_DESK])
    desk = scene.staff[Role.FRONT_DESK]
    assert comms.may_contact(ana, [], purpose=OFFERS) == ()
    from medspa_desk.desk import forms
    from medspa_desk.records import ConsentTemplate
    forms.publish_consent_version(scene.store, actor=scene.staff[Role.MANAGER], template=ConsentTemplate(
        key=comms.CONSENT_TEMPLATE_KEY, template_version=3, title="Contact preferences", body="Our words."))

    comms.record_contact_preference(scene.store, actor=desk, client_id=ana.id, channel=EMAIL, purpose=OFFERS,
                                    agreed=True, how=ConsentSource.SIGNED_FORM)

    entries = scene.store.contact_consents_for([ana.id], actor=desk)
    assert comms.may_contact(ana, entries, purpose=OFFERS) == ("email",)
    assert entries[0].text_version == "contact_preferences v3"


def test_a_stop_recorded_as_a_yes_or_a_time_ahead_is_refused_in_plain_words_and_audited(scene: Scene) -> None:
    ana = texting_client(scene)
    scene.store.create_client(ana, actor=scene.staff[Role.FRONT_DESK])
    desk = scene.staff[Role.FRONT_DESK]
    with pytest.raises(comms.PreferenceRefused, match="STOP is an opt-out"):
        comms.record_contact_preference(scene.store, actor=desk, client_id=ana.id, channel=SMS, purpose=VISITS,
                                        agreed=True, how=ConsentSource.CLIENT_STOP)
    with pytest.raises(comms.PreferenceRefused, match="in the future"):
        comms.record_contact_preference(scene.store, actor=desk, client_id=ana.id, channel=SMS, purpose=VISITS,
                                        agreed=True, how=ConsentSource.SIGNED_FORM,
                                        given_at=utc_now() + timedelta(days=1))
    refused = [e.detail for e in scene.store.audit.events(limit=10_000)
               if e.outcome == "refused" and e.entity_id == ana.id]
    assert sorted(refused) == ["future", "invalid"]
    assert scene.store.contact_consents_for([ana.id], actor=desk) == []


def test_calls_are_listed_until_followed_up_first_due_first(scene: Scene) -> None:
    desk, now = scene.staff[Role.FRONT_DESK], utc_now()
    client = scene.client()
    comms.log_call(scene.store, actor=desk, caller_name="Jo Park", callback_number="555-010-5000",
                   reason="Asks about filler prices", promised="Call back with a quote", now=now)
    comms.log_call(scene.store, actor=desk, client_id=client.id, caller_name="Maria Lopez",
                   callback_number="555-010-6000", reason="Bruising after Botox", promised="Nurse calls back today",
                   follow_up_due=now + timedelta(hours=2), now=now)

    waiting = comms.calls_to_return(scene.store, actor=desk)
    assert [(c.caller_name, c.client_id) for c in waiting] == [("Maria Lopez", client.id), ("Jo Park", None)]

    comms.mark_followed_up(scene.store, actor=scene.staff[Role.PROVIDER], call_id=waiting[0].id,
                           note="Advised cold compress", now=now + timedelta(hours=1))

    assert [c.caller_name for c in comms.calls_to_return(scene.store, actor=desk)] == ["Jo Park"]
    done = scene.store.calls_for(client.id, actor=desk)[0]
    assert (done.followed_up_by, done.follow_up_note) == (scene.staff[Role.PROVIDER].user_id, "Advised cold compress")
    with pytest.raises(Immutable, match="already followed up"):
        comms.mark_followed_up(scene.store, actor=desk, call_id=done.id)
    actions = [(e.action, e.detail) for e in scene.store.audit.events(limit=10_000) if e.entity == "call_note"]
    assert (AuditAction.CREATE, "new_caller") in actions and (AuditAction.UPDATE, "followed_up") in actions
    # Stored only inside the encrypted store: the words never appear in the file's bytes.
    scene.store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert b"Bruising" not in (scene.folder / "desk.db").read_bytes()


def test_a_call_with_a_bad_number_or_no_reason_is_refused_and_audited(scene: Scene) -> None:
    desk = scene.staff[Role.FRONT_DESK]
    with pytest.raises(comms.CallRefused, match="callback number"):
        comms.log_call(scene.store, actor=desk, caller_name="Jo Park", callback_number="12", reason="Prices")
    with pytest.raises(comms.CallRefused, match="reason for the call is empty"):
        comms.log_call(scene.store, actor=desk, caller_name="Jo Park", callback_number="555-010-5000", reason=" ")
    with pytest.raises(comms.CallRefused, match="already passed"):
        comms.log_call(scene.store, actor=desk, caller_name="Jo Park", reason="Prices",
                       follow_up_due=utc_now() - timedelta(hours=1))
    assert len([e for e in scene.store.audit.events(limit=10_000)
                if e.entity == "call_note" and e.outcome == "refused"]) == 3
    assert comms.calls_to_return(scene.store, actor=desk) == ()


def test_a_visit_keeps_the_price_it_was_booked_at(scene: Scene) -> None:
    manager, desk = scene.staff[Role.MANAGER], scene.staff[Role.FRONT_DESK]
    practice.set_up_practice(scene.store, actor=manager, record=scene.botox.model_copy(update={"price_cents": 45000}))
    visit = visit_for(scene, Client(first_name="Bo", last_name="Lin", birth_date=scene.client().birth_date))
    assert scene.store.appointment(visit.id).price_cents == 45000

    practice.set_up_practice(scene.store, actor=manager, record=scene.botox.model_copy(
        update={"price_cents": 52000, "version": 2}))
    visits.reschedule_visit(scene.store, actor=desk, visit_id=visit.id, starts_at=visit.starts_at + timedelta(hours=1),
                            ends_at=visit.ends_at + timedelta(hours=1), provider_id=visit.provider_id,
                            room_id=visit.room_id, confirmed=True)

    assert scene.store.appointment(visit.id).price_cents == 45000


def test_the_clients_record_export_carries_every_yes_and_no(scene: Scene) -> None:
    ana = texting_client(scene)
    desk, manager = scene.staff[Role.FRONT_DESK], scene.staff[Role.MANAGER]
    scene.store.create_client(ana, actor=desk)
    comms.record_contact_preference(scene.store, actor=desk, client_id=ana.id, channel=SMS, purpose=OFFERS, agreed=True,
                                    how=ConsentSource.SIGNED_FORM, given_at=utc_now() - timedelta(days=2))
    comms.record_contact_preference(scene.store, actor=desk, client_id=ana.id, channel=SMS, purpose=OFFERS,
                                    agreed=False, how=ConsentSource.CLIENT_STOP)

    pdf_path, _fhir = clients.export_client_record(scene.store, actor=manager, client_id=ana.id,
                                                   location=scene.location, pdf_path=scene.folder / "ana.pdf")

    words = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_path.read_bytes())).pages).split())
    assert "Communication preferences" in words
    assert "signed form" in words and "client's own STOP" in words and words.count("offers and news") == 2
