"""What can go wrong in the local store, each in words a receptionist can be shown.

Every error here is a :class:`StoreError`; ``str(error)`` never holds a value
from a client's record (ids at most), so a view may show it as it is.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from medspa_desk.scheduling import Clash


class StoreError(Exception):
    """Base of every local-store error; the message is safe to show a person."""


class StoreMissing(StoreError):
    """The data file is not there and we were not asked to create one."""


class WrongKey(StoreError):
    """The key does not open this data file (or the file is not a Medspa Desk store)."""


class Corrupt(StoreError):
    """Pages of the data file fail their integrity check; nothing was changed or recreated."""

    def __init__(self, message: str, *, bad_pages: Sequence[int] = ()) -> None:
        super().__init__(message)
        self.bad_pages = tuple(bad_pages)


class NotEncrypted(Corrupt):
    """A plain, unencrypted SQLite file sits where the encrypted store should be."""


class DiskFull(StoreError):
    """The disk holding the store has no room left; the write was rolled back, nothing saved is lost."""

    def __init__(self, message: str, *, needed_bytes: int, free_bytes: int | None) -> None:
        super().__init__(message)
        self.needed_bytes = needed_bytes
        self.free_bytes = free_bytes


class ReadOnly(StoreError):
    """The data file or its folder cannot be written (read-only mount, immutable file, permissions)."""


class DiskTrouble(StoreError):
    """The operating system could not read or write the file (an I/O error), which is not damage as such."""


class TooNew(StoreError):
    """The data file was made by a newer Medspa Desk than this one."""


class MissingFts5(StoreError):
    """The SQLCipher build lacks full-text search, which client search needs."""


class UnsupportedCipher(StoreError):
    """The SQLCipher library is not version 4."""


class StoreClosed(StoreError):
    """The store was closed (the workstation locked); unlock to continue."""


class NotFound(StoreError):
    """A record asked for is not in the local store."""


class InvalidChange(StoreError):
    """A write was refused because the record it would make is not valid."""


class Immutable(StoreError):
    """A signed form or record cannot be changed; corrections are addenda."""


class NotAllowed(StoreError):
    """The clinic's workflow does not allow this step (e.g. a completed visit cannot be cancelled)."""


class SlotTaken(StoreError):
    """A booking would overlap the provider's or the room's other appointments."""

    def __init__(self, clashes: Sequence[Clash]) -> None:
        self.clashes = tuple(clashes)
        lines = [clash.message for clash in self.clashes]
        super().__init__("This time cannot be booked. " + " ".join(lines)
                         + " Pick another time, provider or room.")


class InvalidServerData(StoreError):
    """The server sent a record that does not validate; nothing from that page was applied."""


# What a save needs free, at the least: room for the write-ahead log to take the
# transaction and a checkpoint (a pull's page is a few MB; see docs/store.md).
MIN_FREE_BYTES = 64 * 1024 * 1024
_MB = 1024 * 1024


def _megabytes(count: int) -> int:
    return max(1, -(-count // _MB))


def disk_full(path: Path | None) -> DiskFull:
    """The disk under ``path`` (the store file) is full: how much is free, and how much to free."""
    store_bytes = 0
    free: int | None = None
    if path is not None:
        for part in (path, path.with_name(path.name + "-wal")):
            with contextlib.suppress(OSError):
                store_bytes += part.stat().st_size
        try:
            free = shutil.disk_usage(path.parent).free
        except OSError:
            free = None
    # At least 64 MB, or a tenth of the store, whichever is more: the log and a checkpoint fit.
    needed = max(MIN_FREE_BYTES, store_bytes // 10)
    where = f" ({path.parent})" if path is not None else ""
    has = f" It has {_megabytes(free)} MB free now." if free is not None else ""
    return DiskFull(f"The disk holding the local data{where} is full, so this was not saved; what was saved "
                    f"before is safe. Free at least {_megabytes(needed)} MB on that disk (delete or move "
                    f"other files), then try again.{has}", needed_bytes=needed, free_bytes=free)


def _mounted_read_only(folder: Path) -> bool:
    """Whether the disk ``folder`` is (or would be made) on is mounted read-only."""
    existing = next((part for part in (folder, *folder.parents) if part.exists()), None)
    try:
        return existing is not None and bool(os.statvfs(existing).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def unwritable(path: Path) -> ReadOnly | None:
    """Why the store at ``path`` (or the folder it would be made in) cannot be written; None if it can.

    SQLite opens a file it may not write read-only without a word and fails at
    the first write, deep in a sign-in; asked here, the answer names the folder
    or file and the reason.
    """
    folder = path.parent
    if _mounted_read_only(folder):
        return ReadOnly(f"The folder {folder} is on a disk mounted read-only, so the desk cannot save "
                        "anything there (signing in, bookings and the audit trail all write to it). Ask "
                        "your IT administrator to make that disk writable again, then sign in. Nothing "
                        "was changed.")
    for target, what in ((path, "local data file"), (folder, "data folder")):
        if not target.exists():
            continue
        if os.access(target, os.W_OK):
            continue
        if target is path:
            try:
                os.close(os.open(target, os.O_RDWR))
                continue
            except OSError as exc:
                reason = exc.errno
        else:
            reason = errno.EACCES
        if reason == errno.EPERM:
            return ReadOnly(f"The {what} {target} is marked unchangeable (immutable), so the desk cannot "
                            "save anything to it. Ask your IT administrator to remove that mark "
                            "(chattr -i), then sign in again. Nothing was changed.")
        return ReadOnly(f"This computer account may not write to the {what} {target}, so the desk cannot "
                        "save anything. Ask your IT administrator to give it write access, then sign in "
                        "again. Nothing was changed.")
    return None


def from_os_error(exc: OSError, *, folder: Path | None = None) -> StoreError:
    """A failed read or write of a file in the data ``folder``, in words: full, read-only, or what the OS said.

    The error's own file name is used when it has one (a write to an open file has none).
    """
    if isinstance(exc.filename, str | os.PathLike):
        where: Path | None = Path(exc.filename)
    else:
        where = folder / "desk.db" if folder is not None else None
    if exc.errno == errno.ENOSPC:
        return disk_full(where)
    if exc.errno in (errno.EROFS, errno.EPERM, errno.EACCES) and where is not None:
        refusal = unwritable(where if where.exists() else where.parent / "desk.db")
        if refusal is not None:
            return refusal
    named = f" {where}" if where is not None else ""
    return DiskTrouble(f"The computer could not read or write the file{named} ({exc.strerror or 'an I/O error'}), "
                       "so nothing was changed. Try again; if it keeps happening, ask your IT administrator "
                       "to check the disk and the data folder's permissions.")
