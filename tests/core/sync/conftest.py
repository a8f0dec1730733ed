"""Sync test fixtures: the real Secret Service keychain."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends import SecretService


@pytest.fixture
def secret_service() -> None:
    """The real Secret Service keychain (gnome-keyring under scripts/with-keyring.sh)."""
    if not isinstance(keyring.get_keyring(), SecretService.Keyring):
        pytest.skip("needs the Secret Service keychain: run the tests through scripts/with-keyring.sh")
