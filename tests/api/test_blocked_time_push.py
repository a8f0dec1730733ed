"""Time a manager blocked is refused on the server too, for a desk that pushes a booking made before it heard
of the block (both databases): rejected with the reason, so the desk's inbox shows it. A block and a booking
in the same push are checked against each other, in either order; the front desk may push a provider's break,
never time off or maintenance (``rules.block_use_case``)."""

from __future__ import annotations

from datetime import timedelta

from medspa_desk.records import BlockedTime, BlockKind, Role, new_id
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


def put_block(block: BlockedTime, *, base_version: int | None = None) -> dict:
    return mutation("blocked_time.put", "blocked_time", block.id, block.to_json(), base_version=base_version)


def test_a_break_and_a_booking_into_it_in_the_same_push_the_booking_is_rejected(live_api: LiveApi) -> None:
    start = free_slot_start(3)
    lunch = BlockedTime(location_id=live_api.tenant.location.id, provider_id=live_api.tenant.provider.id,
                        kind=BlockKind.BREAK, starts_at=start, ends_at=start + timedelta(hours=1))
    client = new_client()
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as desk:
        blocked, _client, refused = desk.push_ok(
            put_block(lunch), create_client(client),
            book(appointment_for(live_api.tenant, client.id, starts_at=start + timedelta(minutes=15))))

    assert blocked["outcome"] == "applied", blocked  # the front desk may block a provider's break
    assert (refused["outcome"], refused["code"]) == ("rejected", "time_blocked"), refused


def test_a_booking_then_a_block_over_it_in_the_same_push_the_block_is_rejected(live_api: LiveApi) -> None:
    start = free_slot_start(4)
    client = new_client()
    upkeep = BlockedTime(location_id=live_api.tenant.location.id, room_id=live_api.tenant.room.id,
                         kind=BlockKind.MAINTENANCE, starts_at=start - timedelta(minutes=30),
                         ends_at=start + timedelta(hours=1))
    with Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        _client, booked, refused = manager.push_ok(
            create_client(client), book(appointment_for(live_api.tenant, client.id, starts_at=start)),
            put_block(upkeep))

    assert booked["outcome"] == "applied", booked
    assert (refused["outcome"], refused["code"]) == ("rejected", "time_booked"), refused
    assert "Move or cancel the visit first" in refused["reason"]


def test_the_front_desk_may_not_push_time_off_nor_turn_a_break_into_it(live_api: LiveApi) -> None:
    start = free_slot_start(5)
    off = BlockedTime(location_id=live_api.tenant.location.id, provider_id=live_api.tenant.provider.id,
                      kind=BlockKind.TIME_OFF, starts_at=start, ends_at=start + timedelta(hours=1))
    lunch = off.model_copy(update={"kind": BlockKind.BREAK, "id": new_id()})
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as desk:
        refused, blocked = desk.push_ok(put_block(off), put_block(lunch))
        [turned] = desk.push_ok(put_block(lunch.model_copy(update={"kind": BlockKind.TIME_OFF}), base_version=1))

    assert (refused["outcome"], refused["code"]) == ("rejected", "forbidden"), refused
    assert "Only a manager or an admin can block time off" in refused["reason"]
    assert blocked["outcome"] == "applied", blocked
    assert (turned["outcome"], turned["code"]) == ("rejected", "forbidden"), turned
