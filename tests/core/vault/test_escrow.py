"""The data key wrapped for the server's escrow, opened only with device secret and server half."""

from __future__ import annotations

import secrets
from pathlib import Path
from uuid import uuid4

import pytest

from medspa_desk.vault import DeviceSecretMissing, EscrowInvalid, Vault
from medspa_desk.vault.keychain import device_secret_entry, forget_device_secret
from tests.core.vault.support import PASSWORD
from tests.support.vaults import MadeVault

SERVER_HALF = secrets.token_bytes(32)


def test_the_escrowed_key_comes_back_with_the_server_half(made_vault: MadeVault) -> None:
    blob = made_vault.vault.escrow_blob(made_vault.key, server_half=SERVER_HALF)
    assert made_vault.key.buffer not in blob
    with made_vault.vault.key_from_escrow(blob, server_half=SERVER_HALF) as key:
        assert key.buffer == made_vault.key.buffer


def test_a_wrong_server_half_does_not_open_the_escrow(made_vault: MadeVault) -> None:
    blob = made_vault.vault.escrow_blob(made_vault.key, server_half=SERVER_HALF)
    with pytest.raises(EscrowInvalid, match="does not open this workstation's records"):
        made_vault.vault.key_from_escrow(blob, server_half=secrets.token_bytes(32))


@pytest.mark.parametrize("server_half", [b"", b"short", bytes(2000)], ids=["empty", "too short", "too long"])
def test_a_server_half_of_the_wrong_size_is_refused(made_vault: MadeVault, server_half: bytes) -> None:
    with pytest.raises(EscrowInvalid):
        made_vault.vault.escrow_blob(made_vault.key, server_half=server_half)


def test_a_changed_escrow_blob_does_not_open(made_vault: MadeVault) -> None:
    blob = bytearray(made_vault.vault.escrow_blob(made_vault.key, server_half=SERVER_HALF))
    for position in (0, 6, 20, len(blob) - 1):
        spoiled = bytearray(blob)
        spoiled[position] ^= 0x01
        with pytest.raises(EscrowInvalid):
            made_vault.vault.key_from_escrow(bytes(spoiled), server_half=SERVER_HALF)
    with pytest.raises(EscrowInvalid):
        made_vault.vault.key_from_escrow(bytes(blob[:-3]), server_half=SERVER_HALF)


def test_the_escrow_needs_the_device_secret_too(made_vault: MadeVault) -> None:
    """The server holds the blob and its half; without this workstation's keychain that is not enough."""
    blob = made_vault.vault.escrow_blob(made_vault.key, server_half=SERVER_HALF)
    device_secret_entry(made_vault.vault.vault_id).delete()
    with pytest.raises(DeviceSecretMissing):
        made_vault.vault.key_from_escrow(blob, server_half=SERVER_HALF)


def test_another_vaults_escrow_does_not_open_here(made_vault: MadeVault, tmp_path: Path) -> None:
    other, other_key = Vault.create(tmp_path / "other", user_id=uuid4(), password=PASSWORD)
    try:
        blob = other.escrow_blob(other_key, server_half=SERVER_HALF)
        with pytest.raises(EscrowInvalid):
            made_vault.vault.key_from_escrow(blob, server_half=SERVER_HALF)
    finally:
        other_key.wipe()
        forget_device_secret(other.vault_id)


def test_a_forgotten_password_is_replaced_through_escrow(made_vault: MadeVault) -> None:
    blob = made_vault.vault.escrow_blob(made_vault.key, server_half=SERVER_HALF)
    with made_vault.vault.key_from_escrow(blob, server_half=SERVER_HALF) as recovered:
        made_vault.vault.enroll(made_vault.user_id, "remembered this time", key=recovered)
    with made_vault.vault.unlock(made_vault.user_id, "remembered this time") as key:
        assert key.buffer == made_vault.key.buffer
