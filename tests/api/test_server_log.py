"""The server log never carries PHI: a canary client name pushed through must not appear in it."""

from __future__ import annotations

from medspa_desk.records import Role
from tests.api.desk import Desk, create_client, mutation, new_client
from tests.support.live_api import LiveApi

CANARY = "Zyxwquorra"


def test_a_canary_client_name_never_appears_in_the_server_log(live_api: LiveApi) -> None:
    client = new_client(first_name=CANARY, last_name=CANARY + "son", notes=f"{CANARY} allergy")
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as desk:
        desk.push_ok(create_client(client))
        bad = mutation("client.create", "client", client.id, {**client.to_json(), "email": f"{CANARY}@bad"})
        desk.push_ok(bad)
        desk.post("/sync/push", content=f'{{"broken": "{CANARY}"'.encode(), headers={"content-type": "application/json"})
        desk.get("/sync/pull", params={"after": 0, "limit": 5000})
    with live_api.client() as http:
        http.post(live_api.url("/auth/login"), json={"tenant": CANARY, "username": CANARY, "password": CANARY * 3})
    log = live_api.log_path.read_text()
    assert "request" in log
    assert CANARY.lower() not in log.lower()
