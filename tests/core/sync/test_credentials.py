"""Refresh tokens live in the real OS keychain, wrapped so another app user (or enrolled colleague) cannot replay them."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID, uuid4

import keyring
import pytest
from keyring.backends import fail

from medspa_desk.sync.credentials import (
    forget_refresh_token,
    load_refresh_token,
    refresh_token_entry,
    save_refresh_token,
)
from medspa_desk.vault import SecretKey, Vault
from medspa_desk.vault.keychain import forget_device_secret

SERVER = "https://sync.example.test"


def fresh_key() -> SecretKey:
    return SecretKey(bytearray(secrets.token_bytes(32)))


@pytest.fixture
def user_id(secret_service: None) -> Iterator[UUID]:
    user = uuid4()
    yield user
    for server in (SERVER, "https://other.example.test"):
        forget_refresh_token(server_url=server, user_id=user)


def test_a_saved_token_comes_back_with_the_same_key(user_id: UUID) -> None:
    key = fresh_key()
    assert save_refresh_token("rt-one-very-secret", server_url=SERVER, user_id=user_id, user_secret=key) is None
    assert load_refresh_token(server_url=SERVER, user_id=user_id, user_secret=key) == "rt-one-very-secret"


def test_the_keychain_holds_the_token_wrapped_not_in_clear(user_id: UUID) -> None:
    save_refresh_token("rt-plain-text-would-leak", server_url=SERVER, user_id=user_id, user_secret=fresh_key())
    stored = refresh_token_entry(server_url=SERVER, user_id=user_id).get()
    assert stored is not None
    assert "rt-plain-text-would-leak" not in stored


def test_a_token_does_not_open_without_the_users_own_secret(user_id: UUID) -> None:
    save_refresh_token("rt-for-this-vault", server_url=SERVER, user_id=user_id, user_secret=fresh_key())
    assert load_refresh_token(server_url=SERVER, user_id=user_id, user_secret=fresh_key()) is None


def test_each_server_and_user_has_its_own_entry(user_id: UUID) -> None:
    key = fresh_key()
    other_user = uuid4()
    try:
        save_refresh_token("rt-server-a", server_url=SERVER, user_id=user_id, user_secret=key)
        save_refresh_token("rt-server-b", server_url="https://other.example.test", user_id=user_id, user_secret=key)
        save_refresh_token("rt-other-user", server_url=SERVER, user_id=other_user, user_secret=key)
        assert load_refresh_token(server_url=SERVER, user_id=user_id, user_secret=key) == "rt-server-a"
        assert load_refresh_token(server_url="https://other.example.test", user_id=user_id,
                                  user_secret=key) == "rt-server-b"
        assert load_refresh_token(server_url=SERVER, user_id=other_user, user_secret=key) == "rt-other-user"
    finally:
        forget_refresh_token(server_url=SERVER, user_id=other_user)


def test_a_token_moved_to_another_users_entry_does_not_open(user_id: UUID) -> None:
    key = fresh_key()
    other_user = uuid4()
    save_refresh_token("rt-belongs-to-user", server_url=SERVER, user_id=user_id, user_secret=key)
    stolen = refresh_token_entry(server_url=SERVER, user_id=user_id).get()
    assert stolen is not None
    refresh_token_entry(server_url=SERVER, user_id=other_user).set(stolen)
    try:
        assert load_refresh_token(server_url=SERVER, user_id=other_user, user_secret=key) is None
    finally:
        forget_refresh_token(server_url=SERVER, user_id=other_user)


def test_forgetting_removes_the_keychain_entry(user_id: UUID) -> None:
    key = fresh_key()
    save_refresh_token("rt-to-forget", server_url=SERVER, user_id=user_id, user_secret=key)
    assert forget_refresh_token(server_url=SERVER, user_id=user_id) is True
    assert refresh_token_entry(server_url=SERVER, user_id=user_id).get() is None
    assert forget_refresh_token(server_url=SERVER, user_id=user_id) is False


def test_without_a_keychain_the_token_stays_in_memory_and_says_so(user_id: UUID) -> None:
    """The no-keychain case: the one place an unusable keyring stands in for the real one."""
    real = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        notice = save_refresh_token("rt-memory-only", server_url=SERVER, user_id=user_id, user_secret=fresh_key())
        assert notice is not None and "sign in online again" in notice
        assert load_refresh_token(server_url=SERVER, user_id=user_id, user_secret=fresh_key()) is None
    finally:
        keyring.set_keyring(real)


AMY_PASSWORD = "amy's own desk passphrase"
BEN_PASSWORD = "ben's quite different passphrase"


@pytest.fixture
def shared_vault(secret_service: None, tmp_path: Path) -> Iterator[tuple[Vault, UUID, UUID]]:
    """One workstation vault with two enrolled users, Amy and Ben, sharing its data key."""
    amy, ben = uuid4(), uuid4()
    vault, key = Vault.create(tmp_path / "desk", user_id=amy, password=AMY_PASSWORD)
    with key:
        vault.enroll(ben, BEN_PASSWORD, key=key)
    yield vault, amy, ben
    for user in (amy, ben):
        forget_refresh_token(server_url=SERVER, user_id=user)
    forget_device_secret(vault.vault_id)


def test_an_enrolled_colleague_cannot_open_another_users_token(shared_vault: tuple[Vault, UUID, UUID]) -> None:
    vault, amy, ben = shared_vault
    ben_key, ben_secret = vault.unlock_with_user_secret(ben, BEN_PASSWORD)
    save_refresh_token("rt-ben-only", server_url=SERVER, user_id=ben, user_secret=ben_secret)
    amy_key, amy_secret = vault.unlock_with_user_secret(amy, AMY_PASSWORD)
    with ben_key, ben_secret, amy_key, amy_secret:
        assert bytes(amy_key.buffer) == bytes(ben_key.buffer), "both hold the one data key"
        # Amy has everything her own unlock gives: neither the data key nor her secret opens Ben's entry.
        assert load_refresh_token(server_url=SERVER, user_id=ben, user_secret=amy_secret) is None
        assert load_refresh_token(server_url=SERVER, user_id=ben, user_secret=amy_key) is None
        assert load_refresh_token(server_url=SERVER, user_id=ben, user_secret=ben_secret) == "rt-ben-only"


def test_a_password_change_leaves_the_kept_token_unreadable(shared_vault: tuple[Vault, UUID, UUID]) -> None:
    vault, _amy, ben = shared_vault
    key, old_secret = vault.unlock_with_user_secret(ben, BEN_PASSWORD)
    key.wipe()
    with old_secret:
        save_refresh_token("rt-before-the-change", server_url=SERVER, user_id=ben, user_secret=old_secret)
    vault.change_password(ben, BEN_PASSWORD, "ben's new passphrase after the change")
    key, new_secret = vault.unlock_with_user_secret(ben, "ben's new passphrase after the change")
    with key, new_secret:
        # Refused in words by the caller: the next sign-in goes online with the authenticator code.
        assert load_refresh_token(server_url=SERVER, user_id=ben, user_secret=new_secret) is None
