"""A manager changes a person's role (audited, at once); nobody changes their own; only admins make admins.

Also: a disabled leaver's refresh token is refused at once.
"""

from __future__ import annotations

from uuid import UUID

import httpx
import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_desk.records import Role
from tests.api.desk import Desk
from tests.support.live_api import LiveApi


def _audit_details(api: LiveApi, user_id: object) -> list[tuple[str, str, str]]:
    with api.database.transaction(api.tenant.id, write=False) as conn:
        return [(r.action, r.detail, r.outcome) for r in conn.execute(
            sa.select(t.audit.c.action, t.audit.c.detail, t.audit.c.outcome).where(
                t.audit.c.tenant_id == api.tenant.id, t.audit.c.entity_id == user_id).order_by(t.audit.c.seq))]


def test_a_manager_changes_a_role_and_it_applies_at_the_persons_next_request(live_api: LiveApi) -> None:
    person = live_api.add_user(Role.MANAGER)
    with Desk.sign_in(live_api, person.username) as them, \
            Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        assert them.get("/users").status_code == 200
        changed = manager.post(f"/users/{person.id}/role", json={"role": "front_desk"})
        assert changed.status_code == 200, changed.text
        assert changed.json()["role"] == "front_desk"
        refused = them.get("/users")
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
        listed = {u["id"]: u["role"] for u in manager.get("/users").json()}
    assert listed[str(person.id)] == "front_desk"
    assert ("update", "role=front_desk", "ok") in _audit_details(live_api, person.id)


def test_nobody_changes_their_own_role_and_only_an_admin_makes_an_admin(live_api: LiveApi) -> None:
    person = live_api.add_user(Role.FRONT_DESK)
    admin_user = live_api.add_user(Role.ADMIN)
    manager_name = live_api.fresh(Role.MANAGER)
    with Desk.sign_in(live_api, manager_name) as manager:
        me = next(u for u in manager.get("/users").json() if u["username"] == manager_name)
        own = manager.post(f"/users/{me['id']}/role", json={"role": "admin"})
        made = manager.post(f"/users/{person.id}/role", json={"role": "admin"})
        demoted = manager.post(f"/users/{admin_user.id}/role", json={"role": "front_desk"})
        unknown = manager.post(f"/users/{person.id}/role", json={"role": "owner"})
    for answer in (own, made, demoted):
        assert (answer.status_code, answer.json()["code"]) == (403, "forbidden"), answer.text
    assert "own role" in own.json()["message"] and "admin" in made.json()["message"]
    assert unknown.status_code == 422
    assert ("access_denied", "make_admin", "forbidden") in _audit_details(live_api, person.id)
    assert ("access_denied", "own_role", "forbidden") in _audit_details(live_api, UUID(me["id"]))
    assert ("access_denied", "role=front_desk", "forbidden") in _audit_details(live_api, admin_user.id)
    with Desk.sign_in(live_api, admin_user.username) as admin:
        assert admin.post(f"/users/{person.id}/role", json={"role": "admin"}).json()["role"] == "admin"


def test_a_disabled_leavers_refresh_token_is_refused_at_once(live_api: LiveApi) -> None:
    leaver = live_api.add_user(Role.PROVIDER)
    tokens = live_api.login(leaver.username)
    with Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        assert manager.post(f"/users/{leaver.id}/disable").status_code == 200
    with live_api.client() as http:
        answer = http.post(live_api.url("/auth/refresh"), json={
            "refresh_token": tokens["refresh_token"], "device_id": tokens["device_id"],
            "device_secret": tokens.get("device_secret")})
    assert answer.status_code == 401, answer.text
    assert isinstance(answer, httpx.Response) and "Traceback" not in answer.text
