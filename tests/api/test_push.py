"""Push semantics on the live API: replays, rejections, double bookings, merges, insert-only documents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_desk.protocol import MAX_MUTATION_BYTES, DoubleBooking, MutationResult
from medspa_desk.records import (
    Addendum,
    ConsentTemplate,
    IntakeForm,
    Role,
    TreatmentRecord,
    content_hash,
    new_id,
)
from tests.api.desk import (
    Desk,
    appointment_for,
    book,
    create_client,
    free_slot_start,
    mutation,
    new_client,
)
from tests.support.live_api import LiveApi


def test_replayed_mutation_returns_the_stored_answer_and_applies_once(desk: Desk) -> None:
    create = create_client(new_client())
    first = desk.push_ok(create)[0]
    again = desk.push_ok(create)[0]
    assert first["outcome"] == "applied"
    assert again == first


def test_same_mutation_id_with_a_different_body_is_refused(desk: Desk) -> None:
    create = create_client(new_client())
    desk.push_ok(create)
    altered = {**create, "payload": {**create["payload"], "first_name": "Changed"}}
    result = desk.push_ok(altered)[0]
    assert result["outcome"] == "rejected"
    assert result["code"] == "mutation_id_reused"


def test_a_rejected_mutation_does_not_block_the_rest_of_the_batch(desk: Desk) -> None:
    bad = mutation("client.update", "client", new_id(), {"changes": {"phone": "555-123-4567"}, "base": {}})
    good = create_client(new_client())
    results = desk.push_ok(bad, good)
    assert [r["outcome"] for r in results] == ["rejected", "applied"]
    assert results[0]["code"] == "not_found"
    assert results[0]["current"] is None


def test_two_desks_booking_one_slot_get_one_booking_and_one_conflict(live_api: LiveApi) -> None:
    start = free_slot_start()
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as first, \
            Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as second:
        client = new_client()
        first.push_ok(create_client(client))
        mine = appointment_for(live_api.tenant, client.id, starts_at=start)
        theirs = appointment_for(live_api.tenant, client.id, starts_at=start + timedelta(minutes=15))
        won = first.push_ok(book(mine))[0]
        lost = second.push_ok(book(theirs))[0]
    assert won["outcome"] == "applied"
    assert lost["outcome"] == "conflict"
    assert lost["code"] == "slot_taken"
    assert lost["current"] is None, "the server holds no copy of a refused booking"
    detail = MutationResult.model_validate(lost).detail
    assert isinstance(detail, DoubleBooking), "the desk reads the detail with the class the server built it with"
    assert detail.holder is not None and detail.holder.id == mine.id
    assert detail.refused is not None and detail.refused.id == theirs.id
    with live_api.database.transaction(live_api.tenant.id) as conn:
        import sqlalchemy as sa

        kept = conn.execute(sa.text("SELECT entity_id, holder_id FROM conflicts WHERE mutation_id = :m"),
                            {"m": lost["mutation_id"] if live_api.backend == "postgresql"
                             else lost["mutation_id"].replace("-", "")}).first()
    assert kept is not None, "the losing booking must be kept as a conflict record"


def test_a_refused_move_answers_with_the_appointment_as_the_server_holds_it_and_the_holder(
        desk: Desk, live_api: LiveApi) -> None:
    client = new_client()
    start = free_slot_start()
    moving = appointment_for(live_api.tenant, client.id, starts_at=start)
    holder = appointment_for(live_api.tenant, client.id, starts_at=start + timedelta(hours=2))
    desk.push_ok(create_client(client), book(moving), book(holder))
    move = mutation("appointment.reschedule", "appointment", moving.id,
                    {"starts_at": holder.starts_at.isoformat(), "ends_at": holder.ends_at.isoformat(),
                     "provider_id": str(holder.provider_id), "room_id": str(holder.room_id)}, base_version=1)
    [lost] = desk.push_ok(move)
    assert (lost["outcome"], lost["code"]) == ("conflict", "slot_taken")
    assert lost["current"]["id"] == str(moving.id)
    assert (lost["current"]["starts_at"], lost["current"]["version"]) == (moving.to_json()["starts_at"], 1)
    assert "holder" not in lost["current"]
    assert lost["detail"]["kind"] == "double_booking" and lost["detail"]["holder"]["id"] == str(holder.id)


def test_a_cancelled_appointment_frees_its_slot(desk: Desk, live_api: LiveApi) -> None:
    client = new_client()
    desk.push_ok(create_client(client))
    start = free_slot_start()
    first = appointment_for(live_api.tenant, client.id, starts_at=start)
    assert desk.push_ok(book(first))[0]["outcome"] == "applied"
    cancel = mutation("appointment.cancel", "appointment", first.id, {"reason": "client called"})
    assert desk.push_ok(cancel)[0]["outcome"] == "applied"
    second = appointment_for(live_api.tenant, client.id, starts_at=start)
    assert desk.push_ok(book(second))[0]["outcome"] == "applied"


def test_impossible_status_change_is_rejected_with_the_workflow_reason(desk: Desk, live_api: LiveApi) -> None:
    client = new_client()
    appt = appointment_for(live_api.tenant, client.id, starts_at=free_slot_start())
    desk.push_ok(create_client(client), book(appt))
    done = mutation("appointment.set_status", "appointment", appt.id, {"status": "in_room"})
    result = desk.push_ok(done)[0]
    assert result["outcome"] == "rejected"
    assert result["code"] == "invalid_transition"
    assert (result["current"]["id"], result["current"]["status"]) == (str(appt.id), "booked"), \
        "a rejection carries the server's copy, for the desk to show again"


def test_fields_changed_on_one_side_merge_and_identity_changed_on_both_goes_to_review(desk: Desk) -> None:
    client = new_client(first_name="Maria", email="", allergies="")
    desk.push_ok(create_client(client))
    other_desk = mutation("client.update", "client", client.id,
                          {"changes": {"first_name": "Mariah", "email": "m@example.com"},
                           "base": {"first_name": "Maria", "email": ""}}, base_version=1)
    assert desk.push_ok(other_desk)[0]["outcome"] == "applied"
    this_desk = mutation("client.update", "client", client.id,
                         {"changes": {"first_name": "Marie", "phone": "555-999-0000"},
                          "base": {"first_name": "Maria", "phone": client.phone}}, base_version=1)
    result = desk.push_ok(this_desk)[0]
    assert result["outcome"] == "conflict"
    assert result["detail"] == {"kind": "field_conflict",
                                "fields": [{"field": "first_name", "mine": "Marie", "theirs": "Mariah"}]}
    assert result["current"]["first_name"] == "Mariah"
    assert result["current"]["phone"] == "555-999-0000"
    assert result["current"]["email"] == "m@example.com"


def test_front_desk_cannot_save_a_treatment(desk: Desk, live_api: LiveApi) -> None:
    client = new_client()
    desk.push_ok(create_client(client))
    record = TreatmentRecord(client_id=client.id, provider_id=live_api.tenant.provider.id,
                             service_id=live_api.tenant.service.id, performed_at=datetime.now(UTC))
    result = desk.push_ok(mutation("treatment.save", "treatment", record.id, record.to_json()))[0]
    assert result["outcome"] == "rejected"
    assert result["code"] == "forbidden"


def test_signed_treatment_takes_only_addenda(live_api: LiveApi) -> None:
    with Desk.sign_in(live_api, live_api.fresh(Role.PROVIDER)) as provider:
        client = new_client()
        record = TreatmentRecord(client_id=client.id, provider_id=live_api.tenant.provider.id,
                                 service_id=live_api.tenant.service.id, performed_at=datetime.now(UTC),
                                 clinical_notes="20 units glabella")
        save = mutation("treatment.save", "treatment", record.id, record.to_json())
        sign = mutation("treatment.sign", "treatment", record.id,
                        {"signed_at": datetime.now(UTC).isoformat(),
                         "content_sha256": content_hash(record.signed_content())})
        assert [r["outcome"] for r in provider.push_ok(create_client(client), save, sign)] == ["applied"] * 3
        edited = record.model_copy(update={"clinical_notes": "changed after signing"})
        again = provider.push_ok(mutation("treatment.save", "treatment", record.id, edited.to_json()))[0]
        assert again["outcome"] == "conflict"
        assert again["code"] == "signed_record"
        user_id = provider.tokens["user"]["id"]
        addendum = Addendum(author_user_id=user_id, author_name="NP", written_at=datetime.now(UTC),
                            text="Follow-up in 2 weeks", content_sha256="a" * 64)
        added = provider.push_ok(mutation("treatment.addendum", "treatment", record.id,
                                          addendum.model_dump(mode="json")))[0]
        assert added["outcome"] == "applied"


def test_an_intake_whose_hash_does_not_match_is_rejected(desk: Desk) -> None:
    client = new_client()
    form = IntakeForm(client_id=client.id, questionnaire_id="general", questionnaire_version=1,
                      answers={"pregnant": False}, submitted_at=datetime.now(UTC), signer_name="M O",
                      content_sha256="0" * 64)
    result = desk.push_ok(create_client(client), mutation("intake.submit", "intake", form.id, form.to_json()))
    assert result[1]["outcome"] == "rejected"
    assert result[1]["code"] == "content_hash_mismatch"


def test_push_from_a_clock_ten_minutes_off_is_refused_and_nothing_applied(desk: Desk) -> None:
    client = new_client()
    answer = desk.push(create_client(client), client_time=datetime.now(UTC) - timedelta(minutes=10))
    assert answer.status_code == 409
    assert answer.json() == {"code": "clock_skew",
                             "message": "This computer's clock is 10 minutes off; correct it and sync again."}
    update = mutation("client.update", "client", client.id, {"changes": {"notes": "x"}, "base": {}})
    assert desk.push_ok(update)[0]["code"] == "not_found"


def test_client_audit_events_are_stored_once(desk: Desk) -> None:
    event = {"id": str(new_id()), "at": datetime.now(UTC).isoformat(), "actor_user_id": desk.tokens["user"]["id"],
             "device_id": str(desk.device_id), "action": "view", "entity": "client", "entity_id": str(new_id())}
    assert desk.push(audit_events=[event]).json()["audit_stored"] == 1
    assert desk.push(audit_events=[event]).json()["audit_stored"] == 0


def test_an_unsupported_protocol_version_is_told_to_update(desk: Desk) -> None:
    answer = desk.get("/sync/changes", headers={"X-Medspa-Protocol": "99"})
    assert answer.status_code == 426
    assert "newer than this server (it speaks 2). Ask your IT administrator to update the server" in (
        answer.json()["message"])


def test_a_desk_speaking_only_protocol_1_is_told_plainly_to_update_the_app(desk: Desk) -> None:
    """Version 2 changed MutationResult (a typed detail): a version-1 desk could not read a push's answer."""
    for path in ("/sync/changes", "/sync/pull"):
        answer = desk.get(path, params={"after": 0}, headers={"X-Medspa-Protocol": "1"})
        assert answer.status_code == 426
        assert answer.headers["X-Medspa-Protocol"] == "2"
        assert answer.json()["code"] == "protocol_unsupported"
        assert answer.json()["message"] == (
            "This app speaks sync protocol 1, which this server no longer answers (it speaks 2). Update the "
            "app on this workstation and try again; changes wait on it until then.")
    pushed = desk.post("/sync/push", json={"mutations": [], "audit_events": []}, headers={"X-Medspa-Protocol": "1"})
    assert pushed.status_code == 426


