"""The keychain daemon exiting while the desk uses it (a CI run lost gnome-keyring mid-suite twice).

These kill the private gnome-keyring that scripts/with-keyring.sh starts on its own D-Bus session:
the bus starts it again, unlocked, on the next call, and a call caught by the exit is tried once more.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from uuid import uuid4

import pytest

from medspa_desk.vault import KeychainEntry

pytestmark = [
    pytest.mark.usefixtures("secret_service"),
    pytest.mark.skipif(
        not os.environ.get("MEDSPA_PRIVATE_KEYRING_HOME"),
        reason="kills the keychain daemon: only the private one of scripts/with-keyring.sh, never a desktop's own",
    ),
]


def _daemon_pid() -> int:
    reply = subprocess.run(
        ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
         "org.freedesktop.DBus.GetConnectionUnixProcessID", "string:org.freedesktop.secrets"],
        check=True, capture_output=True, text=True, timeout=10,
    ).stdout
    return int(reply.split()[-1])


def _wait_gone(pid: int) -> None:
    for _ in range(200):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)
    raise AssertionError(f"keychain daemon {pid} did not exit")


@pytest.fixture
def entry() -> Iterator[KeychainEntry]:
    made = KeychainEntry(service="Medspa Desk test entry", username=str(uuid4()))
    made.set("kept-across-restarts")
    yield made
    made.delete()


def test_a_keychain_call_after_the_daemon_exited_finds_it_started_again_with_the_secret(
        entry: KeychainEntry) -> None:
    old = _daemon_pid()
    os.kill(old, signal.SIGKILL)
    _wait_gone(old)
    assert entry.get() == "kept-across-restarts"
    assert _daemon_pid() != old


def test_a_keychain_call_caught_by_the_daemon_exiting_is_answered_by_the_next_daemon(
        entry: KeychainEntry) -> None:
    old = _daemon_pid()
    os.kill(old, signal.SIGSTOP)  # the call below waits on a daemon that will never answer it
    answers: list[str | None] = []
    reader = threading.Thread(target=lambda: answers.append(entry.get()))
    try:
        reader.start()
        time.sleep(0.5)  # the call is on its way to the stopped daemon
        assert reader.is_alive()
    finally:
        os.kill(old, signal.SIGKILL)
    reader.join(timeout=30)
    assert answers == ["kept-across-restarts"]
    assert _daemon_pid() != old
