"""What the desk shows about sync, and the plain callbacks the UI bridges to Qt signals."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from medspa_desk.store.changes import Changes
from medspa_desk.sync.errors import SyncError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    """Records pulled so far of the total known, for a progress bar (total 0: unknown)."""

    done: int
    total: int


@dataclass(frozen=True)
class SyncStatus:
    online: bool = False
    pending: int = 0
    # Of ``pending``: changes made on this desk by someone who is not signed in now. They are
    # pushed in that person's own session, when they next sign in here.
    waiting_for_others: int = 0
    last_success_at: datetime | None = None
    conflicts: int = 0
    # Audit events of this desk the server refused: kept here for a manager (store.refused_audit()).
    refused_audit: int = 0
    # The newest change the server refused, named for a person ("Client Ada Lovelace: notes"); empty if none.
    refused: str = ""
    progress: Progress | None = None
    # The sentence to show (empty when all is well).
    message: str = ""
    paused: bool = False


def _ignore(*_: object) -> None:
    return None


@dataclass(frozen=True)
class SyncCallbacks:
    """Events named ``subject_did_verb``; each runs on the sync thread, so keep it short.

    ``sync_did_fail`` gets only errors a person should see: a cancelled sync
    (lock, sign-out) is silent.
    """

    sync_did_start: Callable[[], object] = field(default=_ignore)
    sync_did_finish: Callable[[Changes], object] = field(default=_ignore)
    sync_did_fail: Callable[[SyncError], object] = field(default=_ignore)
    status_did_change: Callable[[SyncStatus], object] = field(default=_ignore)
    changes_did_arrive: Callable[[Changes], object] = field(default=_ignore)


def announce(callback: Callable[..., object], *args: object) -> None:
    """Call a listener; a broken listener is logged, never allowed to stop sync."""
    try:
        callback(*args)
    except Exception as exc:
        log.warning("sync listener %s failed: %s", getattr(callback, "__name__", "?"), type(exc).__name__)
