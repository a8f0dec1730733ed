"""Access tokens recently checked against the database, kept for a few seconds.

Only the long-poll fast path (medspa_api.api.long_poll) answers from here:
every desk long-polls ``/sync/changes`` and is answered again after each
change, so checking its token in the database on every answer would cost a
thread and a query per desk per change, and that answer says only whether
something changed (a sequence number, never a record). Every other request
checks its token in the database (medspa_api.api.deps.get_caller), which then
refreshes the entry here. A token that passed the full check (session open,
user active, device not revoked, not expired) is trusted for up to ``TTL_S``
seconds, never past its own or its session's expiry. Each entry lives a random
50-100 % of ``TTL_S``, so the desks that all signed in around the same time do
not all come back to the database in the same instant (that burst, not the
steady rate, set the long-poll's tail latency).

Ending sessions (sign-out, user disabled, device revoked, refresh reuse, idle
or absolute limit) or an access token (a refresh retry spending its lost
successor) forgets every cached token once the change commits, so in this
process the fast path stops at once too. In another process behind the same
load balancer the fast path may answer a long-poll for up to ``TTL_S``; the
desk's next pull, push or any other call is refused. A lookup that started
before such a change is not cached (the generation moved on while it ran), so
a check racing a sign-out cannot put a stale "valid" back.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.engine import Connection

from medspa_api.db.database import after_commit

TTL_S = 20.0
MAX_ENTRIES = 50_000

C = TypeVar("C")


@dataclass(frozen=True)
class _Entry(Generic[C]):
    caller: C
    until: float  # time.monotonic() after which the database is asked again


class ValidatedTokens(Generic[C]):
    def __init__(self, *, ttl_s: float = TTL_S, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[str, _Entry[C]] = {}
        self._generation = 0
        self._lock = threading.Lock()

    @property
    def generation(self) -> int:
        """Read before a database check; pass to :meth:`remember` after it."""
        return self._generation

    def get(self, token_hash: str) -> C | None:
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        if entry.until <= time.monotonic():
            self._entries.pop(token_hash, None)
            return None
        return entry.caller

    def remember(self, token_hash: str, caller: C, *, valid_for_s: float, generation: int) -> None:
        """Cache a caller the database just vouched for, unless sessions ended since the check began."""
        lifetime = min(self.ttl_s * random.uniform(0.5, 1.0), valid_for_s)
        if lifetime <= 0:
            return
        with self._lock:
            if generation != self._generation:
                return
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[token_hash] = _Entry(caller, time.monotonic() + lifetime)

    def forget_all(self) -> None:
        """Sessions ended: ask the database again for every token."""
        with self._lock:
            self._generation += 1
            self._entries.clear()


# One per process: ending a session anywhere in this process must reach every app's cache.
VALIDATED_TOKENS: ValidatedTokens = ValidatedTokens()


def forget_cached_checks(conn: Connection) -> None:
    """Tokens stop working in the transaction on ``conn``: forget cached checks now and once it commits."""
    VALIDATED_TOKENS.forget_all()
    after_commit(conn, VALIDATED_TOKENS.forget_all)