def test_booking_validates_through_the_shared_record(desk: Desk, live_api: LiveApi) -> None:
    appt = appointment_for(live_api.tenant, new_id(), starts_at=free_slot_start()).to_json()
    appt["ends_at"] = appt["starts_at"]
    result = desk.push_ok(mutation("appointment.book", "appointment", new_id(), appt))[0]
    assert result["outcome"] == "rejected"
    assert result["code"] == "invalid_payload"
    assert "ends_at" in result["reason"] or "end after it starts" in result["reason"]


def test_a_client_created_then_updated_in_one_push_is_stored_once_at_its_newest_version(desk: Desk) -> None:
    client = new_client()
    create = create_client(client)
    update = mutation("client.update", "client", client.id,
                      {"changes": {"phone": "555-010-9999"}, "base": {"phone": client.phone}})
    results = desk.push_ok(create, update)
    assert [r["outcome"] for r in results] == ["applied", "applied"]
    assert results[1]["version"] == 2
    page = desk.get("/sync/pull", params={"after": results[0]["seq"] - 1, "limit": 5000}).json()
    mine = [c for c in page["changes"] if c["entity_id"] == str(client.id)]
    assert len(mine) == 1
    assert mine[0]["version"] == 2 and mine[0]["data"]["phone"] == "555-010-9999"


