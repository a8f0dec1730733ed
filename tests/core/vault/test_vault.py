"""Making, unlocking and changing a vault, against the real Secret Service."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from uuid import uuid4

import pytest

from medspa_desk.vault import (
    BadPassword,
    DeviceSecretMismatch,
    DeviceSecretMissing,
    KeyDoesNotFit,
    LastUser,
    SecretKey,
    TryAgainLater,
    UnknownUser,
    UnlockThrottle,
    Vault,
    VaultAlreadyExists,
    WrongPassword,
)
from medspa_desk.vault.keychain import device_secret_entry, forget_device_secret
from medspa_desk.vault.keyslots import KEYSLOT_FILE_NAME
from medspa_desk.vault.throttle import throttle_for
from tests.core.vault.support import PASSWORD, FakeClock, files_under
from tests.support.vaults import MadeVault

OTHER_PASSWORD = "a different passphrase for Dana"


def slots_by_user(directory: Path) -> dict[str, dict]:
    document = json.loads((directory / KEYSLOT_FILE_NAME).read_text())
    return {slot["user_id"]: slot for slot in document["slots"]}


def test_the_password_given_at_creation_unlocks_the_same_data_key(made_vault: MadeVault) -> None:
    reloaded = Vault.load(made_vault.directory, throttle=made_vault.vault.throttle)
    with reloaded.unlock(made_vault.user_id, PASSWORD) as key:
        assert key.buffer == made_vault.key.buffer
        assert len(key) == 32
    assert reloaded.users() == [made_vault.user_id]
    assert reloaded.uses_device_secret and reloaded.keychain_notice is None


def test_each_new_vault_gets_its_own_random_data_key(tmp_path: Path, secret_service: None) -> None:
    first, first_key = Vault.create(tmp_path / "a", user_id=uuid4(), password=PASSWORD)
    second, second_key = Vault.create(tmp_path / "b", user_id=uuid4(), password=PASSWORD)
    try:
        assert first_key.buffer != second_key.buffer
        assert first.vault_id != second.vault_id
    finally:
        forget_device_secret(first.vault_id)
        forget_device_secret(second.vault_id)


def test_the_keyslot_file_records_argon2id_with_at_least_64_mib(made_vault: MadeVault) -> None:
    (slot,) = slots_by_user(made_vault.directory).values()
    assert slot["kdf"]["name"] == "argon2id"
    assert slot["kdf"]["memory_kib"] >= 64 * 1024
    assert slot["uses_device_secret"] is True
    assert made_vault.key.buffer.hex() not in (made_vault.directory / KEYSLOT_FILE_NAME).read_text()


def test_a_vault_is_never_made_over_an_existing_keyslot_file(made_vault: MadeVault) -> None:
    before = files_under(made_vault.directory)
    with pytest.raises(VaultAlreadyExists, match="already holds a key file"):
        Vault.create(made_vault.directory, user_id=uuid4(), password=PASSWORD)
    assert files_under(made_vault.directory) == before


def test_a_wrong_password_is_refused_and_counted(made_vault: MadeVault) -> None:
    with pytest.raises(WrongPassword) as refused:
        made_vault.vault.unlock(made_vault.user_id, "not the password")
    assert refused.value.failures == 1
    assert refused.value.retry_after_s == 1.0
    assert "not the password" not in str(refused.value)
    assert str(refused.value) == "That password is not right. Wait 1 second before trying again."


def test_the_wait_doubles_with_each_wrong_password_in_a_row(made_vault: MadeVault, clock: FakeClock) -> None:
    waits = []
    for expected_failures in (1, 2, 3):
        with pytest.raises(WrongPassword) as refused:
            made_vault.vault.unlock(made_vault.user_id, "guess")
        assert refused.value.failures == expected_failures
        waits.append(refused.value.retry_after_s)
        clock.advance(refused.value.retry_after_s)
    assert waits == [1.0, 2.0, 4.0]


def test_an_attempt_inside_the_wait_is_refused_without_trying(made_vault: MadeVault, clock: FakeClock) -> None:
    with pytest.raises(WrongPassword):
        made_vault.vault.unlock(made_vault.user_id, "guess")
    clock.advance(0.5)
    with pytest.raises(TryAgainLater) as early:
        made_vault.vault.unlock(made_vault.user_id, PASSWORD)
    assert early.value.failures == 1
    assert early.value.seconds_left == pytest.approx(0.5)
    assert "Wait 1 second more" in str(early.value)
    clock.advance(0.5)
    made_vault.vault.unlock(made_vault.user_id, PASSWORD).wipe()


def test_the_right_password_clears_the_count(made_vault: MadeVault, clock: FakeClock) -> None:
    with pytest.raises(WrongPassword):
        made_vault.vault.unlock(made_vault.user_id, "guess")
    clock.advance(1)
    made_vault.vault.unlock(made_vault.user_id, PASSWORD).wipe()
    with pytest.raises(WrongPassword) as refused:
        made_vault.vault.unlock(made_vault.user_id, "guess again")
    assert refused.value.failures == 1


def test_the_wait_is_capped() -> None:
    throttle = UnlockThrottle(first_delay_s=1, max_delay_s=300)
    assert [throttle.delay_after(n) for n in (0, 1, 2, 5, 9, 10, 50, 10_000)] == [
        0, 1, 2, 16, 256, 300, 300, 300]


def test_the_count_survives_loading_the_vault_again(tmp_path: Path, secret_service: None) -> None:
    user_id = uuid4()
    vault, key = Vault.create(tmp_path, user_id=user_id, password=PASSWORD)
    key.wipe()
    try:
        with pytest.raises(WrongPassword):
            vault.unlock(user_id, "guess")
        reloaded = Vault.load(tmp_path)
        assert reloaded.throttle is throttle_for(vault.vault_id)
        assert reloaded.throttle.failures(user_id) == 1
    finally:
        forget_device_secret(vault.vault_id)


def test_an_unknown_user_is_told_to_sign_in_online(made_vault: MadeVault) -> None:
    with pytest.raises(UnknownUser, match="Sign in once while the internet connection works"):
        made_vault.vault.unlock(uuid4(), PASSWORD)


@pytest.mark.parametrize(("password", "message"), [
    ("", "Enter your password"),
    ("x" * 1025, "longer than 1024 characters"),
])
def test_an_empty_or_overlong_password_is_refused_before_any_key_work(
        made_vault: MadeVault, password: str, message: str) -> None:
    with pytest.raises(BadPassword, match=message):
        made_vault.vault.unlock(made_vault.user_id, password)
    assert made_vault.vault.throttle.failures(made_vault.user_id) == 0


def test_a_password_of_1024_characters_is_accepted(tmp_path: Path, secret_service: None) -> None:
    user_id, long_password = uuid4(), "ü" * 1024
    vault, key = Vault.create(tmp_path, user_id=user_id, password=long_password)
    try:
        with vault.unlock(user_id, long_password) as again:
            assert again.buffer == key.buffer
    finally:
        forget_device_secret(vault.vault_id)


def test_the_same_password_in_another_unicode_form_unlocks(tmp_path: Path, secret_service: None) -> None:
    user_id = uuid4()
    vault, key = Vault.create(tmp_path, user_id=user_id, password="Caf\u00e9 \ufb01ve")
    try:
        with vault.unlock(user_id, "Cafe\u0301 five") as again:
            assert again.buffer == key.buffer
    finally:
        forget_device_secret(vault.vault_id)


def test_a_second_user_enrolled_with_the_key_unlocks_it(made_vault: MadeVault) -> None:
    dana = uuid4()
    made_vault.vault.enroll(dana, OTHER_PASSWORD, key=made_vault.key)
    reloaded = Vault.load(made_vault.directory, throttle=made_vault.vault.throttle)
    assert set(reloaded.users()) == {made_vault.user_id, dana}
    with reloaded.unlock(dana, OTHER_PASSWORD) as key:
        assert key.buffer == made_vault.key.buffer
    with pytest.raises(WrongPassword):
        reloaded.unlock(dana, PASSWORD)


def test_enrolling_with_a_key_that_does_not_fit_changes_nothing(made_vault: MadeVault) -> None:
    before = files_under(made_vault.directory)
    with pytest.raises(KeyDoesNotFit, match="does not open"):
        made_vault.vault.enroll(uuid4(), OTHER_PASSWORD, key=SecretKey(bytearray(32)))
    assert files_under(made_vault.directory) == before


def test_enrolling_a_user_again_replaces_their_slot(made_vault: MadeVault) -> None:
    """A forgotten password: the key comes from escrow and the user picks a new password."""
    made_vault.vault.enroll(made_vault.user_id, "brand new password", key=made_vault.key)
    assert made_vault.vault.users() == [made_vault.user_id]
    with pytest.raises(WrongPassword):
        made_vault.vault.unlock(made_vault.user_id, PASSWORD)
    made_vault.vault.throttle.record_success(made_vault.user_id)
    made_vault.vault.unlock(made_vault.user_id, "brand new password").wipe()


def test_changing_a_password_rewraps_that_slot_only(made_vault: MadeVault) -> None:
    dana = uuid4()
    made_vault.vault.enroll(dana, OTHER_PASSWORD, key=made_vault.key)
    before = slots_by_user(made_vault.directory)

    made_vault.vault.change_password(made_vault.user_id, PASSWORD, "the new front desk password")

    after = slots_by_user(made_vault.directory)
    assert after[str(dana)] == before[str(dana)]
    mine_before, mine_after = before[str(made_vault.user_id)], after[str(made_vault.user_id)]
    for field in ("slot_id", "nonce", "ciphertext"):
        assert mine_after[field] != mine_before[field]
    assert mine_after["kdf"]["salt"] != mine_before["kdf"]["salt"]
    reloaded = Vault.load(made_vault.directory, throttle=made_vault.vault.throttle)
    with reloaded.unlock(made_vault.user_id, "the new front desk password") as key:
        assert key.buffer == made_vault.key.buffer
    reloaded.unlock(dana, OTHER_PASSWORD).wipe()
    with pytest.raises(WrongPassword):
        reloaded.unlock(made_vault.user_id, PASSWORD)


def test_changing_a_password_needs_the_old_one(made_vault: MadeVault) -> None:
    before = files_under(made_vault.directory)
    with pytest.raises(WrongPassword) as refused:
        made_vault.vault.change_password(made_vault.user_id, "not it", "new password")
    assert refused.value.failures == 1
    assert files_under(made_vault.directory) == before


def test_a_removed_user_can_no_longer_unlock(made_vault: MadeVault) -> None:
    dana = uuid4()
    made_vault.vault.enroll(dana, OTHER_PASSWORD, key=made_vault.key)
    made_vault.vault.remove_user(dana)
    reloaded = Vault.load(made_vault.directory, throttle=made_vault.vault.throttle)
    assert reloaded.users() == [made_vault.user_id]
    with pytest.raises(UnknownUser):
        reloaded.unlock(dana, OTHER_PASSWORD)


def test_the_last_user_cannot_be_removed(made_vault: MadeVault) -> None:
    before = files_under(made_vault.directory)
    with pytest.raises(LastUser, match="Enroll another user first"):
        made_vault.vault.remove_user(made_vault.user_id)
    assert files_under(made_vault.directory) == before


def test_removing_someone_not_enrolled_is_refused(made_vault: MadeVault) -> None:
    with pytest.raises(UnknownUser):
        made_vault.vault.remove_user(uuid4())


def test_the_keyslot_file_is_private_and_no_temp_file_is_left(made_vault: MadeVault) -> None:
    made_vault.vault.enroll(uuid4(), OTHER_PASSWORD, key=made_vault.key)
    made_vault.vault.change_password(made_vault.user_id, PASSWORD, "another new one")
    assert [p.name for p in made_vault.directory.iterdir()] == [KEYSLOT_FILE_NAME]
    mode = stat.S_IMODE((made_vault.directory / KEYSLOT_FILE_NAME).stat().st_mode)
    assert mode == 0o600


def test_a_vault_that_could_not_be_written_leaves_no_device_secret_behind(
        tmp_path: Path, secret_service: None, monkeypatch: pytest.MonkeyPatch) -> None:
    made_ids = []
    real_uuid4 = uuid4

    def remembered_uuid4() -> object:
        made_ids.append(real_uuid4())
        return made_ids[-1]

    def disk_full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("medspa_desk.vault.vault.uuid4", remembered_uuid4)
    monkeypatch.setattr("medspa_desk.vault.atomic_file.os.replace", disk_full)
    with pytest.raises(OSError, match="No space left"):
        Vault.create(tmp_path, user_id=real_uuid4(), password=PASSWORD)
    assert made_ids
    assert device_secret_entry(made_ids[0]).get() is None
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_the_previous_file_and_no_temp_file(
        made_vault: MadeVault, monkeypatch: pytest.MonkeyPatch) -> None:
    before = files_under(made_vault.directory)

    def disk_full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("medspa_desk.vault.atomic_file.os.replace", disk_full)
    with pytest.raises(OSError, match="No space left"):
        made_vault.vault.enroll(uuid4(), OTHER_PASSWORD, key=made_vault.key)
    monkeypatch.undo()
    assert files_under(made_vault.directory) == before
    assert made_vault.vault.users() == [made_vault.user_id]


def test_a_slot_whose_device_secret_is_gone_cannot_be_opened(made_vault: MadeVault) -> None:
    """What a keyslot file copied to another computer looks like: the keychain there has no secret."""
    assert device_secret_entry(made_vault.vault.vault_id).delete()
    with pytest.raises(DeviceSecretMissing) as refused:
        made_vault.vault.unlock(made_vault.user_id, PASSWORD)
    assert "device secret is not in the system keychain" in str(refused.value)
    assert "copied from another computer" in str(refused.value)
    assert made_vault.vault.throttle.failures(made_vault.user_id) == 0


def test_another_keychains_device_secret_is_named_as_such(made_vault: MadeVault) -> None:
    entry = device_secret_entry(made_vault.vault.vault_id)
    entry.set("QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=")
    with pytest.raises(DeviceSecretMismatch, match="different device secret"):
        made_vault.vault.unlock(made_vault.user_id, PASSWORD)


def test_the_user_secret_is_the_users_own_and_the_same_at_every_unlock(made_vault: MadeVault) -> None:
    vault = made_vault.vault
    dana = uuid4()
    vault.enroll(dana, OTHER_PASSWORD, key=made_vault.key)
    first_key, first = vault.unlock_with_user_secret(made_vault.user_id, PASSWORD)
    second_key, again = vault.unlock_with_user_secret(made_vault.user_id, PASSWORD)
    dana_key, danas = vault.unlock_with_user_secret(dana, OTHER_PASSWORD)
    with first_key, first, second_key, again, dana_key, danas:
        assert first.buffer == again.buffer
        assert first.buffer != danas.buffer
        assert first.buffer != first_key.buffer and danas.buffer != dana_key.buffer
        assert first_key.buffer == dana_key.buffer == made_vault.key.buffer
        assert first.buffer.hex() not in (made_vault.directory / KEYSLOT_FILE_NAME).read_text()


def test_creating_a_vault_gives_the_same_user_secret_a_later_unlock_gives(
        tmp_path: Path, secret_service: None) -> None:
    user = uuid4()
    vault, key, secret = Vault.create_with_user_secret(tmp_path / "v", user_id=user, password=PASSWORD)
    try:
        unlocked, later = Vault.load(tmp_path / "v").unlock_with_user_secret(user, PASSWORD)
        with key, secret, unlocked, later:
            assert secret.buffer == later.buffer
    finally:
        forget_device_secret(vault.vault_id)


def test_a_password_change_gives_a_new_user_secret(made_vault: MadeVault) -> None:
    vault = made_vault.vault
    key, before = vault.unlock_with_user_secret(made_vault.user_id, PASSWORD)
    vault.change_password(made_vault.user_id, PASSWORD, OTHER_PASSWORD)
    again, after = vault.unlock_with_user_secret(made_vault.user_id, OTHER_PASSWORD)
    with key, before, again, after:
        assert before.buffer != after.buffer


def test_a_wrong_password_gives_no_user_secret(made_vault: MadeVault) -> None:
    with pytest.raises(WrongPassword):
        made_vault.vault.unlock_with_user_secret(made_vault.user_id, "not the password")
