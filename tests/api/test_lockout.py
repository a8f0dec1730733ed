"""Lockout under parallel guessing, and a locked account that does not give its username away."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_desk.records import Role
from tests.support.live_api import LiveApi


@pytest.fixture(autouse=True)
def _address_budget_restored(live_api: LiveApi) -> Iterator[None]:
    """These tests fail sign-ins on purpose; the loopback address's budget must not run out for others."""
    yield
    with live_api.database.transaction() as conn:
        conn.execute(t.address_throttle.delete().where(t.address_throttle.c.address == "127.0.0.1"))


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
    assert right.status_code == 423, right.text
    assert right.json()["code"] == "locked"


def test_a_locked_account_answers_a_wrong_password_like_an_unknown_user(live_api: LiveApi) -> None:
    user = live_api.add_user(Role.FRONT_DESK)
    for _ in range(live_api.settings.lockout_after_failures):
        assert _login(live_api, _body(live_api, user.username, "wrong guess number")).status_code == 401
    locked = _login(live_api, _body(live_api, user.username, "another wrong guess"))
    unknown = _login(live_api, _body(live_api, "nobody-by-this-name", "another wrong guess"))
    assert (locked.status_code, locked.json()) == (unknown.status_code, unknown.json())
    assert locked.json()["code"] == "invalid_credentials"
    assert "Retry-After" not in locked.headers
    right = _login(live_api, _body(live_api, user.username, user.password))
    assert right.status_code == 423
    assert right.json()["code"] == "locked"