def test_a_refused_booking_in_a_batch_leaves_no_slot_and_the_next_booking_takes_it(
        desk: Desk, live_api: LiveApi) -> None:
    start = free_slot_start()
    client = new_client()
    refused = appointment_for(live_api.tenant, client.id, starts_at=start)
    refused_book = book(refused)
    refused_book["payload"] = {**refused_book["payload"], "client_id": "not-a-uuid"}
    taker = appointment_for(live_api.tenant, client.id, starts_at=start)
    results = desk.push_ok(create_client(client), refused_book, book(taker))
    assert [r["outcome"] for r in results] == ["applied", "rejected", "applied"]
    assert results[1]["code"] == "invalid_payload"
    assert results[2]["seq"] == results[0]["seq"] + 1


def test_a_nul_in_one_mutation_rejects_that_mutation_alone_naming_the_field(desk: Desk) -> None:
    poisoned, good = new_client(), new_client(first_name="Ines")
    create = create_client(poisoned)
    create["payload"] = {**create["payload"], "notes": "allergic\u0000"}
    results = desk.push_ok(create, create_client(good))
    assert [r["outcome"] for r in results] == ["rejected", "applied"]
    assert results[0]["code"] == "hidden_character" and results[0]["detail"]["field"] == "notes"
    assert "notes" in results[0]["reason"] and "\x00" not in results[0]["reason"]
    retry = desk.push_ok(create_client(poisoned))[0]
    assert retry["outcome"] == "applied" and retry["version"] == 1


