"""A workstation without a usable keychain: password-only slots, said plainly.

The only tests that swap the real Secret Service for keyring's "fail" and
"null" backends, which is how keyring itself reports that nothing is there.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar
from uuid import uuid4

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from medspa_desk.vault import (
    KeychainEntry,
    KeychainUnavailable,
    Vault,
    device_secret,
    keychain_problem,
)
from medspa_desk.vault.keychain import NO_KEYCHAIN, forget_device_secret
from medspa_desk.vault.keyslots import KEYSLOT_FILE_NAME
from tests.core.vault.support import PASSWORD


@pytest.fixture
def swap_keyring() -> Iterator:
    real = keyring.get_keyring()

    def swap(backend: KeyringBackend) -> None:
        keyring.set_keyring(backend)

    yield swap
    keyring.set_keyring(real)


class EmptyChainer(chainer.ChainerBackend):
    """What keyring builds when it finds no backend to chain."""

    backends: ClassVar[list[KeyringBackend]] = []


NO_KEYCHAIN_BACKENDS = {"fail": fail.Keyring, "null": null.Keyring, "empty chainer": EmptyChainer}


@pytest.mark.parametrize("kind", list(NO_KEYCHAIN_BACKENDS))
def test_no_keychain_is_reported_in_plain_words(swap_keyring, kind: str) -> None:
    swap_keyring(NO_KEYCHAIN_BACKENDS[kind]())
    assert keychain_problem() == (
        "No system keychain is available: this workstation's keys are protected by passwords alone.")
    found = device_secret(uuid4(), create=True)
    assert found.secret is None and not found.keychain_available
    assert found.reason == NO_KEYCHAIN
    with pytest.raises(KeychainUnavailable, match="No system keychain"):
        KeychainEntry(service="Medspa Desk test entry", username="x").set("token")


def test_without_a_keychain_the_vault_uses_password_only_slots_and_says_so(
        swap_keyring, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    swap_keyring(fail.Keyring())
    user_id = uuid4()
    vault, key = Vault.create(tmp_path, user_id=user_id, password=PASSWORD)
    assert vault.keychain_notice == NO_KEYCHAIN
    assert not vault.uses_device_secret
    assert "password-only keyslots" in caplog.text
    (slot,) = json.loads((tmp_path / KEYSLOT_FILE_NAME).read_text())["slots"]
    assert slot["uses_device_secret"] is False

    reloaded = Vault.load(tmp_path)
    assert "protected by passwords alone" in (reloaded.keychain_notice or "")
    with reloaded.unlock(user_id, PASSWORD) as again:
        assert again.buffer == key.buffer
    reloaded.enroll(uuid4(), "second user password", key=key)
    server_half = secrets.token_bytes(32)
    with reloaded.key_from_escrow(reloaded.escrow_blob(key, server_half=server_half),
                                  server_half=server_half) as escrowed:
        assert escrowed.buffer == key.buffer


def test_a_vault_made_with_a_keychain_needs_it_to_unlock(swap_keyring, tmp_path: Path,
                                                         secret_service: None) -> None:
    user_id = uuid4()
    vault, key = Vault.create(tmp_path, user_id=user_id, password=PASSWORD)
    key.wipe()
    try:
        swap_keyring(fail.Keyring())
        with pytest.raises(KeychainUnavailable, match="cannot be reached") as refused:
            Vault.load(tmp_path).unlock(user_id, PASSWORD)
        assert "passwords alone" not in str(refused.value)
    finally:
        keyring.set_keyring(keyring.core.load_keyring("keyring.backends.SecretService.Keyring"))
        forget_device_secret(vault.vault_id)
