"""What the desk core leaves in its memory after lock, read from ``/proc/PID/mem`` of a real process.

A child process runs the core (``phi_memory_child``): it opens a client whose name is a canary
(the record, a search, the timeline), then locks as the session does. The parent counts the
canary and the data key's hex text in every readable page of the child.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.core.store.phi_memory import make_store_with_canary, measure_after_lock

# The name's count after lock is reported by bench/bench_phi.py (desk.phi_copies_after_lock), not
# held to a number here: it was 3 to 5 on 2026-12-07 (CPython 3.11, SQLCipher 4.12) depending on
# which freed blocks the interpreter happened to reuse (the random key and ids, the environment).


@pytest.fixture
def canary_store(tmp_path: Path) -> tuple[Path, bytearray, str]:
    if not Path("/proc/self/mem").exists():
        pytest.skip("needs /proc/PID/mem (Linux) to read the child's memory")
    key = bytearray(os.urandom(32))
    return tmp_path, key, make_store_with_canary(tmp_path, key)


def test_after_lock_no_copy_of_the_data_keys_hex_text_is_left_in_memory(
        canary_store: tuple[Path, bytearray, str]) -> None:
    folder, key, client_id = canary_store
    counted = measure_after_lock(folder, key, client_id)
    # The key reaches SQLCipher through set_key from a zeroed bytearray: no PRAGMA key string.
    assert counted.key_hex_open == 0
    assert counted.key_hex_locked == 0


def test_after_lock_fewer_copies_of_an_opened_clients_name_are_left_than_while_open(
        canary_store: tuple[Path, bytearray, str]) -> None:
    folder, key, client_id = canary_store
    counted = measure_after_lock(folder, key, client_id)
    assert counted.canary_open >= 1  # the count sees the name while the card is open
    assert counted.canary_locked < counted.canary_open
