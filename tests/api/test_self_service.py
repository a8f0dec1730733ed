"""A person's own password and authenticator: changed and enrolled by them, never seen by a manager."""

from __future__ import annotations

import re
import secrets
from uuid import UUID

import httpx
import pyotp
import pytest
import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_desk.records import Role, new_id
from tests.api.desk import Desk
from tests.support.live_api import LiveApi, SeededUser

pytestmark = pytest.mark.usefixtures("address_budget_restored")
NEW_PASSWORD = "amber quarry willow 6604"


def _post(api: LiveApi, path: str, body: dict) -> httpx.Response:
    with api.client() as http:
        return http.post(api.url(path), json=body)


def _credentials(api: LiveApi, username: str, password: str, **more: str) -> dict:
    return {"tenant": api.tenant.name, "username": username, "password": password, **more}


def _audited(api: LiveApi, user_id: UUID) -> list[tuple[str, str, str]]:
    with api.database.transaction(api.tenant.id, write=False) as conn:
        return [(r.action, r.detail, r.outcome) for r in conn.execute(
            sa.select(t.audit.c.action, t.audit.c.detail, t.audit.c.outcome).where(
                t.audit.c.tenant_id == api.tenant.id, t.audit.c.entity_id == user_id,
                t.audit.c.action.in_(["update", "create"])).order_by(t.audit.c.seq))]


