"""Signing in on a workstation: the vault, the store and sync together, against the live API."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from medspa_desk.records import AuditAction
from medspa_desk.session import DeskSession
from medspa_desk.signing_in import SignInOptions, sign_in
from medspa_desk.sync.errors import SignInNeeded, TotpRequired
from medspa_desk.vault import PinUnavailable, TryAgainLater, WrongPassword, WrongPin
from medspa_desk.workstation import Workstation
from tests.support.live_api import LiveApi
from tests.support.store_workers import store_worker


@pytest.fixture
def api(tmp_path: Path) -> Iterator[LiveApi]:
    with LiveApi.start(tmp_path / "server") as live:
        yield live


def options(api: LiveApi) -> SignInOptions:
    return SignInOptions(server_url=api.base_url, tenant=api.tenant.name, ca_path=api.ca_path)


def first_sign_in(api: LiveApi, directory: Path, who: str = "front_desk") -> DeskSession:
    user = api.users[who]
    return sign_in(directory, username=user.username, password=user.password, totp=api.totp(who),
                   options=options(api), worker=store_worker())


def wait_for_location(session: DeskSession) -> None:
    assert session.sync is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if session.sync.with_store(lambda store: session.reload_location()):
            return
        time.sleep(0.05)
    raise AssertionError(f"the first sync did not bring the location: {session.sync.status}")


def test_first_sign_in_needs_the_authenticator_code(api: LiveApi, tmp_path: Path) -> None:
    user = api.users["front_desk"]
    with pytest.raises(TotpRequired):
        sign_in(tmp_path / "desk", username=user.username, password=user.password, options=options(api),
                worker=store_worker())
    assert not (tmp_path / "desk" / "desk.db").exists()


def test_new_workstation_is_set_up_by_the_first_online_sign_in_and_syncs(api: LiveApi, tmp_path: Path) -> None:
    session = first_sign_in(api, tmp_path / "desk")
    try:
        wait_for_location(session)
        assert session.location.id == api.tenant.location.id
        assert session.actor.role.value == "front_desk"
        config = Workstation(tmp_path / "desk").load()
        assert config.users == {api.users["front_desk"].username: api.users["front_desk"].id}
        assert config.device_id is not None and config.vault_id is not None
    finally:
        session.sign_out()


def test_an_enrolled_user_signs_in_offline_from_the_keyslot(api: LiveApi, tmp_path: Path) -> None:
    first_sign_in(api, tmp_path / "desk").sign_out()
    api.stop()
    user = api.users["front_desk"]
    session = sign_in(tmp_path / "desk", worker=store_worker(), username=user.username, password=user.password)
    try:
        assert session.sync is None  # no server: working from the encrypted cache
        assert session.store is not None and session.user.id == user.id
    finally:
        session.sign_out()


def test_a_second_user_is_enrolled_through_escrow(api: LiveApi, tmp_path: Path) -> None:
    first_sign_in(api, tmp_path / "desk").sign_out()
    second = first_sign_in(api, tmp_path / "desk", who="provider")
    second.sign_out()
    config = Workstation(tmp_path / "desk").load()
    assert set(config.users.values()) == {api.users["front_desk"].id, api.users["provider"].id}


def test_lock_wipes_the_key_and_a_pin_reopens_until_five_misses(api: LiveApi, tmp_path: Path) -> None:
    session = first_sign_in(api, tmp_path / "desk")
    try:
        session.set_pin("2468")
        session.lock()
        assert session.is_locked and session._key is None
        with pytest.raises(SignInNeeded):
            session.reload_location()
        session.unlock_with_pin("2468")
        assert not session.is_locked
        session.lock()
        for _ in range(5):
            with pytest.raises((WrongPin, PinUnavailable)):
                session.unlock_with_pin("0000")
        with pytest.raises(PinUnavailable):
            session.unlock_with_pin("2468")
        with pytest.raises(WrongPassword):
            session.unlock_with_password("not the password at all")
        with pytest.raises(TryAgainLater) as waiting:  # a growing delay after each wrong password
            session.unlock_with_password(api.users["front_desk"].password)
        time.sleep(waiting.value.seconds_left)
        session.unlock_with_password(api.users["front_desk"].password)
        assert not session.is_locked
    finally:
        session.sign_out()


def test_failed_unlocks_while_locked_reach_the_audit_trail_at_the_next_unlock(api: LiveApi, tmp_path: Path) -> None:
    session = first_sign_in(api, tmp_path / "desk")
    try:
        session.lock()
        with pytest.raises(WrongPassword):
            session.unlock_with_password("wrong password entirely")
        assert Workstation(tmp_path / "desk").held_audit()
        with pytest.raises(TryAgainLater) as waiting:
            session.unlock_with_password(api.users["front_desk"].password)
        time.sleep(waiting.value.seconds_left)
        store = session.unlock_with_password(api.users["front_desk"].password)
        assert not Workstation(tmp_path / "desk").held_audit()
        actions = [event.action for event in store.audit.events(limit=10_000)]
        since_lock = actions[len(actions) - 1 - actions[::-1].index(AuditAction.LOCK):]
        # The wrong password and the attempt made while still waiting both count as failed unlocks.
        assert since_lock == [AuditAction.LOCK, AuditAction.UNLOCK_FAILED, AuditAction.UNLOCK_FAILED,
                              AuditAction.UNLOCK]
    finally:
        session.sign_out()


def test_after_signing_out_the_next_sign_in_goes_online_again_with_the_code(api: LiveApi, tmp_path: Path) -> None:
    first_sign_in(api, tmp_path / "desk").sign_out()  # sign-out forgets the refresh token
    user = api.users["front_desk"]
    with pytest.raises(TotpRequired):
        sign_in(tmp_path / "desk", worker=store_worker(), username=user.username, password=user.password)
    session = sign_in(tmp_path / "desk", worker=store_worker(), username=user.username, password=user.password,
                      totp=api.totp("front_desk"))
    try:
        assert session.sync is not None  # syncing, not stranded offline
        wait_for_location(session)
    finally:
        session.sign_out()


def test_a_kept_session_resumes_without_the_password_being_sent(api: LiveApi, tmp_path: Path) -> None:
    session = first_sign_in(api, tmp_path / "desk")
    session.lock()  # closing the app locks; the refresh token stays in the keychain
    session.sync.stop(timeout_s=5)
    user = api.users["front_desk"]
    again = sign_in(tmp_path / "desk", worker=store_worker(), username=user.username,
                    password=user.password)  # no code asked
    try:
        assert again.sync is not None
    finally:
        again.sign_out()
