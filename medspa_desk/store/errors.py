"""What can go wrong in the local store, each in words a receptionist can be shown.

Every error here is a :class:`StoreError`; ``str(error)`` never holds a value
from a client's record (ids at most), so a view may show it as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
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
