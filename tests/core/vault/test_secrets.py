from __future__ import annotations

import pickle

import pytest

from medspa_desk.vault import KeyWiped, SecretKey, zero


def test_wipe_zeroes_the_same_bytearray_in_place() -> None:
    buffer = bytearray(b"\x5a" * 32)
    key = SecretKey(buffer)
    key.wipe()
    assert buffer == bytearray(32)
    assert key.wiped


def test_a_wiped_key_cannot_be_used_again() -> None:
    key = SecretKey(bytearray(b"\x01" * 32))
    key.wipe()
    with pytest.raises(KeyWiped, match="locked"):
        _ = key.buffer


def test_leaving_a_with_block_wipes_the_key_even_on_error() -> None:
    buffer = bytearray(b"\x33" * 32)
    with pytest.raises(RuntimeError), SecretKey(buffer):
        raise RuntimeError("boom")
    assert buffer == bytearray(32)


def test_repr_and_str_never_show_the_key_bytes() -> None:
    key = SecretKey(bytearray(b"\xab" * 32))
    for text in (repr(key), str(key), f"{key}"):
        assert "ab" not in text.lower().replace("bytes", "")
        assert "32 bytes" in text


def test_a_secret_key_cannot_be_pickled() -> None:
    with pytest.raises(TypeError, match="pickled"):
        pickle.dumps(SecretKey(bytearray(32)))


def test_only_a_bytearray_can_hold_a_key() -> None:
    with pytest.raises(TypeError, match="bytearray"):
        SecretKey(b"\x00" * 32)  # type: ignore[arg-type]


def test_zero_clears_a_slice_of_a_larger_buffer_only() -> None:
    buffer = bytearray(b"\xff" * 8)
    zero(memoryview(buffer)[2:6])
    assert buffer == bytearray(b"\xff\xff\x00\x00\x00\x00\xff\xff")


def test_copy_is_independent_of_the_original() -> None:
    original = SecretKey(bytearray(b"\x07" * 32))
    duplicate = original.copy()
    original.wipe()
    assert duplicate.buffer == bytearray(b"\x07" * 32)
