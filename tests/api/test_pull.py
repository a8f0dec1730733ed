"""Pull and the change check on the live API."""

from __future__ import annotations

import threading
import time

from medspa_desk.records import Location, Role, Room
from tests.api.desk import Desk, create_client, mutation, new_client
from tests.support.live_api import LiveApi


def _pull_all(desk: Desk, *, after: int = 0, limit: int = 50, **params: object) -> tuple[list[dict], int]:
    changes: list[dict] = []
    cursor = after
    while True:
        page = desk.get("/sync/pull", params={"after": cursor, "limit": limit, **params}).json()
        changes.extend(page["changes"])
        cursor = page["cursor"]
        if not page["has_more"]:
            assert page["remaining"] == 0
            return changes, cursor


def test_pull_pages_in_seq_order_with_a_remaining_count(desk: Desk) -> None:
    desk.push_ok(*(create_client(new_client()) for _ in range(5)))
    first = desk.get("/sync/pull", params={"after": 0, "limit": 3}).json()
    assert first["has_more"] is True
    assert first["remaining"] > 0
    changes, cursor = _pull_all(desk)
    seqs = [c["seq"] for c in changes]
    assert seqs == sorted(seqs)
    assert len(set(c["entity_id"] for c in changes)) == len(changes)
    assert desk.get("/sync/changes", params={"after": cursor}).json()["changed"] is False


def test_pull_for_one_location_leaves_out_other_locations_rooms(live_api: LiveApi) -> None:
    with Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        other = Location(name="Uptown", time_zone="America/Chicago")
        far_room = Room(location_id=other.id, name="Laser 2")
        manager.push_ok(mutation("reference.upsert", "location", other.id, other.to_json()),
                        mutation("reference.upsert", "room", far_room.id, far_room.to_json()))
        here, _ = _pull_all(manager, location_id=str(live_api.tenant.location.id), limit=500)
        everywhere, _ = _pull_all(manager, limit=500)
    assert str(far_room.id) not in {c["entity_id"] for c in here}
    assert str(live_api.tenant.room.id) in {c["entity_id"] for c in here}
    assert str(far_room.id) in {c["entity_id"] for c in everywhere}


def test_a_waiting_desk_hears_of_another_desks_change(live_api: LiveApi) -> None:
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as waiting, \
            Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as writing:
        latest = waiting.get("/sync/changes").json()["latest_seq"]
        answers: list[dict] = []
        waiter = threading.Thread(target=lambda: answers.append(
            waiting.get("/sync/changes", params={"after": latest, "wait": 20}).json()))
        waiter.start()
        time.sleep(0.3)
        writing.push_ok(create_client(new_client()))
        waiter.join(timeout=25)
    assert answers and answers[0]["changed"] is True
    assert answers[0]["latest_seq"] > latest


def test_an_idle_wait_ends_with_nothing_changed(desk: Desk) -> None:
    latest = desk.get("/sync/changes").json()["latest_seq"]
    answer = desk.get("/sync/changes", params={"after": latest + 1000, "wait": 1}).json()
    assert answer["changed"] is False


def test_a_waiting_desk_signed_out_elsewhere_is_refused_at_its_next_poll(live_api: LiveApi) -> None:
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as desk:
        for _ in range(2):  # the second answer comes from the cache of checked tokens
            assert desk.get("/sync/changes", params={"after": 0}).status_code == 200
        assert desk.post("/auth/logout").status_code == 204
        answer = desk.get("/sync/changes", params={"after": 0})
    assert answer.status_code == 401
    assert answer.json()["code"] in ("session_expired", "invalid_token")


def test_a_malformed_wait_is_explained_not_waited_on(desk: Desk) -> None:
    answer = desk.get("/sync/changes", params={"after": 0, "wait": 99})
    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_request"


def test_a_long_poll_with_an_unsupported_protocol_is_told_to_update_even_on_the_fast_path(desk: Desk) -> None:
    for _ in range(2):  # the second request has its token cached, so it would take the fast path
        assert desk.get("/sync/changes", params={"after": 0}).status_code == 200
    answer = desk.get("/sync/changes", params={"after": 0}, headers={"X-Medspa-Protocol": "999"})
    assert answer.status_code == 426
    assert answer.json()["code"] == "protocol_unsupported"
