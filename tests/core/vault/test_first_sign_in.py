"""A first sign-in cut off at any step leaves a workstation on which the next sign-in succeeds.

The vault is built under a pending name and put in place only after the key is in
escrow, the store made and the settings saved (``medspa_desk.signing_in._sign_in_online``).
Faults are real: the live API over TLS, the fault proxy breaking the escrow exchanges
(before the deposit, a deposit the server never saw, one it committed but never
answered), and a process that dies at each local step (``first_sign_in_child``):
no network fault can reach those, so the child replaces that one function with
``os._exit``, as a power cut would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from medspa_desk.records import Role
from medspa_desk.session import DeskSession
from medspa_desk.signing_in import SignInOptions, sign_in
from medspa_desk.sync.errors import SyncError
from medspa_desk.vault import Vault
from medspa_desk.vault.keyslots import KEYSLOT_FILE_NAME, PENDING_KEYSLOT_FILE_NAME
from medspa_desk.workstation import Workstation
from tests.core.vault.first_sign_in_child import KILLED, STEPS
from tests.resilience.conftest import live, proxy
from tests.support.fault_proxy import Fault, FaultProxy
from tests.support.live_api import LiveApi, SeededUser
from tests.support.store_workers import store_worker

__all__ = ["live", "proxy"]  # the real API over TLS and the fault proxy before it (tests/resilience)
pytestmark = pytest.mark.usefixtures("secret_service")

REPO = Path(__file__).resolve().parents[3]
SERVER_HALF = "/api/v1/devices/escrow/server-half"
DEPOSIT = "/api/v1/devices/escrow"


def _options(live: LiveApi, server_url: str) -> SignInOptions:
    return SignInOptions(server_url=server_url, tenant=live.tenant.name, ca_path=live.ca_path)


def _sign_in(live: LiveApi, directory: Path, user: SeededUser, *, server_url: str | None = None) -> DeskSession:
    return sign_in(directory, username=user.username, password=user.password, totp=live.totp(user.username),
                   options=_options(live, server_url or live.base_url), worker=store_worker())


def _assert_the_workstation_works(live: LiveApi, directory: Path, first: SeededUser) -> None:
    """The next sign-in succeeds, the key file in place matches the settings and the escrow."""
    session = _sign_in(live, directory, first)
    session.sign_out()
    config = Workstation(directory).load()
    assert Vault.load(directory).vault_id == config.vault_id
    assert not (directory / PENDING_KEYSLOT_FILE_NAME).exists()
    # A colleague enrolled through escrow proves the server holds THIS vault's key.
    second = live.add_user(Role.PROVIDER)
    _sign_in(live, directory, second).sign_out()
    assert set(Workstation(directory).load().users.values()) == {first.id, second.id}
    # And the first person's keyslot still opens (offline sign-in's first step).
    Vault.load(directory).unlock(first.id, first.password).wipe()


@pytest.mark.parametrize(("method", "target", "fault"), [
    ("GET", SERVER_HALF, Fault.RESET),          # before the deposit
    ("POST", DEPOSIT, Fault.RESET),             # during: the server never saw it
    ("POST", DEPOSIT, Fault.CUT_MID_RESPONSE),  # after, on the server: answered half-way
    ("POST", DEPOSIT, Fault.LOSE_RESPONSE),     # after, on the server: committed, never answered
], ids=["server-half-reset", "deposit-reset", "deposit-cut-mid-answer", "deposit-answer-lost"])
def test_a_first_sign_in_cut_off_at_the_escrow_leaves_a_workstation_that_signs_in(
        live: LiveApi, proxy: FaultProxy, tmp_path: Path, method: str, target: str, fault: Fault) -> None:
    directory = tmp_path / "desk"
    first = live.add_user(Role.FRONT_DESK)
    proxy.inject_at(method, target, *([fault] * 4))  # every retry the desk makes is cut the same way
    with pytest.raises(SyncError):
        _sign_in(live, directory, first, server_url=proxy.url)
    assert proxy.counts[fault] >= 1
    assert not (directory / KEYSLOT_FILE_NAME).exists()
    assert not (directory / PENDING_KEYSLOT_FILE_NAME).exists()  # discarded as the sign-in failed
    proxy.calm()
    _assert_the_workstation_works(live, directory, first)


@pytest.mark.parametrize("step", sorted(STEPS))
def test_a_first_sign_in_killed_at_a_local_step_leaves_a_workstation_that_signs_in(
        live: LiveApi, tmp_path: Path, step: str) -> None:
    directory = tmp_path / "desk"
    first = live.add_user(Role.FRONT_DESK)
    child = subprocess.run(
        [sys.executable, "-m", "tests.core.vault.first_sign_in_child", step, str(directory), live.base_url,
         live.tenant.name, live.ca_path, first.username],
        input=f"{first.password}\n{live.totp(first.username)}\n", text=True, capture_output=True, cwd=REPO, env=dict(os.environ),
        timeout=120, check=False)
    assert child.returncode == KILLED, child.stderr[-2000:]
    in_place = (directory / KEYSLOT_FILE_NAME).exists()
    assert in_place == (step == "after the key file is put in place")
    _assert_the_workstation_works(live, directory, first)