def test_a_control_character_in_a_client_field_is_that_mutations_rejection(desk: Desk) -> None:
    client = new_client()
    create = create_client(client)
    create["payload"] = {**create["payload"], "phone": "555-010-2000\u001b"}
    [result] = desk.push_ok(create)
    assert (result["outcome"], result["code"], result["detail"]["field"]) == ("rejected", "invalid_payload", "phone")


def test_the_typed_text_backslash_u0000_is_ordinary_text_everywhere(desk: Desk) -> None:
    client = new_client(notes="scanner printed \\u0000 here")
    [result] = desk.push_ok(create_client(client))
    assert result["outcome"] == "applied"
    typed = desk.post("/auth/refresh", json={"refresh_token": "typed \\u0000 not a token", "device_id":
                                           str(desk.device_id)})
    assert typed.status_code != 422 and "NUL" not in typed.text


def test_a_nul_outside_a_push_is_still_refused_at_the_door(desk: Desk) -> None:
    answer = desk.post("/auth/refresh", json={"refresh_token": "x\u0000" * 8, "device_id": str(desk.device_id)})
    assert answer.status_code == 422 and "NUL" in answer.json()["message"]


def test_a_published_consent_template_names_the_caller_not_the_payloads_claim(live_api: LiveApi) -> None:
    with Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        someone_else = live_api.users["front_desk"].id
        template = ConsentTemplate(key=f"botox_{new_id().hex[:8]}", template_version=1, title="Botox consent",
                                   body="I agree to the treatment.", published_by=someone_else)
        [result] = manager.push_ok(mutation("consent_template.publish", "consent_template", template.id,
                                            template.to_json()))
        assert result["outcome"] == "applied"
        page = manager.get("/sync/pull", params={"after": result["seq"] - 1, "limit": 10}).json()
    [stored] = [c["data"] for c in page["changes"] if c["entity_id"] == str(template.id)]
    assert stored["published_by"] == manager.tokens["user"]["id"]


