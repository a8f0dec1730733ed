"""The practice's switch window on the live API: a manager sets it, the server ends sessions by it.

Each test has a practice of its own (the window is practice-wide) and moves this
process's clock, which the live API in its background thread reads too.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
import time_machine

from medspa_api.db import tables as t
from medspa_desk.records import Role
from tests.support.live_api import LiveApi, TenantSeed


def _practice(api: LiveApi) -> TenantSeed:
    return api.add_tenant(f"switch-{secrets.token_hex(3)}")


def _bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def _set_window(api: LiveApi, manager: dict[str, Any], hours: object) -> httpx.Response:
    with api.client(headers=_bearer(manager)) as http:
        return http.put(api.url("/practice/switch-window"), json={"hours": hours})


def _refresh(api: LiveApi, tokens: dict[str, Any], *, secret: str) -> httpx.Response:
    with api.client() as http:
        return http.post(api.url("/auth/refresh"), json={"refresh_token": tokens["refresh_token"],
                                                        "device_id": tokens["device_id"], "device_secret": secret})


def _kept_until(api: LiveApi, seed: TenantSeed, tokens: dict[str, Any], hours: float) -> dict[str, Any]:
    """Refresh once, ``hours`` after now (the token unused in between, as a switched-out person's is)."""
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=hours), tick=True):
        return _refresh(api, tokens, secret=tokens["device_secret"]).json()


def test_a_session_lasts_twelve_hours_by_default_unused_in_between(live_api: LiveApi) -> None:
    seed = _practice(live_api)
    tokens = live_api.login("front_desk", tenant=seed)
    with live_api.client(headers=_bearer(live_api.login("manager", tenant=seed))) as http:
        assert http.get(live_api.url("/practice/switch-window")).json() == {"hours": 12}
    later = _kept_until(live_api, seed, tokens, 11.5)  # idle eleven and a half hours: still good
    assert "access_token" in later, later
    later["device_secret"] = tokens["device_secret"]
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=12, minutes=1), tick=True):
        answer = _refresh(live_api, later, secret=tokens["device_secret"])
    assert answer.status_code == 401
    assert answer.json()["code"] == "session_expired"


def test_the_manager_shortens_the_window_and_the_server_ends_older_sessions(live_api: LiveApi) -> None:
    seed = _practice(live_api)
    tokens = live_api.login("front_desk", tenant=seed)
    manager = live_api.login("manager", tenant=seed)
    answer = _set_window(live_api, manager, 2)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"hours": 2}
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=1, minutes=50), tick=True):
        assert _refresh(live_api, tokens, secret=tokens["device_secret"]).status_code == 200
    fresh = live_api.login("front_desk", tenant=seed)
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=2, minutes=1), tick=True):
        answer = _refresh(live_api, fresh, secret=fresh["device_secret"])
    assert answer.status_code == 401
    assert answer.json()["code"] == "session_expired"
    with live_api.database.transaction(seed.id) as conn:
        changed = conn.execute(sa.select(t.audit.c.detail, t.audit.c.outcome).where(
            t.audit.c.tenant_id == seed.id, t.audit.c.entity == "tenant")).all()
    assert [tuple(row) for row in changed] == [("switch_window_hours=2", "ok")]


def test_a_window_outside_one_to_24_hours_is_refused_with_a_plain_message_and_audited(live_api: LiveApi) -> None:
    seed = _practice(live_api)
    manager = live_api.login("manager", tenant=seed)
    for hours in (0, 25, -3):
        answer = _set_window(live_api, manager, hours)
        assert answer.status_code == 422
        assert answer.json() == {"code": "switch_window_out_of_range",
                                 "message": "The switch window is a whole number of hours from 1 to 24. "
                                            "Choose a number in that range and save again."}
    with live_api.client(headers=_bearer(manager)) as http:
        assert http.get(live_api.url("/practice/switch-window")).json() == {"hours": 12}
    with live_api.database.transaction(seed.id) as conn:
        refused = conn.execute(sa.select(t.audit.c.detail).where(
            t.audit.c.tenant_id == seed.id, t.audit.c.entity == "tenant", t.audit.c.outcome == "out_of_range")
            .order_by(t.audit.c.seq)).scalars().all()
    assert refused == ["switch_window_hours=0", "switch_window_hours=25", "switch_window_hours=-3"]


def test_only_a_manager_or_an_admin_may_set_the_window(live_api: LiveApi) -> None:
    seed = _practice(live_api)
    for role in (Role.FRONT_DESK, Role.PROVIDER):
        answer = _set_window(live_api, live_api.login(role.value, tenant=seed), 3)
        assert answer.status_code == 403
        assert answer.json()["code"] == "forbidden"
    assert _set_window(live_api, live_api.login("admin", tenant=seed), 3).status_code == 200
