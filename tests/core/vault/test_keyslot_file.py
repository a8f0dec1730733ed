"""The keyslot file on disk: bound slots, and damaged files refused without a byte changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from medspa_desk.vault import (
    KeyslotFileCorrupt,
    KeyslotFileMissing,
    KeyslotFileTooNew,
    Vault,
    VaultAlreadyExists,
    WrongPassword,
)
from medspa_desk.vault.keychain import forget_device_secret
from medspa_desk.vault.keyslots import KEYSLOT_FILE_NAME, Keyslot
from tests.core.vault.support import PASSWORD, files_under
from tests.support.vaults import MadeVault


def edit_file(directory: Path, change: Any) -> None:
    path = directory / KEYSLOT_FILE_NAME
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def edit_slots_deliberately(directory: Path, change: Any) -> None:
    """As :func:`edit_file`, then recompute each slot's checksum, as someone editing on purpose can:
    the checksum names accidents; the associated data is what binds a slot."""
    def change_and_reseal(document: dict) -> None:
        change(document)
        document["slots"] = [Keyslot.model_validate(slot).with_checksum().model_dump(mode="json")
                             for slot in document["slots"]]
    edit_file(directory, change_and_reseal)


def test_a_slot_moved_to_another_user_does_not_open(made_vault: MadeVault) -> None:
    """Same slot id, salt and password, so the same wrapping key: only the associated data differs."""
    intruder = uuid4()

    def give_slot_to_intruder(document: dict) -> None:
        document["slots"][0]["user_id"] = str(intruder)

    edit_slots_deliberately(made_vault.directory, give_slot_to_intruder)
    with pytest.raises(WrongPassword):
        Vault.load(made_vault.directory, throttle=made_vault.vault.throttle).unlock(intruder, PASSWORD)


def test_a_slot_given_another_slot_id_does_not_open(made_vault: MadeVault) -> None:
    def new_slot_id(document: dict) -> None:
        document["slots"][0]["slot_id"] = str(uuid4())

    edit_slots_deliberately(made_vault.directory, new_slot_id)
    with pytest.raises(WrongPassword):
        Vault.load(made_vault.directory, throttle=made_vault.vault.throttle).unlock(made_vault.user_id, PASSWORD)


def test_a_slot_copied_into_another_vault_does_not_open(made_vault: MadeVault, tmp_path: Path) -> None:
    other_user = uuid4()
    other, other_key = Vault.create(tmp_path / "other", user_id=other_user, password=PASSWORD,
                                    throttle=made_vault.vault.throttle)
    other_key.wipe()
    try:
        stolen = json.loads((made_vault.directory / KEYSLOT_FILE_NAME).read_text())["slots"][0]

        def plant(document: dict) -> None:
            document["slots"][0] = stolen | {"uses_device_secret": False}

        edit_slots_deliberately(tmp_path / "other", plant)
        with pytest.raises(WrongPassword):
            Vault.load(tmp_path / "other", throttle=made_vault.vault.throttle).unlock(made_vault.user_id, PASSWORD)
    finally:
        forget_device_secret(other.vault_id)


def test_a_missing_keyslot_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(KeyslotFileMissing, match="key file is missing"):
        Vault.load(tmp_path)
    assert list(tmp_path.iterdir()) == []


def _truncate(raw: bytes) -> bytes:
    return raw[: len(raw) // 2]


def _rewrite(change: Any) -> Any:
    def apply(raw: bytes) -> bytes:
        document = json.loads(raw)
        change(document)
        return json.dumps(document).encode()
    return apply


DAMAGE = {
    "cut in half": (_truncate, "cut short or is not valid JSON"),
    "emptied": (lambda raw: b"", "the file is empty"),
    "binary noise": (lambda raw: bytes(range(256)), "cut short or is not valid JSON"),
    "another kind of file": (lambda raw: b'{"hello": "world"}', "not a Medspa Desk key file"),
    "a slot field removed": (_rewrite(lambda d: d["slots"][0].pop("nonce")), "slots.0.nonce"),
    "ciphertext not base64": (_rewrite(lambda d: d["slots"][0].update(ciphertext="%%%")), "slots.0.ciphertext"),
    "memory cost lowered": (_rewrite(lambda d: d["slots"][0]["kdf"].update(memory_kib=1024)),
                            "slots.0.kdf.memory_kib"),
    "no slots": (_rewrite(lambda d: d.update(slots=[])), "slots"),
    "slot duplicated": (_rewrite(lambda d: d["slots"].append(d["slots"][0])), "two slots"),
    "version zero": (_rewrite(lambda d: d.update(version=0)), "version"),
}


@pytest.mark.parametrize("damage", list(DAMAGE), ids=list(DAMAGE))
def test_a_damaged_keyslot_file_is_refused_and_left_untouched(made_vault: MadeVault, damage: str) -> None:
    spoil, problem = DAMAGE[damage]
    path = made_vault.directory / KEYSLOT_FILE_NAME
    path.write_bytes(spoil(path.read_bytes()))
    before = files_under(made_vault.directory)

    with pytest.raises(KeyslotFileCorrupt) as refused:
        Vault.load(made_vault.directory)
    assert problem in str(refused.value)
    assert "Nothing was changed" in str(refused.value)
    with pytest.raises(VaultAlreadyExists):
        Vault.create(made_vault.directory, user_id=uuid4(), password=PASSWORD)
    assert files_under(made_vault.directory) == before


def test_a_keyslot_file_from_a_newer_version_is_refused_and_left_untouched(made_vault: MadeVault) -> None:
    edit_file(made_vault.directory, lambda d: d.update(version=7, new_field="from the future"))
    before = files_under(made_vault.directory)
    with pytest.raises(KeyslotFileTooNew) as refused:
        Vault.load(made_vault.directory)
    assert "newer Medspa Desk (format 7; this version reads format 1)" in str(refused.value)
    assert files_under(made_vault.directory) == before


def test_the_corrupt_file_message_quotes_no_value_from_the_file(made_vault: MadeVault) -> None:
    edit_file(made_vault.directory, lambda d: d["slots"][0]["kdf"].update(salt="SECRETVALUE"))
    with pytest.raises(KeyslotFileCorrupt) as refused:
        Vault.load(made_vault.directory)
    assert "SECRETVALUE" not in str(refused.value)
    assert "slots.0.kdf.salt" in str(refused.value)
