"""Vault test fixtures: the real Secret Service, a clock the tests move, tidy keychain entries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import SecretService

from medspa_desk.vault import UnlockThrottle
from tests.core.vault.support import PASSWORD, FakeClock
from tests.support.vaults import MadeVault, fresh_vault


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
    with fresh_vault(tmp_path / "data", password=PASSWORD, throttle=throttle) as made:
        yield made