def _code(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def test_a_manager_creates_a_person_without_seeing_their_secret_and_the_person_enrols_once(
        live_api: LiveApi) -> None:
    username = f"newcomer-{secrets.token_hex(3)}"
    with Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        made = manager.post("/users", json={"username": username, "display_name": "New Comer",
                                            "role": "front_desk", "password": NEW_PASSWORD})
    assert made.status_code == 201, made.text
    assert set(made.json()) == {"user"}
    assert not re.search(r"otpauth|secret", made.text)
    user_id = UUID(made.json()["user"]["id"])

    asked = _post(live_api, "/auth/login", _credentials(live_api, username, NEW_PASSWORD))
    assert (asked.status_code, asked.json()["code"]) == (401, "totp_enrolment_required")
    wrong = _post(live_api, "/auth/enrolment", _credentials(live_api, username, "not the password at all"))
    assert (wrong.status_code, wrong.json()["code"]) == (401, "invalid_credentials")
    given = _post(live_api, "/auth/enrolment", _credentials(live_api, username, NEW_PASSWORD))
    assert given.status_code == 200, given.text
    secret = given.json()["secret"]
    assert f"secret={secret}" in given.json()["totp_uri"]
    again = _post(live_api, "/auth/enrolment", _credentials(live_api, username, NEW_PASSWORD))
    assert (again.status_code, again.json()["code"]) == (409, "no_enrolment"), "given out once only"

    signed_in = _post(live_api, "/auth/login", _credentials(live_api, username, NEW_PASSWORD, totp=_code(secret)))
    assert signed_in.status_code == 200, signed_in.text
    assert _audited(live_api, user_id)[-2:] == [("update", "totp_enrolment_given_out", "no_enrolment"),
                                                ("update", "totp_enrolment_confirmed", "ok")]


def test_a_re_enrolment_ends_the_old_authenticator_and_only_the_person_gets_the_new_one(live_api: LiveApi) -> None:
    person = live_api.add_user(Role.PROVIDER)
    assert live_api.login(person.username)["user"]["id"] == str(person.id)
    with Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        started = manager.post(f"/users/{person.id}/enrolment")
    assert started.status_code == 200, started.text
    assert not re.search(r"otpauth|secret", started.text), "the manager gets nothing secret"
    old_code = _post(live_api, "/auth/login", _credentials(live_api, person.username, person.password,
                                                            totp=live_api.totp(person.username)))
    assert (old_code.status_code, old_code.json()["code"]) == (401, "totp_enrolment_required")
    given = _post(live_api, "/auth/enrolment", _credentials(live_api, person.username, person.password))
    assert given.status_code == 200, given.text
    person.totp_secret, person.last_counter = given.json()["secret"], 0
    assert live_api.login(person.username)["user"]["id"] == str(person.id)
    assert [a[1] for a in _audited(live_api, person.id)][-3:] == [
        "totp_enrolment_started", "totp_enrolment_given_out", "totp_enrolment_confirmed"]


def test_a_manager_cannot_start_an_admins_enrolment(live_api: LiveApi) -> None:
    admin = live_api.add_user(Role.ADMIN)
    with Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        answer = manager.post(f"/users/{admin.id}/enrolment")
    assert (answer.status_code, answer.json()["code"]) == (403, "forbidden")
    assert live_api.login(admin.username)["user"]["id"] == str(admin.id), "the admin's authenticator still works"


def _sessions_alive(api: LiveApi, user: SeededUser) -> list[bool]:
    with api.database.transaction(api.tenant.id, write=False) as conn:
        return [r.ended_at is None for r in conn.execute(
            sa.select(t.sessions.c.ended_at).where(t.sessions.c.tenant_id == api.tenant.id,
                                                   t.sessions.c.user_id == user.id).order_by(t.sessions.c.created_at))]


def test_a_person_changes_their_own_password_and_their_other_sessions_end(live_api: LiveApi) -> None:
    person = live_api.add_user(Role.FRONT_DESK)
    other = live_api.login(person.username)
    with Desk.sign_in(live_api, person.username) as desk:
        changed = desk.post("/auth/password", json={"current_password": person.password,
                                                    "new_password": NEW_PASSWORD})
        assert changed.status_code == 200, changed.text
        assert changed.json() == {"other_sessions_ended": 1}
        assert desk.get("/sync/changes").status_code == 200, "the session that changed it goes on"
    with live_api.client() as http:
        refreshed = http.post(live_api.url("/auth/refresh"), json={
            "refresh_token": other["refresh_token"], "device_id": other["device_id"],
            "device_secret": other["device_secret"]})
    assert refreshed.status_code == 401, "the other session's refresh token ended with it"
    old = _post(live_api, "/auth/login", _credentials(live_api, person.username, person.password))
    assert old.json()["code"] == "invalid_credentials"
    new = _post(live_api, "/auth/login", _credentials(live_api, person.username, NEW_PASSWORD))
    assert new.json()["code"] == "totp_required"
    assert ("update", "password_changed", "ok") in _audited(live_api, person.id)


def test_a_password_change_needs_the_current_password_and_a_strong_new_one(live_api: LiveApi) -> None:
    person = live_api.add_user(Role.FRONT_DESK)
    with Desk.sign_in(live_api, person.username) as desk:
        wrong = desk.post("/auth/password", json={"current_password": "a wrong current password",
                                                  "new_password": NEW_PASSWORD})
        weak = desk.post("/auth/password", json={"current_password": person.password,
                                                 "new_password": "password1234"})
    assert (wrong.status_code, wrong.json()["code"]) == (403, "wrong_password")
    assert (weak.status_code, weak.json()["code"]) == (422, "weak_password")
    with live_api.database.transaction(live_api.tenant.id, write=False) as conn:
        failures = conn.execute(sa.select(t.users.c.failed_logins).where(
            t.users.c.tenant_id == live_api.tenant.id, t.users.c.id == person.id)).scalar_one()
        refusals = list(conn.execute(sa.select(t.audit.c.outcome).where(
            t.audit.c.tenant_id == live_api.tenant.id, t.audit.c.actor_user_id == person.id,
            t.audit.c.outcome.in_(["wrong_current_password", "weak_password"])).order_by(t.audit.c.seq)).scalars())
    assert failures == 1, "a wrong current password counts like a wrong password at sign-in"
    assert refusals == ["wrong_current_password", "weak_password"]
    still = _post(live_api, "/auth/login", _credentials(live_api, person.username, person.password))
    assert still.json()["code"] == "totp_required", "the password is unchanged"


def test_refusals_that_name_a_person_are_audited_with_them(live_api: LiveApi) -> None:
    """A refresh after the account was disabled, and a manager's refused new account (weak password)."""
    leaver = live_api.add_user(Role.FRONT_DESK)
    with Desk.sign_in(live_api, leaver.username) as desk, \
            Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        assert manager.post(f"/users/{leaver.id}/disable").status_code == 200
        refused = desk.post("/auth/refresh", json={"refresh_token": desk.tokens["refresh_token"],
                                                   "device_id": str(desk.device_id),
                                                   "device_secret": desk.tokens.get("device_secret")})
        assert refused.status_code == 401
        weak = manager.post("/users", json={"username": f"weak{new_id().hex[-6:]}", "display_name": "Weak",
                                            "role": "front_desk", "password": "password"})
        assert weak.status_code == 422 and weak.json()["code"] == "weak_password"
    with live_api.database.transaction(live_api.tenant.id, write=False) as conn:
        rows = conn.execute(sa.select(t.audit.c.actor_user_id, t.audit.c.action, t.audit.c.outcome,
                                      t.audit.c.detail).where(t.audit.c.tenant_id == live_api.tenant.id)).all()
    # Disabling ends the leaver's sessions at once, so their refresh meets an ended session.
    assert (leaver.id, "sign_in_failed", "refused", "refresh: session ended") in [tuple(r) for r in rows]
    assert any(r.action == "create" and r.outcome == "refused" and r.detail == "weak_password" for r in rows)
