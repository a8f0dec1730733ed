"""Opening the SQLCipher database: key first, then checks, then pragmas.

The order matters. The raw 256-bit key is given before any other statement
(SQLCipher derives nothing from it: a raw key skips PBKDF2), then the page
size. Then we prove the key opens the file, check the library is SQLCipher 4
with FTS5, and only then switch on WAL and the rest. A file that fails to open
is diagnosed, never replaced: we create a database only when no file exists at
the path.

Page size: new stores use 16 KiB pages (``PAGE_SIZE``); stores made before
2026-11-22 use SQLCipher's default of 4 KiB (``LEGACY_PAGE_SIZE``) and keep
it. An encrypted file does not say its page size (the header is encrypted
too), so an existing file is opened with the size its length suggests first
(a 4 KiB store is a multiple of 16 KiB only one time in four) and, when the
key does not open it that way, with the other. Only reads are tried: a
failed try writes nothing.

The key never becomes a Python string. It arrives as a ``bytearray`` the
caller owns and zeroes; its hex form (``x'…'``, SQLCipher's spelling of a raw
key) is written byte by byte into another ``bytearray``, handed to the
driver's ``set_key`` (``sqlite3_key``, read through the buffer protocol) and
zeroed at once. A ``PRAGMA key`` statement would have been a ``str``:
immutable, kept in the driver's statement cache, and freed without being
overwritten. SQLCipher keeps its own copies inside the connection (see
docs/security-model.md, "What is left in memory after lock", for what the
measurement shows of them after close).

``PRAGMA cipher_memory_security`` is ON for every connection: SQLCipher
overwrites every block SQLite frees, so a closed (locked) store leaves no
decrypted page or row behind in freed memory. Two things make it affordable
(it cost 5.5 times the CPU of a search before; docs/security-model.md,
"What cipher_memory_security costs"):

- each malloc and free it wraps also calls ``mlock``/``munlock``, and each
  such call splits or merges the heap's memory mapping in the kernel. The
  locking is given up (:func:`stop_page_locking`: the soft
  ``RLIMIT_MEMLOCK`` set to 0, and ``CAP_IPC_LOCK`` dropped from this
  thread when running as root), so each call fails at once; the wiping stays.
  SQLCipher's own key buffers, allocated and locked when the library starts,
  stay locked;
- a wide lookaside (:data:`LOOKASIDE_SLOTS` slots of
  :data:`LOOKASIDE_SLOT_BYTES`) serves SQLite's small per-statement
  allocations from one buffer per connection, instead of one malloc each;
  the buffer is wiped when the connection closes. SQLite's default (a few
  dozen slots) is used up by the cached statements, so a search made about
  540 mallocs, 85 % of them small.

It is process-wide and cannot be turned off again once on.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import re
import resource
import sys
from pathlib import Path
from typing import Any

from sqlcipher3 import dbapi2

from medspa_desk.store.errors import (
    Corrupt,
    MissingFts5,
    NotEncrypted,
    StoreError,
    StoreMissing,
    UnsupportedCipher,
    WrongKey,
    unwritable,
)

log = logging.getLogger(__name__)

KEY_BYTES = 32
# New stores: fewer, larger pages make a bulk load about a tenth cheaper (less
# per-page encryption, HMAC and write overhead; see docs/store.md, Performance).
PAGE_SIZE = 16_384
# What every store made before 2026-11-22 has (SQLCipher 4's default).
LEGACY_PAGE_SIZE = 4096
PAGE_SIZES = (PAGE_SIZE, LEGACY_PAGE_SIZE)
# 64 MiB of decrypted pages: the hot part of a clinic's data stays decrypted in
# memory, so a search or a day view rarely pays the decryption cost twice.
CACHE_KIB = 65_536
PLAIN_HEADER = b"SQLite format 3\x00"

# cipher_memory_security: on for every connection (see the module note). Only the benchmark's
# worker that measures its cost sets this False, in a process of its own.
MEMORY_SECURITY = True
# SQLite's lookaside: this many slots of this many bytes per connection (600 KB), so that the
# small allocations of a query do not each go through the wiping allocator (see the module note).
LOOKASIDE_SLOT_BYTES = 1200
LOOKASIDE_SLOTS = 500
_SQLITE_DBCONFIG_LOOKASIDE = 1001
_CAP_IPC_LOCK = 14
_LINUX_CAPABILITY_VERSION_3 = 0x20080522

# Pragmas after the key check, in order, with the reason for each.
CONNECTION_PRAGMAS: tuple[str, ...] = (
    # WAL: readers never wait on the writer, and a crash mid-write leaves the
    # last committed state intact.
    "PRAGMA journal_mode = WAL",
    # FULL: a commit is on disk before we say so; the outbox holds writes the
    # server has not seen yet, so losing a committed one loses clinic data.
    "PRAGMA synchronous = FULL",
    # Sorts and temporary indexes stay in memory, never in an unencrypted
    # temp file.
    "PRAGMA temp_store = MEMORY",
    # Deleted content is overwritten, not left in free pages.
    "PRAGMA secure_delete = ON",
    "PRAGMA foreign_keys = ON",
    f"PRAGMA cache_size = -{CACHE_KIB}",
    # Memory-mapped I/O would bypass the codec; SQLCipher ignores it anyway.
    "PRAGMA mmap_size = 0",
)


_HEX_DIGITS = b"0123456789abcdef"


def key_material(key: bytearray) -> bytearray:
    """``x'<64 hex digits>'`` for ``key``, built in a ``bytearray`` the caller zeroes (no ``str``, no ``bytes``)."""
    if len(key) != KEY_BYTES:
        raise StoreError("The data key has the wrong length; sign in again to unlock the store.")
    material = bytearray(3 + 2 * KEY_BYTES)
    material[0:2] = b"x'"
    for index, byte in enumerate(key):
        material[2 + 2 * index] = _HEX_DIGITS[byte >> 4]
        material[3 + 2 * index] = _HEX_DIGITS[byte & 0x0F]
    material[-1] = ord("'")
    return material


def key_pragma(key: bytearray) -> str:
    """The ``PRAGMA key`` statement for a raw key (see the module note on zeroing)."""
    if len(key) != KEY_BYTES:
        raise StoreError("The data key has the wrong length; sign in again to unlock the store.")
    return "PRAGMA key = \"x'" + key.hex() + "'\""


def open_database(path: Path, key: bytearray, *, create: bool = False) -> Any:
    """An open, checked, tuned connection to the encrypted store at ``path``.

    Raises :class:`StoreMissing` when there is no file and ``create`` is false,
    :class:`WrongKey` / :class:`Corrupt` / :class:`NotEncrypted` when the file is
    there but does not open. The file is left exactly as it was in those cases.
    """
    path = Path(path)
    exists = path.exists()
    if not exists and not create:
        raise StoreMissing(f"There is no local data file at {path}. Sign in online once to set "
                           "up this workstation.")
    if exists:
        _refuse_unopenable_shapes(path)
    # SQLite would open a file it may not write read-only, without a word, and fail at the first write.
    refusal = unwritable(path)
    if refusal is not None:
        raise refusal
    # mode=rw makes SQLite refuse to create a file that vanished between our
    # check and the open: we never make a fresh database by accident.
    uri = f"file:{_uri_path(path)}?mode={'rw' if exists else 'rwc'}"
    page_sizes = page_sizes_to_try(path) if exists else (PAGE_SIZE,)
    for page_size in page_sizes:
        conn = _keyed(uri, path, key, page_size)
        try:
            if not _key_opens(conn):
                conn.close()
                continue
            _check_fts5(conn)
            for pragma in CONNECTION_PRAGMAS:
                conn.execute(pragma)
        except BaseException:
            conn.close()
            raise
        return conn
    _diagnose_unopenable(uri, path, key, page_sizes)
    raise AssertionError("unreachable: the diagnosis raises")  # pragma: no cover


def page_sizes_to_try(path: Path) -> tuple[int, ...]:
    """The page sizes an existing store may have, the likelier first (by the file's length)."""
    if path.stat().st_size % PAGE_SIZE:
        return (LEGACY_PAGE_SIZE, PAGE_SIZE)
    return PAGE_SIZES


def _keyed(uri: str, path: Path, key: bytearray, page_size: int) -> Any:
    """A connection to ``uri`` with the key and page size given, nothing read yet."""
    try:
        conn = dbapi2.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    except dbapi2.Error as exc:
        raise StoreError(f"The local data file at {path} cannot be opened ({type(exc).__name__}). "
                         "Check the folder's permissions.") from None
    try:
        # Before any statement: SQLite refuses to change a lookaside in use.
        widen_lookaside(conn)
        # Before the key and every other statement: what SQLCipher frees is overwritten.
        if MEMORY_SECURITY:
            stop_page_locking()
            conn.execute("PRAGMA cipher_memory_security = ON")
        _silence_cipher_log(conn)
        material = key_material(key)
        try:
            conn.set_key(material)  # type: ignore[arg-type]  # the driver takes bytes; its stub says str
        finally:
            material[:] = bytes(len(material))
        # After the key, before the first read (SQLCipher's rule); a literal
        # from PAGE_SIZES, never input.
        conn.execute(f"PRAGMA cipher_page_size = {int(page_size)}")
        _check_cipher(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def widen_lookaside(conn: Any) -> bool:
    """Give ``conn`` a lookaside of :data:`LOOKASIDE_SLOTS` slots; False when SQLite refused.

    The driver does not offer ``sqlite3_db_config``; it is called through ctypes on the
    library the driver is built with, with the connection's ``sqlite3*`` (the first field
    after the object header in sqlcipher3's ``pysqlite_Connection``). Done before any
    statement: SQLite refuses (SQLITE_BUSY) while lookaside memory is in use.
    """
    from sqlcipher3 import _sqlite3  # type: ignore[attr-defined]  # the extension module that holds SQLCipher

    library = ctypes.CDLL(_sqlite3.__file__)
    handle = ctypes.c_void_p.from_address(id(conn) + object.__basicsize__).value
    library.sqlite3_db_config.restype = ctypes.c_int
    rc = library.sqlite3_db_config(ctypes.c_void_p(handle), _SQLITE_DBCONFIG_LOOKASIDE, ctypes.c_void_p(None),
                                   ctypes.c_int(LOOKASIDE_SLOT_BYTES), ctypes.c_int(LOOKASIDE_SLOTS))
    if rc != 0:
        log.warning("SQLite kept its default lookaside (sqlite3_db_config returned %d)", rc)
    return rc == 0


def stop_page_locking() -> None:
    """Make ``mlock`` fail at once in this process, so the wiping allocator is affordable.

    ``cipher_memory_security`` calls ``mlock`` on every allocation and ``munlock`` on every
    free; each successful call splits or merges a kernel memory mapping (most of its cost).
    The soft ``RLIMIT_MEMLOCK`` is set to 0 (process-wide; the hard limit is kept) and, as
    root, ``CAP_IPC_LOCK`` is dropped from this thread's effective set (capabilities are per
    thread; a child process gets its own back at exec). Locked pages stay locked, SQLCipher's
    key buffers among them. Idempotent.
    """
    _soft, hard = resource.getrlimit(resource.RLIMIT_MEMLOCK)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_MEMLOCK, (0, hard))
    if not sys.platform.startswith("linux"):  # capget/capset are Linux's
        return
    header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()  # two of {effective, permitted, inheritable}
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.capget(header, data) != 0 or not data[0] & (1 << _CAP_IPC_LOCK):
        return
    data[0] &= ~(1 << _CAP_IPC_LOCK)
    if libc.capset(header, data) != 0:
        log.warning("CAP_IPC_LOCK could not be dropped (errno %d)", ctypes.get_errno())


def _uri_path(path: Path) -> str:
    return str(path.resolve()).replace("%", "%25").replace("?", "%3f").replace("#", "%23")


def _refuse_unopenable_shapes(path: Path) -> None:
    size = path.stat().st_size
    if size == 0:
        raise Corrupt(f"The local data file at {path} is empty. It was not replaced; restore it "
                      "from a backup or ask your administrator to re-enroll this workstation.")
    with path.open("rb") as handle:
        head = handle.read(len(PLAIN_HEADER))
    if head == PLAIN_HEADER:
        raise NotEncrypted(f"The file at {path} is an unencrypted database, not the encrypted "
                           "store. It was left untouched; move it away and sign in again.")


def _silence_cipher_log(conn: Any) -> None:
    # SQLCipher writes HMAC failures to stderr itself; we report them our way.
    with contextlib.suppress(dbapi2.Error):
        conn.execute("PRAGMA cipher_log_level = NONE")


def _check_cipher(conn: Any) -> None:
    row = conn.execute("PRAGMA cipher_version").fetchone()
    version = row[0] if row else ""
    if not re.match(r"^4\.", version or ""):
        raise UnsupportedCipher("This installation's encryption library is not SQLCipher 4 "
                                f"(found {version or 'none'}). Reinstall Medspa Desk.")


def _key_opens(conn: Any) -> bool:
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except dbapi2.DatabaseError:
        return False
    return True


def _diagnose_unopenable(uri: str, path: Path, key: bytearray, page_sizes: tuple[int, ...]) -> None:
    """Tell a wrong key from damage: with the wrong key every page fails, with damage a few.

    Checked at each page size the file may have: at the wrong one every page
    fails too, so damage shows as the size at which only some pages fail.
    """
    size = path.stat().st_size
    for page_size in page_sizes:
        conn = _keyed(uri, path, key, page_size)
        try:
            bad = bad_pages(conn)
        finally:
            conn.close()
        if bad and len(bad) < max(1, size // page_size):
            raise Corrupt(describe_bad_pages(path, bad), bad_pages=bad)
    raise WrongKey("The key does not open the local data file. If you just changed your "
                   "password, sign in online; otherwise the file may belong to another "
                   "workstation. Nothing was changed.")


def bad_pages(conn: Any) -> list[int]:
    """Page numbers whose HMAC does not verify, from ``PRAGMA cipher_integrity_check``."""
    try:
        rows = conn.execute("PRAGMA cipher_integrity_check").fetchall()
    except dbapi2.Error:
        return []
    pages = []
    for (message,) in rows:
        found = re.search(r"page (\d+)", str(message))
        if found:
            pages.append(int(found.group(1)))
    return pages


def describe_bad_pages(path: Path, pages: list[int]) -> str:
    shown = ", ".join(str(p) for p in pages[:10]) + (" …" if len(pages) > 10 else "")
    return (f"The local data file at {path} is damaged: page{'s' if len(pages) > 1 else ''} "
            f"{shown} fail{'' if len(pages) > 1 else 's'} the integrity check. It was not changed "
            "or replaced; restore it from a backup or ask your administrator to re-enroll this "
            "workstation and download the practice again.")


def _check_fts5(conn: Any) -> None:
    if not has_fts5(conn):
        raise MissingFts5("This installation's database library lacks full-text search (FTS5), "
                          "which client search needs. Reinstall Medspa Desk.")


def has_fts5(conn: Any) -> bool:
    rows = conn.execute("PRAGMA compile_options").fetchall()
    return any(str(option).upper() == "ENABLE_FTS5" for (option,) in rows)

