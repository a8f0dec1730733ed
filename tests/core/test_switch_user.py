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
from medspa_desk.records import AuditAction, AuditEvent, Role
from medspa_desk.rules import NotPermitted
from medspa_desk.session import DeskSession
from medspa_desk.signing_in import PasswordNeeded, pin_switch_possible, sign_in, sign_in_with_pin
from medspa_desk.sync.errors import SyncError, TotpRequired
from medspa_desk.vault import PinUnavailable, WrongPin
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


# --- a PIN for a warm session --------------------------------------------------------------------


def _pin(api: LiveApi, desk: Path, who: str, pin: str = "2468", *,
         handed_over_by: DeskSession | None = None) -> DeskSession:
    return sign_in_with_pin(desk, username=api.users[who].username, pin=pin, worker=store_worker(),
                            handed_over_by=handed_over_by.user.id if handed_over_by else None)


def _warm(api: LiveApi, desk: Path, who: str = "front_desk") -> DeskSession:
    """``who`` signs in with the code, sets a PIN and switches user: their session is warm."""
    session = _with_code(api, desk, who)
    session.set_pin("2468")
    session.hand_over()
    return session


def _trail(api: LiveApi, desk: Path, who: str) -> list[AuditEvent]:
    """``who``'s desk trail, read after signing in with the password (held refusals are flushed then)."""
    session = _password_only(api, desk, who)
    try:
        return store_worker().run_sync(lambda _attached: session.store.audit.events())
    finally:
        session.sign_out()


def test_a_warm_colleague_switches_back_in_with_the_pin_and_it_is_audited_as_a_switch(
        api: LiveApi, tmp_path: Path) -> None:
    desk = tmp_path / "desk"
    reception = _warm(api, desk)
    assert pin_switch_possible(desk, username=api.users["front_desk"].username)
    nurse = _with_code(api, desk, "provider", handed_over_by=reception)
    nurse.hand_over()
    back = _pin(api, desk, "front_desk", handed_over_by=nurse)
    try:
        assert back.sync is not None  # the server took the kept session
        assert back.pin_available  # the same PIN locks this session
        events = store_worker().run_sync(lambda _attached: back.store.audit.events())
        assert [e.detail for e in events if e.action is AuditAction.SIGN_IN][-1] == "pin switch, online"
        assert (back.user.id, nurse.user.id) in [(e.actor_user_id, e.entity_id) for e in events
                                                 if e.action is AuditAction.SWITCH]
    finally:
        back.hand_over()
    assert _pin(api, desk, "front_desk").sync is not None  # warm again after the next switch


def test_the_pin_is_never_enough_for_someone_not_warm_here(api: LiveApi, tmp_path: Path) -> None:
    desk = tmp_path / "desk"
    _warm(api, desk)
    _with_code(api, desk, "provider").hand_over()  # enrolled here, but never set a PIN
    for who in ("provider", "manager"):  # no PIN seat; not even enrolled here
        with pytest.raises(PasswordNeeded):
            _pin(api, desk, who)
    _password_only(api, desk, "front_desk").sign_out()  # signing out (not switching) ends the warm seat
    with pytest.raises(PasswordNeeded):
        _pin(api, desk, "front_desk")
    assert not pin_switch_possible(desk, username=api.users["front_desk"].username)


def test_five_wrong_pins_drop_the_warm_seat_and_each_miss_is_audited(api: LiveApi, tmp_path: Path) -> None:
    desk = tmp_path / "desk"
    _warm(api, desk)
    for _ in range(4):
        with pytest.raises(WrongPin):
            _pin(api, desk, "front_desk", "1111")
    with pytest.raises(PinUnavailable):
        _pin(api, desk, "front_desk", "1111")
    with pytest.raises(PasswordNeeded):
        _pin(api, desk, "front_desk")  # the right PIN, too late
    misses = [e.detail for e in _trail(api, desk, "front_desk") if e.action is AuditAction.SIGN_IN_FAILED]
    assert misses == [f"pin switch misses={n} reason={'WrongPin' if n < 5 else 'PinUnavailable'}"
                      for n in range(1, 6)]


def test_after_the_switch_window_the_pin_is_refused_and_the_code_is_asked(api: LiveApi, tmp_path: Path) -> None:
    desk = tmp_path / "desk"
    _warm(api, desk)
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=12, minutes=5), tick=True):
        with pytest.raises(PasswordNeeded, match="has ended"):
            _pin(api, desk, "front_desk")
        with pytest.raises(TotpRequired):
            _password_only(api, desk, "front_desk")


def test_a_session_the_server_ended_is_not_brought_back_by_the_pin(api: LiveApi, tmp_path: Path) -> None:
    desk = tmp_path / "desk"
    reception = _warm(api, desk)
    with api.database.transaction(api.tenant.id) as conn:  # ended on the server (another desk signed out all)
        conn.execute(t.sessions.update().where(t.sessions.c.tenant_id == api.tenant.id,
                                               t.sessions.c.user_id == reception.user.id)
                     .values(ended_at=datetime.now(UTC), end_reason="signed_out"))
    with pytest.raises(PasswordNeeded, match="has ended"):
        _pin(api, desk, "front_desk")


def test_offline_the_pin_is_not_enough_and_the_password_works_from_the_cache(api: LiveApi, tmp_path: Path) -> None:
    desk = tmp_path / "desk"
    _warm(api, desk)
    api.stop()
    with pytest.raises(PasswordNeeded, match="cannot be reached"):
        _pin(api, desk, "front_desk")
    offline = _password_only(api, desk, "front_desk")
    assert offline.sync is None
    offline.sign_out()
