"""The waitlist on the server (both databases): added whole, closed once, by the roles the clinic's table names."""

from __future__ import annotations

from datetime import date, timedelta

from medspa_desk.protocol import WaitlistClose
from medspa_desk.records import Role, WaitlistEntry, WaitlistStatus, new_id
from tests.api.desk import Desk, create_client, mutation, new_client
from tests.support.live_api import LiveApi


def _entry(live_api: LiveApi, client_id: object) -> WaitlistEntry:
    day = date(2099, 3, 2)
    return WaitlistEntry(client_id=client_id, location_id=live_api.tenant.location.id,  # type: ignore[arg-type]
                         service_id=live_api.tenant.service.id, first_day=day, last_day=day + timedelta(days=6),
                         note="Mornings", created_by=new_id())


def _close(entry: WaitlistEntry, **fields: object) -> dict[str, object]:
    return mutation("waitlist.close", "waitlist_entry", entry.id,
                    WaitlistClose(**fields).model_dump(mode="json"), base_version=1)  # type: ignore[arg-type]


def test_an_entry_is_added_then_closed_once_and_pulled_as_closed(live_api: LiveApi) -> None:
    client = new_client()
    entry = _entry(live_api, client.id)
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as desk:
        _client, added = desk.push_ok(create_client(client),
                                      mutation("waitlist.add", "waitlist_entry", entry.id, entry.to_json()))
        [closed] = desk.push_ok(_close(entry, status=WaitlistStatus.REMOVED, reason="Booked elsewhere"))
        [again] = desk.push_ok(_close(entry, status=WaitlistStatus.REMOVED, reason="twice"))
        pulled = desk.get("/sync/pull", params={"cursor": 0, "limit": 5000}).json()["changes"]

    assert added["outcome"] == "applied", added
    assert closed["outcome"] == "applied" and closed["version"] == 2, closed
    assert (again["outcome"], again["code"]) == ("rejected", "already_closed"), again
    [held] = [c["data"] for c in pulled if c["entity_id"] == str(entry.id)]
    assert (held["status"], held["closed_reason"], held["version"]) == ("removed", "Booked elsewhere", 2)
    assert held["created_by"] != str(entry.created_by)  # the server records who pushed it


def test_an_admin_may_not_push_waitlist_changes(live_api: LiveApi) -> None:
    client = new_client()
    entry = _entry(live_api, client.id)
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as desk:
        desk.push_ok(create_client(client))
    with Desk.sign_in(live_api, live_api.fresh(Role.ADMIN)) as admin:
        [refused] = admin.push_ok(mutation("waitlist.add", "waitlist_entry", entry.id, entry.to_json()))
    assert (refused["outcome"], refused["code"]) == ("rejected", "forbidden"), refused


def test_a_bad_window_is_rejected_naming_the_field(live_api: LiveApi) -> None:
    client = new_client()
    bad = {**_entry(live_api, client.id).to_json(), "weekdays": [9]}
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as desk:
        _client, refused = desk.push_ok(create_client(client),
                                        mutation("waitlist.add", "waitlist_entry", new_id(), bad))
    assert (refused["outcome"], refused["code"]) == ("rejected", "invalid_payload"), refused
