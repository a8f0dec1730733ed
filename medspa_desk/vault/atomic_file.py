"""Write a private file so a crash leaves either the old file or the new one, never half of either."""

from __future__ import annotations

import contextlib
import os
import secrets as random_source
from pathlib import Path


def fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; some platforms cannot open a directory.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_private_file(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically, readable by the owner only (0600).

    The temp file is created with mode 0600 before a byte is written, flushed to
    disk, then renamed over the target, and the directory is flushed too. On any
    failure the temp file is removed and the previous file is left as it was.
    """
    temp = path.with_name(f".{path.name}.{random_source.token_hex(6)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, 0o600)  # the umask can only narrow the mode; make it exactly 0600
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
    fsync_directory(path.parent)
