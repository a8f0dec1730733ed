"""Signing in on a workstation whose files are damaged or cannot be written: each fault named.

Real faults, through ``medspa_desk.signing_in.sign_in`` against the live API over TLS: one bit
flipped in the person's own keyslot (restored online from the escrowed key; offline, the
desk says the key file is damaged and never counts a wrong password), ``chattr +i`` on the
data file, and the data folder seen through a read-only bind mount.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from medspa_desk.records import AuditAction
from medspa_desk.session import DeskSession
from medspa_desk.signing_in import SignInOptions, sign_in
from medspa_desk.store.errors import DiskFull, ReadOnly
from medspa_desk.vault import KeyslotDamaged, Vault
from medspa_desk.vault.keyslots import KEYSLOT_FILE_NAME
from medspa_desk.workstation import Workstation
from tests.core.store.test_disk_faults import _chattr, _fill, _mounted, _run
from tests.core.vault.test_keyslot_damage import _flip_in_slot
from tests.resilience.conftest import live
from tests.support.live_api import LiveApi, SeededUser
from tests.support.store_workers import store_worker

__all__ = ["live"]
pytestmark = pytest.mark.usefixtures("secret_service")


def _sign_in(live: LiveApi, directory: Path, user: SeededUser, *, code: bool = True) -> DeskSession:
    return sign_in(directory, worker=store_worker(), username=user.username, password=user.password,
                   totp=live.totp(user.username) if code else None,
                   options=SignInOptions(server_url=live.base_url, tenant=live.tenant.name, ca_path=live.ca_path))


def _audited(directory: Path, live: LiveApi, user: SeededUser) -> list[AuditAction]:
    session = _sign_in(live, directory, user)
    try:
        assert session.store is not None
        return [event.action for event in session.store.audit.events(limit=10_000)]
    finally:
        session.sign_out()


def test_a_damaged_own_keyslot_is_restored_from_escrow_online_and_named_offline(live: LiveApi,
                                                                               tmp_path: Path) -> None:
    directory = tmp_path / "desk"
    person = live.add_user(live.users["front_desk"].role)
    _sign_in(live, directory, person).sign_out()
    _flip_in_slot(directory / KEYSLOT_FILE_NAME, "nonce")
    restored = _sign_in(live, directory, person)  # online: a new slot from the escrowed key
    restored.sign_out()
    Vault.load(directory).unlock(person.id, person.password).wipe()
    _flip_in_slot(directory / KEYSLOT_FILE_NAME, "ciphertext")
    live.stop()  # offline: nothing to restore from
    for password in (person.password, "not the password", person.password):
        with pytest.raises(KeyslotDamaged) as told:
            sign_in(directory, worker=store_worker(), username=person.username, password=password)
        assert "key file is damaged" in str(told.value) and "not counted as wrong" in str(told.value)
    held = Workstation(directory).held_audit()
    assert [event.action for event in held[-3:]] == [AuditAction.SIGN_IN_FAILED] * 3
    assert all("reason=KeyslotDamaged" in event.detail for event in held[-3:])


def test_an_immutable_data_file_at_sign_in_is_named_and_audited(live: LiveApi, tmp_path: Path) -> None:
    directory = tmp_path / "desk"
    person = live.add_user(live.users["front_desk"].role)
    _sign_in(live, directory, person).sign_out()
    database = Workstation(directory).database_path
    _chattr("+i", database)
    try:
        with pytest.raises(ReadOnly) as told:
            _sign_in(live, directory, person)
        message = str(told.value)
        assert str(database) in message and "immutable" in message and "Something went wrong" not in message
    finally:
        _chattr("-i", database)
    actions = _audited(directory, live, person)  # the refusal reached the trail; nothing was lost
    assert actions.count(AuditAction.SIGN_IN) == 2 and AuditAction.SIGN_IN_FAILED in actions


def test_a_data_folder_on_a_read_only_mount_is_named_at_sign_in(live: LiveApi, tmp_path: Path) -> None:
    directory = tmp_path / "desk"
    person = live.add_user(live.users["front_desk"].role)
    _sign_in(live, directory, person).sign_out()
    before = {p.name: p.read_bytes() for p in directory.iterdir() if p.is_file()}
    with _mounted("--bind", str(directory), target=tmp_path / "seen") as seen:
        _run("mount", "-o", "remount,ro,bind", str(seen))
        with pytest.raises(ReadOnly) as told:
            _sign_in(live, seen, person, code=False)
        message = str(told.value)
        assert f"The folder {seen} is on a disk mounted read-only" in message
        assert "changed your password" not in message and "damaged" not in message
    assert {p.name: p.read_bytes() for p in directory.iterdir() if p.is_file()} == before
    assert _audited(directory, live, person).count(AuditAction.SIGN_IN) == 2



def test_a_first_sign_in_on_a_full_disk_says_so_and_the_next_one_succeeds(live: LiveApi, tmp_path: Path) -> None:
    person = live.add_user(live.users["front_desk"].role)
    with _mounted("-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", target=tmp_path / "small") as disk:
        filler = _fill(disk)
        with pytest.raises(DiskFull) as told:
            _sign_in(live, disk, person)
        message = str(told.value)
        assert f"({disk})" in message and "is full" in message and "Free at least" in message
        filler.unlink()
        _sign_in(live, disk, person).sign_out()  # the cut-off first sign-in left nothing in the way
        assert Vault.load(disk).users() == [person.id]


def test_a_first_sign_in_into_a_read_only_folder_names_it(live: LiveApi, tmp_path: Path) -> None:
    person = live.add_user(live.users["front_desk"].role)
    (tmp_path / "empty").mkdir()
    with _mounted("--bind", str(tmp_path / "empty"), target=tmp_path / "seen") as seen:
        _run("mount", "-o", "remount,ro,bind", str(seen))
        with pytest.raises(ReadOnly) as told:
            _sign_in(live, seen, person)
        assert f"The folder {seen} is on a disk mounted read-only" in str(told.value)
