"""Key bytes held in memory we can zero, and what Python cannot zero.

What this does: every key the vault hands out (the data key, the device
secret, wrapping keys) lives in one ``bytearray`` owned by a :class:`SecretKey`;
``wipe()`` overwrites it with zeros in place, and the key is derived or
decrypted straight into that buffer (``derive_into``/``decrypt_into``), so no
immutable copy is made on the way.

What Python cannot do, said plainly:

- ``str`` and ``bytes`` are immutable. A password typed into a dialog is a
  ``str`` (Qt hands it over that way); it and any ``bytes`` made from it stay in
  the heap until the allocator reuses the memory. We encode passwords into a
  ``bytearray`` and zero that, but cannot zero the ``str`` itself.
- Libraries may copy: OpenSSL's key schedules are cleared by OpenSSL when the
  cipher context is freed; SQLCipher keeps its own copy of the key for as long
  as the connection is open (closing the connection frees it).
- A ``bytearray`` that grows is reallocated and the old block is not zeroed; a
  :class:`SecretKey` never grows.
- Memory may be swapped to disk or written into a hibernation image; core dumps
  are turned off by :func:`disable_core_dumps` at start-up.

So zeroing narrows the window in which a memory dump reveals a key; it does not
close it. The vault's real protection is that keys at rest are always wrapped.
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any, Self

from medspa_desk.vault.errors import KeyWiped

log = logging.getLogger(__name__)


def zero(buffer: bytearray | memoryview) -> None:
    """Overwrite a writable buffer with zeros in place (the same memory, not a copy)."""
    view = memoryview(buffer).cast("B")
    view[:] = bytes(len(view))


class SecretKey:
    """A key in a ``bytearray`` that is zeroed by :meth:`wipe` or at the end of a ``with`` block.

    A SecretKey that is garbage-collected unwiped zeroes its buffer too, so keep
    the SecretKey (not just its ``buffer``) for as long as the bytes are needed.
    """

    __slots__ = ("_buffer", "_wiped")

    def __init__(self, buffer: bytearray) -> None:
        if not isinstance(buffer, bytearray):
            raise TypeError("SecretKey holds a bytearray, so that it can be zeroed")
        self._buffer = buffer
        self._wiped = False

    @classmethod
    def empty(cls, size: int) -> SecretKey:
        """A zeroed buffer of ``size`` bytes, for a key derived or decrypted straight into it."""
        return cls(bytearray(size))

    @property
    def buffer(self) -> bytearray:
        """The key bytes themselves (not a copy): hand this to SQLCipher or a cipher."""
        if self._wiped:
            raise KeyWiped()
        return self._buffer

    @property
    def wiped(self) -> bool:
        return self._wiped

    def copy(self) -> SecretKey:
        return SecretKey(bytearray(self.buffer))

    def wipe(self) -> None:
        zero(self._buffer)
        self._wiped = True

    def __len__(self) -> int:
        return len(self._buffer)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.wipe()

    def __repr__(self) -> str:
        return f"SecretKey(<{len(self._buffer)} bytes{', wiped' if self._wiped else ''}>)"

    __str__ = __repr__

    def __reduce__(self) -> str | tuple[Any, ...]:
        raise TypeError("a SecretKey cannot be pickled")

    def __del__(self) -> None:
        # Last chance when a caller forgot to wipe; never relied upon.
        buffer = getattr(self, "_buffer", None)
        if buffer is not None and not getattr(self, "_wiped", True):
            zero(buffer)


def password_bytes(password: str) -> bytearray:
    """The password as UTF-8 in a bytearray the caller zeroes after use."""
    return bytearray(password, "utf-8")


def disable_core_dumps() -> bool:
    """Turn core dumps off for this process so a crash cannot write keys to disk.

    Returns False if the platform refused; the caller logs that it could not.
    """
    try:
        import resource  # POSIX only

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        log.warning("could not turn core dumps off")
        return False
    return True
