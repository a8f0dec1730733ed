"""A key file damaged on disk is named as damage, never as a wrong password, and nothing is written.

Each test flips ONE real bit in ``keyslots.json`` (the byte on disk, chosen so the file still
parses, as a failing sector or a bad copy would leave it) and signs in with the right password
and with a wrong one: both are told the key file is damaged and how to recover, the lock-out
delay does not grow, the file is left byte for byte, and a colleague's intact slot still opens.
"""

from __future__ import annotations

import base64
import json
import string
from pathlib import Path
from uuid import uuid4

import pytest

from medspa_desk.vault import KeyslotDamaged, KeyslotFileCorrupt, UnlockThrottle, Vault
from medspa_desk.vault.keyslots import KEYSLOT_FILE_NAME
from tests.core.vault.support import PASSWORD, files_under
from tests.support.vaults import MadeVault

BASE64 = set(string.ascii_letters + string.digits + "+/")
HEX = set(string.hexdigits.lower()) | {"-"}
OTHER_PASSWORD = "another colleague's passphrase"


def flip_one_bit(path: Path, text: str, *, alphabet: set[str], tail: int = 0, unique: bool = True) -> None:
    """Flip the lowest bit of the first character of ``text`` (its first place in the file) that stays
    in ``alphabet``; ``unique``: ``text`` is in the file once (a random value names one field)."""
    raw = bytearray(path.read_bytes())
    start = raw.index(text.encode())
    assert not unique or raw.count(text.encode()) == 1
    for offset in range(len(text) - tail):
        flipped = chr(raw[start + offset] ^ 1)
        if flipped in alphabet:
            raw[start + offset] ^= 1
            path.write_bytes(bytes(raw))
            return
    raise AssertionError("no character of the field can lose one bit and still parse")


def _slot(path: Path, user_index: int = 0) -> dict[str, object]:
    return json.loads(path.read_text())["slots"][user_index]


def _flip_in_slot(path: Path, field: str) -> None:
    slot = _slot(path)
    if field in ("ciphertext", "nonce", "salt"):
        value = str(slot["kdf"]["salt"] if field == "salt" else slot[field])  # type: ignore[index]
        assert base64.b64decode(value)
        flip_one_bit(path, f'"{value}"', alphabet=BASE64, tail=3)
    elif field in ("slot_id", "user_id"):
        flip_one_bit(path, f'"{slot[field]}"', alphabet=HEX)
    else:  # an Argon2 cost: one bit of one digit (3 -> 2 passes, 65536 -> 75536 memory)
        flip_one_bit(path, f'"{field}": {slot["kdf"][field]}', alphabet=set(string.digits),  # type: ignore[index]
                     unique=False)  # the first slot's, which comes first in the file


@pytest.fixture
def two_users(made_vault: MadeVault) -> tuple[MadeVault, object]:
    """The made vault's user first in the file, and a colleague after."""
    colleague = uuid4()
    made_vault.vault.enroll(colleague, OTHER_PASSWORD, key=made_vault.key)
    return made_vault, colleague


@pytest.mark.parametrize("field", ["ciphertext", "nonce", "salt", "slot_id", "user_id", "time_cost",
                                   "memory_kib"])
def test_a_bit_flipped_in_a_keyslot_says_the_key_file_is_damaged_and_never_counts_as_a_wrong_password(
        two_users: tuple[MadeVault, object], throttle: UnlockThrottle, field: str) -> None:
    made, colleague = two_users
    path = made.directory / KEYSLOT_FILE_NAME
    _flip_in_slot(path, field)
    before = files_under(made.directory)
    vault = Vault.load(made.directory, throttle=throttle)
    for password in (PASSWORD, "not the password", PASSWORD):
        with pytest.raises(KeyslotDamaged) as told:
            vault.unlock(made.user_id, password)
        assert "key file is damaged" in str(told.value)
        assert "not counted as wrong" in str(told.value)
        assert "connected to the internet" in str(told.value)  # how to recover: escrow
    assert throttle.failures(made.user_id) == 0  # no lock-out delay grew
    assert files_under(made.directory) == before  # nothing written, nothing lost
    vault.unlock(colleague, OTHER_PASSWORD).wipe()  # the intact slot still opens


@pytest.mark.parametrize("field", ["vault_id", "device_secret_check", "key_check"])
def test_a_bit_flipped_in_the_key_files_header_says_it_is_damaged_before_any_password_is_tried(
        made_vault: MadeVault, throttle: UnlockThrottle, field: str) -> None:
    path = made_vault.directory / KEYSLOT_FILE_NAME
    value = str(json.loads(path.read_text())[field])
    flip_one_bit(path, f'"{value}"', alphabet=HEX if field == "vault_id" else BASE64,
                 tail=0 if field == "vault_id" else 3)
    before = files_under(made_vault.directory)
    with pytest.raises(KeyslotFileCorrupt) as told:
        Vault.load(made_vault.directory, throttle=throttle)
    message = str(told.value)
    assert "key file is damaged" in message and "not counted as wrong" in message
    assert "keychain" not in message and "another computer" not in message and "offline" not in message
    assert throttle.failures(made_vault.user_id) == 0
    assert files_under(made_vault.directory) == before


def test_a_key_file_from_before_checksums_gains_them_at_the_next_right_password(
        made_vault: MadeVault, throttle: UnlockThrottle) -> None:
    path = made_vault.directory / KEYSLOT_FILE_NAME
    document = json.loads(path.read_text())
    document["checksum"] = None
    for slot in document["slots"]:
        slot["checksum"] = None
    path.write_text(json.dumps(document))
    vault = Vault.load(made_vault.directory, throttle=throttle)
    vault.unlock(made_vault.user_id, PASSWORD).wipe()
    upgraded = json.loads(path.read_text())
    assert upgraded["checksum"] and upgraded["slots"][0]["checksum"]
    Vault.load(made_vault.directory, throttle=throttle).unlock(made_vault.user_id, PASSWORD).wipe()
