"""Time a manager blocked is refused on the server too, for a desk that pushes a booking made before it heard
of the block (both databases): rejected with the reason, so the desk's inbox shows it."""

from __future__ import annotations

from datetime import timedelta

from medspa_desk.records import BlockedTime, BlockKind, Role
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


def test_a_booking_pushed_into_a_providers_break_is_rejected_with_the_reason(live_api: LiveApi) -> None:
    start = free_slot_start()
    lunch = BlockedTime(location_id=live_api.tenant.location.id, provider_id=live_api.tenant.provider.id,
                        kind=BlockKind.BREAK, starts_at=start, ends_at=start + timedelta(hours=1))
    with Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        [blocked] = manager.push_ok(mutation("reference.upsert", "blocked_time", lunch.id, lunch.to_json()))
    assert blocked["outcome"] == "applied", blocked

    client = new_client()
    into_the_break = appointment_for(live_api.tenant, client.id, starts_at=start + timedelta(minutes=30))
    after_it = appointment_for(live_api.tenant, client.id, starts_at=start + timedelta(hours=1))
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as desk:
        _client, refused, kept = desk.push_ok(create_client(client), book(into_the_break), book(after_it))

    assert (refused["outcome"], refused["code"]) == ("rejected", "time_blocked"), refused
    assert "(a break)" in refused["reason"] and "The provider is blocked" in refused["reason"]
    assert kept["outcome"] == "applied", kept


def test_a_freed_block_takes_bookings_again(live_api: LiveApi) -> None:
    start = free_slot_start()
    upkeep = BlockedTime(location_id=live_api.tenant.location.id, room_id=live_api.tenant.room.id,
                         kind=BlockKind.MAINTENANCE, starts_at=start, ends_at=start + timedelta(hours=2))
    freed = upkeep.model_copy(update={"deleted": True})
    with Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        manager.push_ok(mutation("reference.upsert", "blocked_time", upkeep.id, upkeep.to_json()))
        manager.push_ok(mutation("reference.upsert", "blocked_time", freed.id, freed.to_json(), base_version=1))

    client = new_client()
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as desk:
        _client, booked = desk.push_ok(create_client(client),
                                       book(appointment_for(live_api.tenant, client.id, starts_at=start)))
    assert booked["outcome"] == "applied", booked
