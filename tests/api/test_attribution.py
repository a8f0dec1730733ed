"""Who did it: bookings and pushed audit events carry the signed-in caller and workstation, not the desk's claim."""

from __future__ import annotations

import json
from uuid import UUID

import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_desk.records import AuditAction, AuditEvent, Role, new_id
from tests.api.desk import (
    Desk,
    appointment_for,
    book,
    create_client,
    free_slot_start,
    make_legacy_device,
    new_client,
)
from tests.support.live_api import LiveApi


def _audit_row(api: LiveApi, event_id: UUID) -> sa.Row | None:
    with api.database.transaction(api.tenant.id, write=False) as conn:
        return conn.execute(sa.select(t.audit).where(t.audit.c.tenant_id == api.tenant.id,
                                                     t.audit.c.id == event_id)).first()


def _event(actor: UUID | None, **fields: object) -> dict:
    return json.loads(AuditEvent(actor_user_id=actor, action=AuditAction.VIEW, entity="client", entity_id=new_id(),
                                 **fields).model_dump_json())


def test_a_booking_is_attributed_to_the_caller_not_to_the_payload(desk: Desk, live_api: LiveApi) -> None:
    client = new_client()
    someone_else = live_api.users["manager"].id
    appt = appointment_for(live_api.tenant, client.id, starts_at=free_slot_start()).model_copy(
        update={"booked_by": someone_else})
    results = desk.push_ok(create_client(client), book(appt))
    assert [r["outcome"] for r in results] == ["applied", "applied"]
    with live_api.database.transaction(live_api.tenant.id, write=False) as conn:
        stored = json.loads(conn.execute(sa.select(t.records.c.data).where(
            t.records.c.tenant_id == live_api.tenant.id, t.records.c.id == appt.id)).scalar_one())
    caller = live_api.users[desk.tokens["user"]["username"]].id
    assert stored["booked_by"] == str(caller)


def test_a_pushed_audit_event_gets_the_callers_workstation(desk: Desk, live_api: LiveApi) -> None:
    caller = UUID(desk.tokens["user"]["id"])
    event = _event(caller, device_id=new_id())
    answer = desk.push(audit_events=[event]).json()
    assert answer["audit_stored_ids"] == [event["id"]]
    row = _audit_row(live_api, UUID(event["id"]))
    assert row is not None and row.device_id == desk.device_id


def test_events_of_another_user_enrolled_on_the_workstation_are_kept_and_reported(live_api: LiveApi) -> None:
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as first:
        colleague = live_api.add_user(Role.PROVIDER)
        live_api.login(colleague.username, device_id=first.device_id,  # enrolled on the same workstation
                       device_secret=first.tokens["device_secret"])
        stranger = live_api.add_user(Role.PROVIDER)  # never signed in here
        theirs, nobodys, strangers = _event(colleague.id), _event(None), _event(stranger.id)
        answer = first.push(audit_events=[theirs, nobodys, strangers])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["audit_stored"] == 2
    assert sorted(body["audit_stored_ids"]) == sorted([theirs["id"], nobodys["id"]])
    kept = _audit_row(live_api, UUID(theirs["id"]))
    assert kept is not None and kept.actor_user_id == colleague.id and kept.device_id == first.device_id
    assert _audit_row(live_api, UUID(strangers["id"])) is None


def test_an_event_already_stored_is_reported_as_held_when_pushed_again(desk: Desk) -> None:
    event = _event(UUID(desk.tokens["user"]["id"]))
    assert desk.push(audit_events=[event]).json()["audit_stored"] == 1
    again = desk.push(audit_events=[event]).json()
    assert again["audit_stored"] == 0
    assert again["audit_stored_ids"] == [event["id"]]


def test_a_session_that_did_not_prove_the_workstation_has_no_desk_events_kept(live_api: LiveApi) -> None:
    """The probe's case: a front-desk user on the manager's workstation id pushing an event as the manager."""
    manager = live_api.add_user(Role.MANAGER)
    owner = live_api.login(manager.username)
    make_legacy_device(live_api, owner["device_id"])  # the only device one can still sign in on without a secret
    intruder = live_api.fresh(Role.FRONT_DESK)
    with Desk(live_api, live_api.login(intruder, device_id=UUID(owner["device_id"]))) as claimed:
        forged, own = _event(manager.id, detail="export"), _event(UUID(claimed.tokens["user"]["id"]))
        answer = claimed.push(audit_events=[forged, own])
    assert answer.status_code == 200, answer.text
    assert answer.json()["audit_stored_ids"] == []
    assert _audit_row(live_api, UUID(forged["id"])) is None
    assert _audit_row(live_api, UUID(own["id"])) is None
    with live_api.database.transaction(live_api.tenant.id, write=False) as conn:
        refusals = [(r.outcome, r.detail) for r in conn.execute(sa.select(t.audit.c.outcome, t.audit.c.detail).where(
            t.audit.c.tenant_id == live_api.tenant.id, t.audit.c.device_id == UUID(owner["device_id"]),
            t.audit.c.action == "access_denied"))]
    assert refusals == [("device_unproven", "audit_events:2")], "the refusal itself is audited"
