"""The encrypted local store: SQLCipher connection, migrations, queries, search, outbox.

Use :class:`Store`; everything it raises is a :class:`StoreError` whose message
a person may read.
"""

from __future__ import annotations

from medspa_desk.store.actor import Actor
from medspa_desk.store.changes import Changes
from medspa_desk.store.client_file import ClientFile
from medspa_desk.store.errors import (
    Corrupt,
    Immutable,
    InvalidChange,
    InvalidServerData,
    MissingFts5,
    NotAllowed,
    NotEncrypted,
    NotFound,
    SlotTaken,
    StoreClosed,
    StoreError,
    StoreMissing,
    TooNew,
    UnsupportedCipher,
    WrongKey,
)
from medspa_desk.store.store import IntegrityReport, Store
from medspa_desk.store.views import ClientHit, ClientLabel, DaySchedule, TimelineEntry

__all__ = [
    "Actor",
    "Changes",
    "ClientFile",
    "ClientHit",
    "ClientLabel",
    "Corrupt",
    "DaySchedule",
    "Immutable",
    "IntegrityReport",
    "InvalidChange",
    "InvalidServerData",
    "MissingFts5",
    "NotAllowed",
    "NotEncrypted",
    "NotFound",
    "SlotTaken",
    "Store",
    "StoreClosed",
    "StoreError",
    "StoreMissing",
    "TimelineEntry",
    "TooNew",
    "UnsupportedCipher",
    "WrongKey",
]
