"""Lockout under parallel guessing, and a locked account that does not give its username away."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_desk.records import Role
from tests.support.live_api import LiveApi

# These tests fail sign-ins on purpose; the loopback address's budget must not run out for others.
pytestmark = pytest.mark.usefixtures("address_budget_restored")


def _login(api: LiveApi, body: dict) -> httpx.Response:
    with api.client() as http:
        return http.post(api.url("/auth/login"), json=body)


def _body(api: LiveApi, username: str, password: str) -> dict:
    return {"tenant": api.tenant.name, "username": username, "password": password}


def _failed_logins(api: LiveApi, username: str) -> int:
    with api.database.transaction(api.tenant.id, write=False) as conn:
        return conn.execute(sa.select(t.users.c.failed_logins).where(
            t.users.c.tenant_id == api.tenant.id, t.users.c.username == username)).scalar_one()


def test_parallel_wrong_passwords_lock_the_account_at_exactly_the_documented_count(live_api: LiveApi) -> None:
    user = live_api.add_user(Role.FRONT_DESK)
    count = live_api.settings.lockout_after_failures
    with ThreadPoolExecutor(max_workers=count) as pool:
        answers = list(pool.map(lambda _: _login(live_api, _body(live_api, user.username, "wrong guess number")),
                                range(count)))
    assert [a.status_code for a in answers] == [401] * count
    assert _failed_logins(live_api, user.username) == count
    right = _login(live_api, {**_body(live_api, user.username, user.password), "totp": live_api.totp(user.username)})
    assert right.status_code == 401, right.text
    assert right.json()["code"] == "invalid_credentials"


def test_a_locked_account_answers_any_password_like_an_unknown_user(live_api: LiveApi) -> None:
    user = live_api.add_user(Role.FRONT_DESK)
    for _ in range(live_api.settings.lockout_after_failures):
        assert _login(live_api, _body(live_api, user.username, "wrong guess number")).status_code == 401
    locked = _login(live_api, _body(live_api, user.username, "another wrong guess"))
    unknown = _login(live_api, _body(live_api, "nobody-by-this-name", "another wrong guess"))
    assert (locked.status_code, locked.json()) == (unknown.status_code, unknown.json())
    assert locked.json()["code"] == "invalid_credentials"
    assert "Retry-After" not in locked.headers
    right = _login(live_api, _body(live_api, user.username, user.password))
    assert (right.status_code, right.json()) == (unknown.status_code, unknown.json()), \
        "the right password on a locked account answers exactly like a wrong one"
    assert "Retry-After" not in right.headers


def _lock_state(api: LiveApi, username: str) -> tuple[int, object]:
    with api.database.transaction(api.tenant.id, write=False) as conn:
        row = conn.execute(sa.select(t.users.c.failed_logins, t.users.c.locked_until).where(
            t.users.c.tenant_id == api.tenant.id, t.users.c.username == username)).one()
    return row.failed_logins, row.locked_until


def _outcomes(api: LiveApi, user_id: object) -> list[str]:
    with api.database.transaction(api.tenant.id, write=False) as conn:
        return list(conn.execute(sa.select(t.audit.c.outcome).where(
            t.audit.c.tenant_id == api.tenant.id, t.audit.c.actor_user_id == user_id,
            t.audit.c.action == "sign_in_failed").order_by(t.audit.c.seq)).scalars())


def test_guesses_on_a_locked_account_count_extend_the_lock_and_are_audited_with_the_user(live_api: LiveApi) -> None:
    user = live_api.add_user(Role.FRONT_DESK)
    count = live_api.settings.lockout_after_failures
    for _ in range(count):
        assert _login(live_api, _body(live_api, user.username, "wrong guess number")).status_code == 401
    failures, first_lock = _lock_state(live_api, user.username)
    assert failures == count and first_lock is not None
    assert _login(live_api, _body(live_api, user.username, "a guess while locked")).status_code == 401
    failures, extended = _lock_state(live_api, user.username)
    assert failures == count + 1, "a failure while locked is counted"
    assert extended > first_lock, "and sets a longer lock from now (the lock doubles past the count)"
    right = _login(live_api, {**_body(live_api, user.username, user.password), "totp": live_api.totp(user.username)})
    assert right.status_code == 401
    assert _lock_state(live_api, user.username) == (count + 1, extended), \
        "the right password while locked does not keep its owner out longer"
    assert _outcomes(live_api, user.id) == ["wrong_password"] * count + ["wrong_password_while_locked", "locked"]
