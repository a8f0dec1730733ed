"""What the desk leaves in its memory after lock, read from ``/proc/PID/mem`` of a real process.

A child process runs the core (``phi_memory_child``) or a whole signed-in session with sync
(``phi_session_child``): it opens a client whose name is a canary, then locks as the session does.
The parent counts the canary (and, for the core, the data key's hex text) in every readable page
of the child.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from medspa_desk.desk.clients import add_client
from medspa_desk.records import Client, Role
from medspa_desk.signing_in import SignInOptions, sign_in
from tests.core.store.phi_memory import (
    CANARY_FIRST,
    CANARY_LAST,
    make_store_with_canary,
    measure_after_lock,
    measure_session_after_lock,
)
from tests.resilience.conftest import live, secret_service
from tests.support.live_api import LiveApi
from tests.support.store_workers import store_worker

__all__ = ["live", "secret_service"]  # the real API over TLS; the real keychain
# Measured 2026-12-07: 6 to 7 after lock with cipher_memory_security on, 10 to 11 with it off (docs/security-model.md).
SESSION_COPIES_AFTER_LOCK_AT_MOST = 8

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


def test_a_whole_desk_session_after_sync_open_client_and_lock_leaves_few_copies_of_the_name(
        live: LiveApi, tmp_path: Path, secret_service: None) -> None:
    """Signed in online, the client pulled by sync, found and opened as the desk does, then locked."""
    if not Path("/proc/self/mem").exists():
        pytest.skip("needs /proc/PID/mem (Linux) to read the child's memory")
    client_id = _canary_on_the_server(live, tmp_path / "first desk")
    reader = live.add_user(Role.FRONT_DESK)
    opened, locked = measure_session_after_lock(
        tmp_path / "second desk", server_url=live.base_url, tenant=live.tenant.name, ca_path=live.ca_path,
        username=reader.username, password=reader.password, totp=live.totp(reader.username),
        client_id=client_id)
    assert opened >= 1  # the count sees the pulled, opened record
    # A handful (issue 14 counted 120 in the whole app with its windows); what they are: docs/security-model.md.
    assert locked <= SESSION_COPIES_AFTER_LOCK_AT_MOST, (opened, locked)


def _canary_on_the_server(live: LiveApi, directory: Path) -> str:
    """A colleague's desk adds the canary client and sends it before signing out; its id."""
    author = live.add_user(Role.FRONT_DESK)
    worker = store_worker()
    session = sign_in(directory, username=author.username, password=author.password,
                      totp=live.totp(author.username), worker=worker,
                      options=SignInOptions(server_url=live.base_url, tenant=live.tenant.name, ca_path=live.ca_path))
    try:
        client = Client(first_name=CANARY_FIRST, last_name=CANARY_LAST, birth_date=date(1979, 6, 1),
                        phone="+1 555 0100", notes="Canary client for the memory test.")
        store = session.store
        assert store is not None
        worker.run_sync(lambda _attached: add_client(store, actor=session.actor, client=client))
        assert session.send_own_changes(timeout_s=30) == 0
    finally:
        session.sign_out()
    return str(client.id)
