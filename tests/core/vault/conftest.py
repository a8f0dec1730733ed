"""Vault test fixtures: the real Secret Service, a clock the tests move, tidy keychain entries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import keyring
import pytest
from keyring.backends import SecretService

from medspa_desk.vault import UnlockThrottle, Vault
from medspa_desk.vault.keychain import forget_device_secret
from tests.core.vault.support import PASSWORD, FakeClock, MadeVault


@pytest.fixture
def secret_service() -> None:
    """The real Secret Service keychain (gnome-keyring under scripts/with-keyring.sh)."""
    if not isinstance(keyring.get_keyring(), SecretService.Keyring):
        pytest.skip("needs the Secret Service keychain: run the tests through scripts/with-keyring.sh")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def throttle(clock: FakeClock) -> UnlockThrottle:
    return UnlockThrottle(clock=clock)


@pytest.fixture
def made_vault(secret_service: None, tmp_path: Path, throttle: UnlockThrottle) -> Iterator[MadeVault]:
    """A fresh vault with one user; its device secret is removed from the keychain afterwards."""
    user_id = uuid4()
    directory = tmp_path / "data"
    vault, key = Vault.create(directory, user_id=user_id, password=PASSWORD, throttle=throttle)
    yield MadeVault(vault=vault, key=key, user_id=user_id, directory=directory)
    key.wipe()
    forget_device_secret(vault.vault_id)
