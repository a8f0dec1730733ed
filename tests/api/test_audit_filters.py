"""The audit viewer's filters and pages on the server: by workstation, action, several records, one page at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from medspa_desk.records import Role, new_id
from tests.api.desk import Desk
from tests.support.live_api import LiveApi


def _event(desk: Desk, *, action: str, entity_id: UUID, at: datetime) -> dict[str, Any]:
    return {"id": str(new_id()), "at": at.isoformat(), "actor_user_id": desk.tokens["user"]["id"],
            "device_id": str(desk.device_id), "action": action, "entity": "client", "entity_id": str(entity_id)}


def _ids(answer: Any) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [row["id"] for row in answer.json()["rows"]]


def test_rows_filtered_by_workstation_action_and_several_records_come_a_page_at_a_time(live_api: LiveApi) -> None:
    client, visit, elsewhere = new_id(), new_id(), new_id()
    at = datetime.now(UTC) - timedelta(minutes=5)
    with Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager, \
            Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as front:
        mine = [_event(front, action="view", entity_id=client, at=at), _event(front, action="print", entity_id=visit, at=at),
                _event(front, action="view", entity_id=elsewhere, at=at)]
        theirs = [_event(manager, action="view", entity_id=client, at=at)]
        assert front.push(audit_events=mine).json()["audit_stored"] == 3
        assert manager.push(audit_events=theirs).json()["audit_stored"] == 1
        record = {"entity_id": [str(client), str(visit)]}
        assert _ids(manager.get("/audit", params=record)) == [mine[0]["id"], mine[1]["id"], theirs[0]["id"]]
        on_front = {**record, "device_id": str(front.device_id)}
        assert _ids(manager.get("/audit", params=on_front)) == [mine[0]["id"], mine[1]["id"]]
        assert _ids(manager.get("/audit", params={**record, "action": "print"})) == [mine[1]["id"]]
        first = manager.get("/audit", params={**record, "limit": 2})
        assert _ids(first) == [mine[0]["id"], mine[1]["id"]] and first.json()["has_more"] is True
        after = first.json()["rows"][-1]["seq"]
        rest = manager.get("/audit", params={**record, "limit": 2, "after_seq": after})
        assert _ids(rest) == [theirs[0]["id"]] and rest.json()["has_more"] is False
        exported = manager.get("/audit/export.csv", params=on_front)
    assert exported.status_code == 200
    assert [line.split(",")[1] for line in exported.text.splitlines()[1:]] == [mine[0]["id"], mine[1]["id"]]


def test_filters_out_of_bounds_are_refused_in_plain_words(live_api: LiveApi) -> None:
    with Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        too_many = manager.get("/audit", params={"entity_id": [str(new_id()) for _ in range(501)]})
        no_such_action = manager.get("/audit", params={"action": "peek"})
        page_too_big = manager.get("/audit", params={"limit": 1001})
    for answer in (too_many, no_such_action, page_too_big):
        assert answer.status_code == 422, answer.text
        assert answer.json()["message"]


def test_another_practices_rows_never_show(live_api: LiveApi) -> None:
    record = new_id()
    with Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        manager.push(audit_events=[_event(manager, action="view", entity_id=record, at=datetime.now(UTC))])
    other = live_api.add_tenant("Other Spa " + new_id().hex[-8:])
    with Desk.sign_in(live_api, "manager", tenant=other) as theirs:
        assert _ids(theirs.get("/audit", params={"entity_id": str(record)})) == []
