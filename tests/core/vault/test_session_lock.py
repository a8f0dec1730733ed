"""The PIN lock: an in-memory copy of the key, five misses and it is gone."""

from __future__ import annotations

import os
from pathlib import Path
from uuid import uuid4

import pytest

from medspa_desk.vault import BadPin, PinLock, PinUnavailable, SecretKey, SessionNotLocked, WrongPin
from tests.core.vault.support import files_under

PIN = "482915"


def a_data_key() -> SecretKey:
    return SecretKey(bytearray(os.urandom(32)))


def locked(pin: str = PIN) -> tuple[PinLock, bytes]:
    key = a_data_key()
    original = bytes(key.buffer)
    lock = PinLock(user_id=uuid4())
    lock.set_pin(pin, key=key)
    lock.lock(key)
    return lock, original


def test_lock_wipes_the_key_and_the_pin_brings_it_back() -> None:
    key = a_data_key()
    original = bytes(key.buffer)
    held = key.buffer
    lock = PinLock(user_id=uuid4())
    lock.set_pin(PIN, key=key)

    lock.lock(key)

    assert held == bytearray(32)
    assert key.wiped and lock.is_locked
    with lock.unlock_with_pin(PIN) as again:
        assert bytes(again.buffer) == original
    assert not lock.is_locked


def test_the_pin_opens_the_session_again_after_every_lock() -> None:
    lock, original = locked()
    for _ in range(3):
        key = lock.unlock_with_pin(PIN)
        assert bytes(key.buffer) == original
        lock.lock(key)


def test_a_wrong_pin_is_counted_and_says_how_many_tries_are_left() -> None:
    lock, _ = locked()
    with pytest.raises(WrongPin) as refused:
        lock.unlock_with_pin("000000")
    assert refused.value.failures == 1
    assert refused.value.tries_left == 4
    assert "4 tries left" in str(refused.value)
    assert lock.is_locked


def test_five_wrong_pins_drop_the_copy_and_the_password_is_needed() -> None:
    lock, _ = locked()
    for miss in range(1, 5):
        with pytest.raises(WrongPin) as refused:
            lock.unlock_with_pin("1111")
        assert refused.value.failures == miss
    with pytest.raises(PinUnavailable) as dropped:
        lock.unlock_with_pin("1111")
    assert dropped.value.failures == 5
    assert "Too many wrong PINs" in str(dropped.value)
    assert not lock.has_pin
    with pytest.raises(PinUnavailable, match="Sign in with your password") as later:
        lock.unlock_with_pin(PIN)
    assert later.value.failures == 0


def test_the_right_pin_clears_the_misses() -> None:
    lock, original = locked()
    for _ in range(4):
        with pytest.raises(WrongPin):
            lock.unlock_with_pin("9999")
    key = lock.unlock_with_pin(PIN)
    assert bytes(key.buffer) == original
    lock.lock(key)
    with pytest.raises(WrongPin) as refused:
        lock.unlock_with_pin("9999")
    assert refused.value.failures == 1


@pytest.mark.parametrize("typed", ["", "12ab", "48 2915", None], ids=["empty", "letters", "space", "none"])
def test_something_that_is_not_a_pin_counts_as_a_miss(typed: str) -> None:
    lock, _ = locked()
    with pytest.raises(WrongPin):
        lock.unlock_with_pin(typed)  # type: ignore[arg-type]


@pytest.mark.parametrize("pin", ["123", "1234567890123", "12a4", "١٢٣٤", ""])
def test_a_pin_must_be_4_to_12_digits(pin: str) -> None:
    with pytest.raises(BadPin, match="4 to 12 digits"):
        PinLock(user_id=uuid4()).set_pin(pin, key=a_data_key())


def test_sign_out_drops_the_copy_and_wipes_the_pepper() -> None:
    lock, _ = locked()
    pepper = lock._pepper
    assert pepper is not None
    held = pepper.buffer
    lock.drop()
    assert held == bytearray(32)
    with pytest.raises(PinUnavailable):
        lock.unlock_with_pin(PIN)


def test_locking_without_a_pin_still_wipes_and_needs_the_password() -> None:
    key = a_data_key()
    lock = PinLock(user_id=uuid4())
    lock.lock(key)
    assert key.wiped
    with pytest.raises(PinUnavailable):
        lock.unlock_with_pin(PIN)


def test_unlocking_a_session_that_is_not_locked_is_refused() -> None:
    key = a_data_key()
    lock = PinLock(user_id=uuid4())
    lock.set_pin(PIN, key=key)
    with pytest.raises(SessionNotLocked):
        lock.unlock_with_pin(PIN)


def test_the_pin_copy_is_never_written_to_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    (tmp_path / "keyslots.json").write_text("{}")
    before = files_under(tmp_path)
    key = a_data_key()
    original = bytes(key.buffer)
    lock = PinLock(user_id=uuid4())
    lock.set_pin(PIN, key=key)
    lock.lock(key)
    assert lock._sealed is not None
    nonce, sealed = lock._sealed
    with lock.unlock_with_pin(PIN):
        pass
    assert files_under(tmp_path) == before
    for content in before.values():
        for secret in (original, sealed, nonce, PIN.encode(), PIN.encode("utf-16-le")):
            assert secret not in content



def test_a_companion_sealed_with_the_key_comes_back_with_it_and_five_misses_drop_both() -> None:
    key, secret = a_data_key(), a_data_key()
    original_key, original_secret = bytes(key.buffer), bytes(secret.buffer)
    lock = PinLock(user_id=uuid4())
    lock.set_pin(PIN, key=key, companion=secret)
    secret.wipe()  # the caller's copy: the lock keeps its own sealed one
    lock.lock(key)
    assert lock.has_companion

    opened, companion = lock.open_with_pin(PIN)
    assert bytes(opened.buffer) == original_key
    assert companion is not None and bytes(companion.buffer) == original_secret

    lock.lock(opened)
    for _ in range(4):
        with pytest.raises(WrongPin):
            lock.open_with_pin("000000")
    with pytest.raises(PinUnavailable):
        lock.open_with_pin("000000")
    assert not lock.has_pin and not lock.has_companion
    with pytest.raises(PinUnavailable):
        lock.open_with_pin(PIN)


def test_a_lock_without_a_companion_opens_no_companion() -> None:
    lock, original = locked()
    assert not lock.has_companion
    key, companion = lock.open_with_pin(PIN)
    assert bytes(key.buffer) == original and companion is None
