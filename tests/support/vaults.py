"""Vaults made for tests, and tidied after them: keys wiped, the device secret out of the keychain.

``fresh_vault`` is one user's vault as the vault tests want it; ``desk_vault``
is a workstation's vault with the user secret that guards its refresh token,
as a first online sign-in leaves it. (``tests/support/workstations.py`` makes a
whole workstation folder with a filled store.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID, uuid4

from medspa_desk.vault import UnlockThrottle, Vault
from medspa_desk.vault.keychain import forget_device_secret
from medspa_desk.vault.secrets import SecretKey


@dataclass
class MadeVault:
    vault: Vault
    key: SecretKey
    user_id: UUID
    directory: Path


@contextmanager
def fresh_vault(directory: Path, *, password: str, throttle: UnlockThrottle | None = None) -> Iterator[MadeVault]:
    """A fresh vault with one new user in ``directory``."""
    user_id = uuid4()
    vault, key = Vault.create(directory, user_id=user_id, password=password, throttle=throttle)
    try:
        yield MadeVault(vault=vault, key=key, user_id=user_id, directory=directory)
    finally:
        key.wipe()
        forget_device_secret(vault.vault_id)


@contextmanager
def desk_vault(directory: Path, *, user_id: UUID, password: str) -> Iterator[tuple[Vault, SecretKey, SecretKey]]:
    """A workstation's vault for ``user_id``: the vault, its data key and the user secret."""
    vault, key, user_secret = Vault.create_with_user_secret(directory, user_id=user_id, password=password)
    try:
        yield vault, key, user_secret
    finally:
        key.wipe()
        user_secret.wipe()
        forget_device_secret(vault.vault_id)
