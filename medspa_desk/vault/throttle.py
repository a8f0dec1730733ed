"""The growing wait after wrong passwords, per user, kept in memory for the life of the process.

After the n-th wrong password in a row the next attempt must wait
``min(first_delay_s * 2 ** (n - 1), max_delay_s)``: 1 s, 2 s, 4 s … up to five
minutes. A right password clears the count. The state lives in a registry
keyed by vault id, so closing and re-loading the vault (as the sign-in screen
does) does not reset it; restarting the app does, which is why the server's
lockout, not this, is the wall against online guessing, and why the delay
here is a brake on someone at the keyboard.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from medspa_desk.vault.errors import TryAgainLater


@dataclass
class _Misses:
    count: int = 0
    not_before: float = 0.0


@dataclass
class UnlockThrottle:
    clock: Callable[[], float] = time.monotonic
    first_delay_s: float = 1.0
    max_delay_s: float = 300.0
    _misses: dict[UUID, _Misses] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def delay_after(self, failures: int) -> float:
        """Seconds to wait after ``failures`` wrong passwords in a row."""
        if failures <= 0:
            return 0.0
        return min(self.first_delay_s * 2 ** min(failures - 1, 32), self.max_delay_s)

    def failures(self, user_id: UUID) -> int:
        with self._lock:
            return self._misses.get(user_id, _Misses()).count

    def check(self, user_id: UUID) -> None:
        """:class:`TryAgainLater` if the user must still wait before another attempt."""
        with self._lock:
            misses = self._misses.get(user_id)
            if misses is None:
                return
            left = misses.not_before - self.clock()
            if left > 0:
                raise TryAgainLater(seconds_left=left, failures=misses.count)

    def record_failure(self, user_id: UUID) -> tuple[int, float]:
        """Count a wrong password; returns (failures in a row, seconds to wait)."""
        with self._lock:
            misses = self._misses.setdefault(user_id, _Misses())
            misses.count += 1
            delay = self.delay_after(misses.count)
            misses.not_before = self.clock() + delay
            return misses.count, delay

    def record_success(self, user_id: UUID) -> None:
        with self._lock:
            self._misses.pop(user_id, None)


_registry: dict[UUID, UnlockThrottle] = {}
_registry_lock = threading.Lock()


def throttle_for(vault_id: UUID) -> UnlockThrottle:
    """The process-wide throttle of one vault."""
    with _registry_lock:
        return _registry.setdefault(vault_id, UnlockThrottle())
