"""The server parses each mutation's payload with the model the desk built it with; a bad one names the field."""

from __future__ import annotations

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


def test_a_status_change_with_an_unknown_status_is_rejected_naming_the_field(desk: Desk, live_api: LiveApi) -> None:
    client = new_client()
    visit = appointment_for(live_api.tenant, client.id, starts_at=free_slot_start())
    desk.push_ok(create_client(client), book(visit))

    [result] = desk.push_ok(mutation("appointment.set_status", "appointment", visit.id, {"status": "teleported"}))

    assert (result["outcome"], result["code"]) == ("rejected", "invalid_payload")
    assert "appointment.set_status payload is not valid at status" in result["reason"]


def test_a_move_with_a_time_without_its_zone_is_rejected_and_the_visit_stays(desk: Desk, live_api: LiveApi) -> None:
    client = new_client()
    visit = appointment_for(live_api.tenant, client.id, starts_at=free_slot_start())
    desk.push_ok(create_client(client), book(visit))
    naive = visit.starts_at.replace(tzinfo=None).isoformat()

    [result] = desk.push_ok(mutation("appointment.reschedule", "appointment", visit.id,
                                     {"starts_at": naive, "ends_at": visit.ends_at.isoformat()}))

    assert (result["outcome"], result["code"]) == ("rejected", "invalid_payload")
    assert "at starts_at" in result["reason"]
    assert result["current"]["starts_at"] == visit.to_json()["starts_at"]