def test_a_booking_for_a_client_the_server_does_not_hold_is_rejected(desk: Desk, live_api: LiveApi) -> None:
    stranger = new_client()  # never pushed: as when the desk's client.create was refused
    appt = appointment_for(live_api.tenant, stranger.id, starts_at=free_slot_start())
    result = desk.push_ok(book(appt))[0]
    assert result["outcome"] == "rejected"
    assert result["code"] == "unknown_client"
    assert "not on the server" in result["reason"]
    client = new_client()
    desk.push_ok(create_client(client))
    kept = desk.push_ok(book(appointment_for(live_api.tenant, client.id, starts_at=free_slot_start())))[0]
    assert kept["outcome"] == "applied"


def test_a_client_stored_with_a_control_character_before_the_rule_still_reads_and_takes_changes(
        desk: Desk, live_api: LiveApi) -> None:
    """An older server kept an escape a scanner typed; neither the next change nor a desk's pull stops on it."""
    import json

    from medspa_api.db import tables as t
    from medspa_desk.store.pulled import read_page

    client = new_client()
    [created] = desk.push_ok(create_client(client))
    stored = {**client.to_json(), "version": 1, "seq": created["seq"], "notes": "Card \x1b[0m 4417"}
    with live_api.database.transaction(live_api.tenant.id) as conn:
        conn.execute(t.records.update().where(t.records.c.tenant_id == live_api.tenant.id,
                                              t.records.c.id == client.id).values(data=json.dumps(stored)))

    update = mutation("client.update", "client", client.id,
                      {"changes": {"phone": "555-010-9999"}, "base": {"phone": client.phone}}, base_version=1)
    [result] = desk.push_ok(update)
    assert result["outcome"] == "applied"

    page = desk.get("/sync/pull", params={"after": created["seq"] - 1, "limit": 10})
    assert page.status_code == 200
    [(_entity, _id, row)] = [r for r in read_page(page.content).records if r[1] == str(client.id)]
    pulled = json.loads(row[-1])
    assert (pulled["phone"], pulled["notes"]) == ("555-010-9999", "Card [0m 4417")


def test_a_change_larger_than_one_change_may_be_is_rejected_alone_and_audited(desk: Desk, live_api: LiveApi) -> None:
    oversized, good = new_client(), new_client(first_name="Ines")
    create = create_client(oversized)
    create["payload"] = {**create["payload"], "padding": "x" * (MAX_MUTATION_BYTES + 1)}
    results = desk.push_ok(create, create_client(good))
    assert [r["outcome"] for r in results] == ["rejected", "applied"]
    assert results[0]["code"] == "too_large" and "Shorten its longest text" in results[0]["reason"]
    with live_api.database.transaction(live_api.tenant.id, write=False) as conn:
        details = conn.execute(sa.select(t.audit.c.detail, t.audit.c.outcome).where(
            t.audit.c.tenant_id == live_api.tenant.id, t.audit.c.entity_id == oversized.id)).all()
    assert [tuple(d) for d in details] == [("too_large", "rejected")]
