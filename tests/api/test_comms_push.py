"""Communication preferences, call notes and a visit's price on the server (both databases).

A preference entry is kept once and never changed (the same entry again is harmless, other content under its id
is a conflict); it is recorded by whoever pushes it and only for a client the server holds. A call note is
logged, then followed up once. A visit keeps the price it was booked at when it is moved.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from medspa_desk.records import (
    CallNote,
    ConsentSource,
    ContactChannel,
    ContactConsent,
    ContactPurpose,
    Role,
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


def stop_from(client_id: UUID, user_id: UUID) -> ContactConsent:
    return ContactConsent(client_id=client_id, channel=ContactChannel.SMS, purpose=ContactPurpose.MARKETING,
                          agreed=False, text_version="desk-2026-1", given_at=datetime.now(UTC),
                          given_how=ConsentSource.CLIENT_STOP, recorded_by=user_id, recorded_by_name="Front desk")


def record(entry: ContactConsent) -> dict:
    return mutation("contact_consent.record", "contact_consent", entry.id, entry.to_json())


def test_a_preference_entry_is_kept_once_and_never_changed(live_api: LiveApi) -> None:
    client = new_client()
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as desk:
        me = UUID(desk.tokens["user"]["id"])
        entry = stop_from(client.id, me)
        changed = entry.model_copy(update={"agreed": False, "note": "changed afterwards"})
        someone_else = stop_from(client.id, UUID(int=7))
        unknown_client = stop_from(UUID(int=9), me)
        created, kept, again, altered, not_mine, no_client = desk.push_ok(
            create_client(client), record(entry), record(entry), record(changed), record(someone_else),
            record(unknown_client))

    assert created["outcome"] == kept["outcome"] == again["outcome"] == "applied", (created, kept, again)
    assert (altered["outcome"], altered["code"]) == ("conflict", "immutable"), altered
    assert "A communication preference" in altered["reason"]
    assert (not_mine["outcome"], not_mine["detail"]["field"]) == ("rejected", "recorded_by"), not_mine
    assert (no_client["outcome"], no_client["code"]) == ("rejected", "not_found"), no_client


def test_a_call_is_logged_then_followed_up_once(live_api: LiveApi) -> None:
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as desk:
        me = UUID(desk.tokens["user"]["id"])
        now = datetime.now(UTC)
        note = CallNote(caller_name="Jo Park", callback_number="555-010-5000", reason="Filler prices",
                        taken_at=now, taken_by=me, taken_by_name="Front desk")
        follow_up = {"at": (now + timedelta(hours=1)).isoformat(), "note": "Quoted", "by_name": "Front desk"}
        logged, done, again = desk.push_ok(
            mutation("call_note.log", "call_note", note.id, note.to_json()),
            mutation("call_note.follow_up", "call_note", note.id, follow_up, base_version=1),
            mutation("call_note.follow_up", "call_note", note.id, {**follow_up, "at": now.isoformat()},
                     base_version=1))
        pulled = desk.get("/sync/pull", params={"after": 0, "limit": 5000}).json()["changes"]

    assert (logged["outcome"], done["outcome"], done["version"]) == ("applied", "applied", 2), (logged, done)
    assert (again["outcome"], again["code"]) == ("conflict", "already_followed_up"), again
    [held] = [c["data"] for c in pulled if c["entity_id"] == str(note.id)]
    assert (held["follow_up_note"], held["followed_up_by"]) == ("Quoted", str(me))


def test_a_moved_visit_keeps_the_price_it_was_booked_at(live_api: LiveApi) -> None:
    client = new_client()
    visit = appointment_for(live_api.tenant, client.id, starts_at=free_slot_start()).model_copy(
        update={"price_cents": 45000})
    later = visit.starts_at + timedelta(hours=1)
    move = {"starts_at": later.isoformat(), "ends_at": (later + timedelta(minutes=30)).isoformat(),
            "provider_id": str(visit.provider_id), "room_id": str(visit.room_id)}
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as desk:
        _c, booked, moved = desk.push_ok(create_client(client), book(visit),
                                         mutation("appointment.reschedule", "appointment", visit.id, move,
                                                  base_version=1))
        pulled = desk.get("/sync/pull", params={"after": 0, "limit": 5000}).json()["changes"]
    assert booked["outcome"] == moved["outcome"] == "applied", (booked, moved)
    [held] = [c["data"] for c in pulled if c["entity_id"] == str(visit.id)]
    assert (held["price_cents"], held["starts_at"][:16]) == (45000, later.isoformat()[:16])
