"""The keychain against the real Secret Service (gnome-keyring in a private D-Bus session)."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest

from medspa_desk.vault import KeychainEntry, device_secret, keychain_problem
from medspa_desk.vault.keychain import (
    DEVICE_SECRET_SERVICE,
    device_secret_entry,
    forget_device_secret,
)

pytestmark = pytest.mark.usefixtures("secret_service")


@pytest.fixture
def entry() -> Iterator[KeychainEntry]:
    made = KeychainEntry(service="Medspa Desk test entry", username=str(uuid4()))
    yield made
    made.delete()


def test_a_keychain_entry_stores_reads_and_deletes_a_secret(entry: KeychainEntry) -> None:
    assert entry.get() is None
    entry.set("refresh-token-abc")
    assert entry.get() == "refresh-token-abc"
    assert entry.delete() is True
    assert entry.get() is None


def test_deleting_an_absent_entry_says_there_was_none(entry: KeychainEntry) -> None:
    assert entry.delete() is False


def test_setting_an_entry_again_replaces_its_secret(entry: KeychainEntry) -> None:
    entry.set("first")
    entry.set("second")
    assert entry.get() == "second"


def test_the_secret_service_counts_as_a_usable_keychain() -> None:
    assert keychain_problem() is None


def test_the_device_secret_is_made_once_and_then_kept() -> None:
    vault_id = uuid4()
    try:
        first = device_secret(vault_id, create=True)
        again = device_secret(vault_id, create=True)
        assert first.secret is not None and again.secret is not None
        assert len(first.secret) == 32
        assert first.secret.buffer == again.secret.buffer
        assert device_secret_entry(vault_id).service == DEVICE_SECRET_SERVICE
    finally:
        forget_device_secret(vault_id)


def test_an_absent_device_secret_is_not_made_unless_asked() -> None:
    vault_id = uuid4()
    found = device_secret(vault_id, create=False)
    assert found.secret is None
    assert found.keychain_available is True
    assert "no device secret" in (found.reason or "")
    assert device_secret_entry(vault_id).get() is None


def test_device_secrets_of_two_vaults_differ() -> None:
    one, two = uuid4(), uuid4()
    try:
        first = device_secret(one, create=True).secret
        second = device_secret(two, create=True).secret
        assert first is not None and second is not None
        assert first.buffer != second.buffer
    finally:
        forget_device_secret(one)
        forget_device_secret(two)


def test_a_malformed_device_secret_is_treated_as_missing() -> None:
    vault_id = uuid4()
    device_secret_entry(vault_id).set("not base64 at all!")
    try:
        found = device_secret(vault_id, create=True)
        assert found.secret is None
        assert found.keychain_available is True
        assert device_secret_entry(vault_id).get() == "not base64 at all!"
    finally:
        forget_device_secret(vault_id)
