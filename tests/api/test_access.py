"""Who may call what, other practices' ids, revoked workstations, escrow."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_desk.records import Role, new_id
from tests.api.desk import Desk
from tests.support.live_api import LiveApi, TenantSeed

EVERYONE = set(Role)
MANAGERS = {Role.MANAGER, Role.ADMIN}
# (method, path, roles allowed): the route × role table the permission table must produce.
ROUTES = [
    ("GET", "/sync/changes", EVERYONE),
    ("GET", "/sync/pull", EVERYONE),
    ("GET", "/devices/escrow/server-half", EVERYONE),
    ("GET", "/audit", MANAGERS),
    ("GET", "/audit/export.csv", MANAGERS),
    ("GET", "/audit/checkpoint", MANAGERS),
    ("GET", "/users", MANAGERS),
    ("POST", "/users/{other_user}/unlock", MANAGERS),
    ("POST", "/devices/{no_device}/revoke", MANAGERS),
]


@pytest.fixture(scope="module")
def desks(live_api: LiveApi) -> Iterator[dict[Role, Desk]]:
    signed_in = {role: Desk.sign_in(live_api, live_api.fresh(role)) for role in Role}
    yield signed_in
    for desk in signed_in.values():
        desk.http.close()


@pytest.mark.parametrize(("method", "path", "allowed"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_each_route_answers_each_role_as_the_permission_table_says(
        live_api: LiveApi, desks: dict[Role, Desk], method: str, path: str, allowed: set[Role]) -> None:
    filled = path.format(other_user=live_api.users["front_desk"].id, no_device=new_id())
    for role, desk in desks.items():
        answer = desk.http.request(method, live_api.url(filled))
        if role in allowed:
            assert answer.status_code != 403, (role, answer.text)
        else:
            assert answer.status_code == 403, (role, answer.text)
            assert answer.json()["code"] == "forbidden"


def test_calls_without_a_token_are_told_to_sign_in(live_api: LiveApi) -> None:
    with live_api.client() as http:
        answer = http.get(live_api.url("/sync/pull"))
    assert answer.status_code == 401
    assert set(answer.json()) == {"code", "message"}


@pytest.fixture(scope="module")
def other_practice(live_api: LiveApi) -> TenantSeed:
    return live_api.add_tenant(f"Other Practice {new_id().hex[-6:]}")


def test_every_id_bearing_route_answers_404_for_another_practices_ids(
        live_api: LiveApi, other_practice: TenantSeed) -> None:
    theirs_user = other_practice.users["front_desk"].id
    with Desk.sign_in(live_api, other_practice.users["admin"].username, tenant=other_practice) as outsider_admin:
        their_device = outsider_admin.device_id
    with Desk.sign_in(live_api, live_api.fresh(Role.ADMIN)) as admin:
        for path in (f"/users/{theirs_user}/unlock", f"/users/{theirs_user}/disable",
                     f"/users/{theirs_user}/enable", f"/devices/{their_device}/revoke"):
            answer = admin.post(path)
            assert answer.status_code == 404, (path, answer.text)
        audit = admin.get("/audit", params={"user_id": str(theirs_user)}).json()
        assert audit["rows"] == []
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as desk:
        pulled = desk.get("/sync/pull", params={"after": 0, "limit": 5000}).json()["changes"]
        assert str(other_practice.location.id) not in {c["entity_id"] for c in pulled}
        update = {"id": str(new_id()), "kind": "client.update", "entity": "user",
                  "entity_id": str(theirs_user), "payload": {"changes": {"notes": "x"}, "base": {}},
                  "created_at": "2030-01-01T00:00:00+00:00"}
        result = desk.push_ok({**update, "entity": "client"})[0]
        assert result["code"] == "not_found"


def test_a_revoked_workstation_is_told_to_wipe_on_every_call(live_api: LiveApi) -> None:
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as desk, \
            Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        assert manager.post(f"/devices/{desk.device_id}/revoke").status_code == 200
        for answer in (desk.get("/sync/changes"), desk.get("/sync/pull"), desk.push(),
                       desk.get("/devices/escrow")):
            assert answer.status_code == 403
            assert answer.json()["code"] == "device_revoked"
        user = live_api.fresh(Role.FRONT_DESK)
        with live_api.client() as http:
            again = http.post(live_api.url("/auth/login"), json={
                "tenant": live_api.tenant.name, "username": user, "password": live_api.users[user].password,
                "totp": live_api.totp(user), "device_id": str(desk.device_id)})
        assert again.status_code == 403
        assert again.json()["code"] == "device_revoked"


def test_escrow_is_deposited_once_and_released_with_the_same_server_half(live_api: LiveApi) -> None:
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as desk:
        half = desk.get("/devices/escrow/server-half").json()["server_half"]
        assert len(base64.b64decode(half)) == 32
        assert desk.get("/devices/escrow").json()["code"] == "no_escrow"
        vault_id = str(new_id())
        blob = base64.b64encode(b"wrapped-data-key-bytes-0123456789").decode()
        deposited = desk.post("/devices/escrow", json={"wrapped_key": blob, "vault_id": vault_id}).json()
        assert deposited["server_half"] == half
        released = desk.get("/devices/escrow").json()
    assert released == {"wrapped_key": blob, "vault_id": vault_id, "server_half": half}


@pytest.mark.parametrize("change", ["disable", "enable", "unlock"])
def test_a_manager_cannot_disable_enable_or_unlock_an_admin(live_api: LiveApi, change: str) -> None:
    admin = live_api.add_user(Role.ADMIN)
    with Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        answer = manager.post(f"/users/{admin.id}/{change}")
    assert answer.status_code == 403, answer.text
    assert answer.json()["code"] == "forbidden"
    assert live_api.login(admin.username)["user"]["id"] == str(admin.id), "the admin must still be able to sign in"


def test_an_admin_can_disable_another_admin(live_api: LiveApi) -> None:
    other = live_api.add_user(Role.ADMIN)
    with Desk.sign_in(live_api, live_api.fresh(Role.ADMIN)) as admin:
        answer = admin.post(f"/users/{other.id}/disable")
    assert answer.status_code == 200, answer.text
    assert answer.json()["active"] is False


def test_a_managers_attempt_to_create_an_admin_is_refused_and_audited(live_api: LiveApi) -> None:
    manager = live_api.add_user(Role.MANAGER)
    with Desk.sign_in(live_api, manager.username) as desk:
        answer = desk.post("/users", json={"username": "would-be-admin", "display_name": "Would Be",
                                           "role": "admin", "password": "saffron tidal meadow 3381"})
    assert answer.status_code == 403, answer.text
    with live_api.database.transaction(live_api.tenant.id, write=False) as conn:
        audited = [(r.action, r.outcome, r.detail) for r in conn.execute(
            sa.select(t.audit.c.action, t.audit.c.outcome, t.audit.c.detail).where(
                t.audit.c.tenant_id == live_api.tenant.id, t.audit.c.actor_user_id == manager.id,
                t.audit.c.action == "access_denied"))]
    assert audited == [("access_denied", "forbidden", "create_admin")]
