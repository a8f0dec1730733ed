"""Refresh tokens live in the real OS keychain, wrapped so another app user cannot replay them."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
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
from medspa_desk.vault import SecretKey

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
    assert save_refresh_token("rt-one-very-secret", server_url=SERVER, user_id=user_id, data_key=key) is None
    assert load_refresh_token(server_url=SERVER, user_id=user_id, data_key=key) == "rt-one-very-secret"


def test_the_keychain_holds_the_token_wrapped_not_in_clear(user_id: UUID) -> None:
    save_refresh_token("rt-plain-text-would-leak", server_url=SERVER, user_id=user_id, data_key=fresh_key())
    stored = refresh_token_entry(server_url=SERVER, user_id=user_id).get()
    assert stored is not None
    assert "rt-plain-text-would-leak" not in stored


def test_a_token_does_not_open_without_the_users_data_key(user_id: UUID) -> None:
    save_refresh_token("rt-for-this-vault", server_url=SERVER, user_id=user_id, data_key=fresh_key())
    assert load_refresh_token(server_url=SERVER, user_id=user_id, data_key=fresh_key()) is None


def test_each_server_and_user_has_its_own_entry(user_id: UUID) -> None:
    key = fresh_key()
    other_user = uuid4()
    try:
        save_refresh_token("rt-server-a", server_url=SERVER, user_id=user_id, data_key=key)
        save_refresh_token("rt-server-b", server_url="https://other.example.test", user_id=user_id, data_key=key)
        save_refresh_token("rt-other-user", server_url=SERVER, user_id=other_user, data_key=key)
        assert load_refresh_token(server_url=SERVER, user_id=user_id, data_key=key) == "rt-server-a"
        assert load_refresh_token(server_url="https://other.example.test", user_id=user_id,
                                  data_key=key) == "rt-server-b"
        assert load_refresh_token(server_url=SERVER, user_id=other_user, data_key=key) == "rt-other-user"
    finally:
        forget_refresh_token(server_url=SERVER, user_id=other_user)


def test_a_token_moved_to_another_users_entry_does_not_open(user_id: UUID) -> None:
    key = fresh_key()
    other_user = uuid4()
    save_refresh_token("rt-belongs-to-user", server_url=SERVER, user_id=user_id, data_key=key)
    stolen = refresh_token_entry(server_url=SERVER, user_id=user_id).get()
    assert stolen is not None
    refresh_token_entry(server_url=SERVER, user_id=other_user).set(stolen)
    try:
        assert load_refresh_token(server_url=SERVER, user_id=other_user, data_key=key) is None
    finally:
        forget_refresh_token(server_url=SERVER, user_id=other_user)


def test_forgetting_removes_the_keychain_entry(user_id: UUID) -> None:
    key = fresh_key()
    save_refresh_token("rt-to-forget", server_url=SERVER, user_id=user_id, data_key=key)
    assert forget_refresh_token(server_url=SERVER, user_id=user_id) is True
    assert refresh_token_entry(server_url=SERVER, user_id=user_id).get() is None
    assert forget_refresh_token(server_url=SERVER, user_id=user_id) is False


def test_without_a_keychain_the_token_stays_in_memory_and_says_so(user_id: UUID) -> None:
    """The no-keychain case: the one place an unusable keyring stands in for the real one."""
    real = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        notice = save_refresh_token("rt-memory-only", server_url=SERVER, user_id=user_id, data_key=fresh_key())
        assert notice is not None and "sign in online again" in notice
        assert load_refresh_token(server_url=SERVER, user_id=user_id, data_key=fresh_key()) is None
    finally:
        keyring.set_keyring(real)
