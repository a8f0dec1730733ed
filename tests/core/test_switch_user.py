"""Switching user on a shared workstation, against the live API over TLS on loopback (real keychain and vault).

A person who switches user keeps their server session: they come back with their
password alone while it lasts (the practice's switch window), and the code is asked
after it. Each switch is audited on the desk's trail and reaches the server. The
clock is moved with time-machine: this process's clock is the live API's too.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine

from medspa_api.db import tables as t
from medspa_desk.desk.switch_window import SwitchWindowDesk
from medspa_desk.records import Role
from medspa_desk.rules import NotPermitted
from medspa_desk.session import DeskSession
from medspa_desk.signing_in import sign_in
from medspa_desk.sync.errors import SyncError, TotpRequired
from tests.core.test_session import options
from tests.support.live_api import LiveApi
from tests.support.store_workers import store_worker


@pytest.fixture
def api(tmp_path: Path) -> Iterator[LiveApi]:
    with LiveApi.start(tmp_path / "server") as live:
        yield live


def _with_code(api: LiveApi, desk: Path, who: str, *, handed_over_by: DeskSession | None = None) -> DeskSession:
    user = api.users[who]
    return sign_in(desk, username=user.username, password=user.password, totp=api.totp(who),
                   options=options(api), worker=store_worker(),
                   handed_over_by=handed_over_by.user.id if handed_over_by else None)


def _password_only(api: LiveApi, desk: Path, who: str, *, handed_over_by: DeskSession | None = None) -> DeskSession:
    user = api.users[who]
    return sign_in(desk, username=user.username, password=user.password, worker=store_worker(),
                   handed_over_by=handed_over_by.user.id if handed_over_by else None)


def _switches_on_server(api: LiveApi) -> list[tuple[object, ...]]:
    with api.database.transaction(api.tenant.id) as conn:
        return [tuple(row) for row in conn.execute(
            sa.select(t.audit.c.actor_user_id, t.audit.c.entity_id, t.audit.c.device_id)
            .where(t.audit.c.tenant_id == api.tenant.id, t.audit.c.action == "switch").order_by(t.audit.c.seq))]


def _wait_for(check: object, *, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("not seen in time")


def test_a_colleague_switches_back_in_without_a_code_and_the_switch_reaches_the_server(
        api: LiveApi, tmp_path: Path) -> None:
    desk = tmp_path / "desk"
    reception = _with_code(api, desk, "front_desk")
    reception.hand_over()
    nurse = _with_code(api, desk, "provider", handed_over_by=reception)  # enrolled here now: a code, once
    nurse.hand_over()
    back = _password_only(api, desk, "front_desk", handed_over_by=nurse)  # no code: the kept session resumes
    try:
        assert back.sync is not None
        device = back.config.device_id
        front_desk, provider = api.users["front_desk"].id, api.users["provider"].id
        # Who took over from whom, on which workstation: each on the desk's trail, then the server's.
        _wait_for(lambda: len(_switches_on_server(api)) == 2)
        assert _switches_on_server(api) == [(provider, front_desk, device), (front_desk, provider, device)]
    finally:
        back.hand_over()
    again = _password_only(api, desk, "provider")
    again.sign_out()  # a plain sign-out ends the server session: next time, the code
    with pytest.raises(TotpRequired):
        _password_only(api, desk, "provider")


def test_after_the_switch_window_the_code_is_asked_again(api: LiveApi, tmp_path: Path) -> None:
    desk = tmp_path / "desk"
    _with_code(api, desk, "front_desk").hand_over()
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=11, minutes=50), tick=True):
        _password_only(api, desk, "front_desk").hand_over()  # inside the default 12 hours
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=12, minutes=5), tick=True):
        with pytest.raises(TotpRequired):
            _password_only(api, desk, "front_desk")
        _with_code(api, desk, "front_desk").sign_out()


def test_the_manager_sets_the_window_and_the_server_holds_switches_to_it(api: LiveApi, tmp_path: Path) -> None:
    desk = tmp_path / "desk"
    manager = _with_code(api, desk, "manager")
    policy = SwitchWindowDesk(manager, role=manager.user.role)
    assert policy.hours() == 12
    with pytest.raises(SyncError, match="whole number of hours from 1 to 24"):
        policy.set_hours(30)
    assert policy.set_hours(2) == 2
    manager.sign_out()
    with pytest.raises(NotPermitted):
        SwitchWindowDesk(manager, role=Role.FRONT_DESK).set_hours(5)
    _with_code(api, desk, "front_desk").hand_over()
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=1, minutes=45), tick=True):
        _password_only(api, desk, "front_desk").hand_over()
    with (time_machine.travel(datetime.now(UTC) + timedelta(hours=2, minutes=5), tick=True),
          pytest.raises(TotpRequired)):
        _password_only(api, desk, "front_desk")
