"""A full disk, an immutable file and a read-only folder are each named for what they are.

The faults are real: a small tmpfs filled to the last byte, ``chattr +i`` on the data file,
and a read-only bind mount of the data folder (``mount --bind`` then ``remount,ro,bind``).
The tests run as root (they make and remove mounts); without the rights they skip and say so.
Each checks the message a person reads and that nothing saved before was lost.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from medspa_desk.protocol import Change
from medspa_desk.records import AuditAction, AuditEvent, Client, new_id
from medspa_desk.store import Actor, Store
from medspa_desk.store.errors import DiskFull, ReadOnly
from tests.core.store.conftest import Practice

TMPFS_BYTES = 6 * 1024 * 1024
NOTES = "Prefers afternoon appointments; allergic to latex. " * 75  # about 3.9 KB, under the 4,000 limit


def _run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=30)


@contextlib.contextmanager
def _mounted(*args: str, target: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("making a tmpfs or a bind mount needs root; these faults cannot be made otherwise")
    target.mkdir(parents=True, exist_ok=True)
    try:
        _run("mount", *args, str(target))
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        pytest.skip(f"this sandbox cannot mount ({exc}); the fault cannot be made for real")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False, capture_output=True, timeout=30)


def _fill(folder: Path) -> Path:
    """Write a filler file until the disk under ``folder`` refuses another byte."""
    filler = folder / "filler.bin"
    with filler.open("wb", buffering=0) as handle:
        block = b"\0" * 65536
        with contextlib.suppress(OSError):
            while True:
                handle.write(block)
        with contextlib.suppress(OSError):
            while True:
                handle.write(b"\0")
    assert os.statvfs(folder).f_bavail == 0
    return filler


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    with _mounted("-t", "tmpfs", "-o", f"size={TMPFS_BYTES},mode=0700", "tmpfs", target=tmp_path / "small") as disk:
        yield disk


def _client(number: int) -> Client:
    return Client(first_name="Canary", last_name=f"Number{number}", birth_date=date(1980, 1, 1), notes=NOTES)


def test_a_save_on_a_full_disk_says_the_disk_is_full_and_how_much_to_free(
        small_disk: Path, key: bytearray, actor: Actor) -> None:
    path = small_disk / "desk.db"
    with Store.open(path, key, create=True) as store:
        practice = Practice(store, actor)
        kept = practice.client("Maria", "Lopez")
        filler = _fill(small_disk)
        with pytest.raises(DiskFull) as told:
            for number in range(200):  # the log's spare room runs out within a few saves
                store.create_client(_client(number), actor=actor)
        message = str(told.value)
        assert "disk holding the local data" in message and str(small_disk) in message
        assert "is full" in message and "Free at least 64 MB" in message and "0 MB free" not in message
        assert "damaged" not in message
        assert told.value.needed_bytes >= 64 * 1024 * 1024
        filler.unlink()
        store.create_client(_client(999), actor=actor)  # room again: saving works
        assert store.check_integrity().ok
    with Store.open(path, key) as again:  # nothing saved before was lost
        assert again.check_integrity().ok
        assert again.client(kept.id, actor=actor).last_name == "Lopez"


def test_a_pulled_page_on_a_full_disk_says_the_disk_is_full_and_keeps_the_cursor(
        small_disk: Path, key: bytearray, actor: Actor) -> None:
    path = small_disk / "desk.db"
    with Store.open(path, key, create=True) as store:
        Practice(store, actor)
        cursor = store.pull_cursor()
        filler = _fill(small_disk)
        page = [Change(seq=cursor + n + 1, entity="client", entity_id=new_id(), version=1,
                       data=_client(n).model_dump(mode="json")) for n in range(300)]
        for change in page:
            change.data["id"] = str(change.entity_id)  # type: ignore[index]
        with pytest.raises(DiskFull) as told:
            store.apply_changes(page, cursor=cursor + len(page))
        assert "is full" in str(told.value) and "damaged" not in str(told.value)
        assert store.pull_cursor() == cursor  # the page was not half applied: it is fetched again
        filler.unlink()
        store.apply_changes(page, cursor=cursor + len(page))
        assert store.pull_cursor() == cursor + len(page)
        assert store.check_integrity().ok


def _chattr(flag: str, path: Path) -> None:
    try:
        _run("chattr", flag, str(path))
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        pytest.skip(f"this file system or sandbox does not allow chattr ({exc})")


def test_an_immutable_data_file_is_named_as_such_when_the_store_opens(db_path: Path, key: bytearray,
                                                                     actor: Actor) -> None:
    with Store.open(db_path, key, create=True) as store:
        kept = Practice(store, actor).client("Maria", "Lopez")
    _chattr("+i", db_path)
    try:
        before = db_path.read_bytes()
        with pytest.raises(ReadOnly) as told:
            Store.open(db_path, key)
        message = str(told.value)
        assert str(db_path) in message and "immutable" in message and "chattr -i" in message
        assert "damaged" not in message and "password" not in message
        assert db_path.read_bytes() == before
    finally:
        _chattr("-i", db_path)
    with Store.open(db_path, key) as again:
        assert again.client(kept.id, actor=actor).last_name == "Lopez"


def test_a_data_folder_on_a_read_only_mount_is_named_with_the_reason(tmp_path: Path, key: bytearray,
                                                                    actor: Actor) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    with Store.open(folder / "desk.db", key, create=True) as store:
        kept = Practice(store, actor).client("Maria", "Lopez")
    with _mounted("--bind", str(folder), target=tmp_path / "seen") as seen:
        _run("mount", "-o", "remount,ro,bind", str(seen))
        with pytest.raises(OSError) as refused:
            (seen / "probe").write_bytes(b"")
        assert refused.value.errno == errno.EROFS  # the mount really is read-only
        with pytest.raises(ReadOnly) as told:
            Store.open(seen / "desk.db", key)
        message = str(told.value)
        assert f"The folder {seen} is on a disk mounted read-only" in message
        assert "cannot save" in message and "damaged" not in message and "password" not in message
    with Store.open(folder / "desk.db", key) as again:
        assert again.client(kept.id, actor=actor).last_name == "Lopez"


def test_a_driver_error_while_auditing_is_worded_not_raised_raw(store: Store, actor: Actor) -> None:
    before = store.audit.count()
    # The connection refuses writes, as it does on a file it opened read-only ("attempt to write a
    # readonly database", the OperationalError that escaped AuditTrail.record at sign-in).
    store.connection.execute("PRAGMA query_only = ON")
    with pytest.raises(ReadOnly) as told:
        store.audit.record(AuditEvent(actor_user_id=actor.user_id, action=AuditAction.LOCK, entity="user",
                                      entity_id=actor.user_id))
    assert "cannot be written" in str(told.value) and "read-only" in str(told.value)
    store.connection.execute("PRAGMA query_only = OFF")
    assert store.audit.count() == before and store.audit.verify().ok
