"""Sign-in on the live API: second factor, throttling, lockout, refresh rotation, session ends."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_api.security.tokens import token_hash
from medspa_desk.records import Role
from tests.api.desk import Desk
from tests.support.live_api import LiveApi

# Some tests fail sign-ins on purpose; the loopback address's budget must not run out for others.
pytestmark = pytest.mark.usefixtures("address_budget_restored")


def _login(api: LiveApi, body: dict) -> httpx.Response:
    with api.client() as http:
        return http.post(api.url("/auth/login"), json=body)


def _body(api: LiveApi, who: str, **changes: object) -> dict:
    user = api.users[who]
    return {"tenant": api.tenant.name, "username": user.username, "password": user.password, **changes}


def test_right_password_without_code_asks_for_the_totp(live_api: LiveApi) -> None:
    answer = _login(live_api, _body(live_api, "manager"))
    assert answer.status_code == 401
    assert answer.json()["code"] == "totp_required"


def test_unknown_user_and_wrong_password_get_the_same_answer(live_api: LiveApi) -> None:
    unknown = _login(live_api, _body(live_api, "manager", username="nobody-here"))
    wrong = _login(live_api, _body(live_api, "manager", password="not the password at all"))
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()
    assert unknown.json()["code"] == "invalid_credentials"


def test_a_totp_code_is_accepted_only_once(live_api: LiveApi) -> None:
    user = live_api.add_user(Role.FRONT_DESK)
    code = live_api.totp(user.username)
    first = _login(live_api, _body(live_api, user.username, totp=code))
    again = _login(live_api, _body(live_api, user.username, totp=code))
    assert first.status_code == 200, first.text
    assert again.status_code == 401
    assert again.json()["code"] == "invalid_totp"


def test_account_locks_after_ten_failures_until_a_manager_unlocks_it(live_api: LiveApi) -> None:
    user = live_api.add_user(Role.FRONT_DESK)
    for _ in range(live_api.settings.lockout_after_failures):
        assert _login(live_api, _body(live_api, user.username, password="wrong wrong wrong")).status_code == 401
    locked = _login(live_api, _body(live_api, user.username, totp=live_api.totp(user.username)))
    assert locked.status_code == 401, "a locked account answers the right password like a wrong one"
    assert locked.json()["code"] == "invalid_credentials"
    with Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        assert manager.post(f"/users/{user.id}/unlock").status_code == 200
    assert _login(live_api, _body(live_api, user.username, totp=live_api.totp(user.username))).status_code == 200


def _refresh(http: httpx.Client, api: LiveApi, tokens: dict, secret: str) -> httpx.Response:
    """Rotate as the workstation does: with the device secret issued when it was registered."""
    return http.post(api.url("/auth/refresh"), json={"refresh_token": tokens["refresh_token"],
                                                     "device_id": tokens["device_id"], "device_secret": secret})


def test_refresh_rotates_and_a_reused_refresh_token_ends_the_family(live_api: LiveApi) -> None:
    tokens = live_api.login(live_api.fresh(Role.PROVIDER))
    secret = tokens["device_secret"]
    with live_api.client() as http:
        rotated = _refresh(http, live_api, tokens, secret)
        assert rotated.status_code == 200, rotated.text
        assert rotated.json()["refresh_token"] != tokens["refresh_token"]
        newest = _refresh(http, live_api, rotated.json(), secret)
        assert newest.status_code == 200, newest.text
        reused = _refresh(http, live_api, tokens, secret)
        assert reused.status_code == 401
        assert reused.json()["code"] == "refresh_reused"
        assert _refresh(http, live_api, newest.json(), secret).status_code == 401
        # Every access token of the family ends with it, not only when its 10 minutes are up.
        for issued in (tokens, rotated.json(), newest.json()):
            assert _pull(http, live_api, issued).status_code == 401


def _pull(http: httpx.Client, api: LiveApi, tokens: dict) -> httpx.Response:
    """A call that always goes through the full token check (the long-poll may answer from a cache)."""
    return http.get(api.url("/sync/pull"), params={"after": 0, "limit": 1},
                    headers={"Authorization": f"Bearer {tokens['access_token']}"})


def test_a_refresh_retried_after_a_lost_answer_keeps_the_session(live_api: LiveApi) -> None:
    tokens = live_api.login(live_api.fresh(Role.FRONT_DESK))
    secret = tokens["device_secret"]
    with live_api.client() as http:
        lost = _refresh(http, live_api, tokens, secret)  # committed on the server; the desk never saw the answer
        assert lost.status_code == 200, lost.text
        assert _pull(http, live_api, lost.json()).status_code == 200
        retried = _refresh(http, live_api, tokens, secret)
        assert retried.status_code == 200, retried.text
        assert retried.json()["refresh_token"] != lost.json()["refresh_token"]
        # Nobody should hold the lost answer: its access token ends with its refresh token.
        assert _pull(http, live_api, lost.json()).status_code == 401
        assert _pull(http, live_api, retried.json()).status_code == 200
        again = _refresh(http, live_api, retried.json(), secret)
        assert again.status_code == 200, again.text
        access = http.get(live_api.url("/sync/changes"),
                          headers={"Authorization": f"Bearer {again.json()['access_token']}"})
        assert access.status_code == 200
        # The successor nobody received was spent by the retry: whoever presents it is reusing a token.
        stolen = _refresh(http, live_api, lost.json(), secret)
        assert stolen.status_code == 401
        assert stolen.json()["code"] == "refresh_reused"
        assert _refresh(http, live_api, again.json(), secret).status_code == 401


def test_a_refresh_issued_before_access_tokens_were_paired_is_still_retried_within_the_grace(
        live_api: LiveApi) -> None:
    tokens = live_api.login(live_api.fresh(Role.FRONT_DESK))
    secret = tokens["device_secret"]
    with live_api.client() as http:
        lost = _refresh(http, live_api, tokens, secret)
        assert lost.status_code == 200, lost.text
        # A successor issued by a server before schema 0004 does not know its access token.
        with live_api.database.transaction(live_api.tenant.id) as conn:
            conn.execute(t.tokens.update().where(t.tokens.c.tenant_id == live_api.tenant.id,
                                                 t.tokens.c.token_hash == token_hash(lost.json()["refresh_token"]))
                         .values(access_hash=None))
        retried = _refresh(http, live_api, tokens, secret)
        assert retried.status_code == 200, retried.text
        assert _pull(http, live_api, retried.json()).status_code == 200
        assert _refresh(http, live_api, lost.json(), secret).json()["code"] == "refresh_reused"


def test_a_refresh_retried_after_the_grace_ends_the_family(live_api: LiveApi) -> None:
    tokens = live_api.login(live_api.fresh(Role.FRONT_DESK))
    secret = tokens["device_secret"]
    with live_api.client() as http:
        lost = _refresh(http, live_api, tokens, secret)
        assert lost.status_code == 200, lost.text
        # The rotation happened longer ago than the grace (moved back in the database: no sleeping).
        moved_back = datetime.now(UTC) - timedelta(seconds=live_api.settings.refresh_grace_s + 5)
        with live_api.database.transaction(live_api.tenant.id) as conn:
            conn.execute(t.tokens.update().where(t.tokens.c.tenant_id == live_api.tenant.id,
                                                 t.tokens.c.token_hash == token_hash(tokens["refresh_token"]))
                         .values(used_at=moved_back))
        late = _refresh(http, live_api, tokens, secret)
        assert late.status_code == 401
        assert late.json()["code"] == "refresh_reused"
        assert _refresh(http, live_api, lost.json(), secret).status_code == 401


def test_sign_out_ends_the_session_at_once(live_api: LiveApi) -> None:
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as desk:
        assert desk.post("/auth/logout").status_code == 204
        assert desk.get("/sync/changes").status_code == 401


def test_disabling_a_user_ends_their_sessions_at_once(live_api: LiveApi) -> None:
    user = live_api.add_user(Role.FRONT_DESK)
    with Desk.sign_in(live_api, user.username) as desk, Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        assert desk.get("/sync/changes").status_code == 200
        assert manager.post(f"/users/{user.id}/disable").status_code == 200
        assert desk.get("/sync/changes").status_code == 401


@pytest.mark.parametrize("ended_by", ["sign_out", "device_revoked"])
def test_a_session_ended_by_another_server_process_is_refused_on_the_next_request(
        live_api: LiveApi, ended_by: str) -> None:
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as desk, live_api.client() as http:
        assert _pull(http, live_api, desk.tokens).status_code == 200
        # Another process behind the same load balancer ends it: only the shared database knows.
        tenant_id, now = live_api.tenant.id, datetime.now(UTC)
        with live_api.database.transaction(tenant_id) as conn:
            session_id = conn.execute(sa.select(t.tokens.c.session_id).where(
                t.tokens.c.tenant_id == tenant_id,
                t.tokens.c.token_hash == token_hash(desk.tokens["access_token"]))).scalar_one()
            conn.execute(t.sessions.update().where(t.sessions.c.tenant_id == tenant_id,
                                                   t.sessions.c.id == session_id)
                         .values(ended_at=now, end_reason=ended_by))
            if ended_by == "device_revoked":
                conn.execute(t.devices.update().where(t.devices.c.tenant_id == tenant_id,
                                                      t.devices.c.id == desk.device_id).values(revoked_at=now))
        answer = _pull(http, live_api, desk.tokens)
    assert answer.status_code == (403 if ended_by == "device_revoked" else 401)
    assert answer.json()["code"] == ("device_revoked" if ended_by == "device_revoked" else "session_expired")


def test_sign_in_with_a_clock_ten_minutes_off_is_refused(live_api: LiveApi) -> None:
    skewed = (datetime.now(UTC) + timedelta(minutes=10)).isoformat()
    answer = _login(live_api, _body(live_api, "manager", client_time=skewed, totp="000000"))
    assert answer.status_code == 409
    assert answer.json()["code"] == "clock_skew"
    assert "10 minutes off" in answer.json()["message"]


@pytest.mark.parametrize("password", ["short pass", "password1234", "aaaaaaaaaaaaaaa"])
def test_a_weak_new_password_is_refused_with_a_reason(live_api: LiveApi, password: str) -> None:
    with Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        answer = manager.post("/users", json={"username": "newbie", "display_name": "New", "role": "front_desk",
                                              "password": password})
    assert answer.status_code == 422
    assert answer.json()["code"] == "weak_password"


def test_a_long_password_is_accepted_whole_not_truncated(live_api: LiveApi) -> None:
    long_password = "river " * 30
    with Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        made = manager.post("/users", json={"username": "longpass", "display_name": "Long", "role": "front_desk",
                                            "password": long_password})
    assert made.status_code == 201, made.text
    truncated = _login(live_api, {"tenant": live_api.tenant.name, "username": "longpass",
                                  "password": long_password[:72]})
    assert truncated.json()["code"] == "invalid_credentials"
    whole = _login(live_api, {"tenant": live_api.tenant.name, "username": "longpass", "password": long_password})
    assert whole.json()["code"] == "totp_enrolment_required", "the whole password is right: on to the authenticator"


def test_one_totp_code_opens_one_session_however_many_sign_ins_race_with_it(live_api: LiveApi) -> None:
    """Racing sign-ins with one code: exactly one is accepted (PostgreSQL READ COMMITTED let two through)."""
    racers = 6
    for _ in range(3):
        user = live_api.add_user(Role.FRONT_DESK)
        body = _body(live_api, user.username, totp=live_api.totp(user.username))
        start = threading.Barrier(racers)

        def race(_: int, body: dict = body, start: threading.Barrier = start) -> httpx.Response:
            with live_api.client() as http:
                start.wait()
                return http.post(live_api.url("/auth/login"), json=body)

        with ThreadPoolExecutor(max_workers=racers) as pool:
            answers = list(pool.map(race, range(racers)))
        assert sorted(a.status_code for a in answers) == [200] + [401] * (racers - 1), [a.text for a in answers]
        assert {a.json()["code"] for a in answers if a.status_code == 401} == {"invalid_totp"}
