"""Warm seats: who may switch back in on this desk with a PIN instead of the password.

A person whose session is *warm* switches back in with their PIN. Warm means all of:

- they are enrolled on this workstation (a keyslot of their own) and signed in on it
  with their password in this run of the app, within the practice's longest switch
  window (24 hours; the server holds them to the practice's own, shorter or not);
- they had set a PIN, and they left by switching user (not by signing out);
- the PIN-sealed copy (data key and user secret, ``PinLock`` with a companion, in
  memory only, never on disk) has not been dropped: five wrong PINs drop it, so do
  signing out and quitting the app.

Even then the PIN alone is never enough: the kept refresh token it opens must be
taken by the server (``medspa_desk.signing_in.sign_in_with_pin``), so a person whose
server session has ended, been revoked or outlived the switch window, or a desk that
cannot reach the server, is asked for the password. The registry is per process.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID

from medspa_desk.protocol import SWITCH_WINDOW_HOURS_MAX
from medspa_desk.records import utc_now
from medspa_desk.vault import PinLock

# The desk's own limit; the server's (the practice's switch window) is the one that counts.
WARM_AT_MOST = timedelta(hours=SWITCH_WINDOW_HOURS_MAX)


@dataclass
class WarmSeat:
    lock: PinLock
    signed_in_at: datetime  # their last sign-in on this workstation with the password


_seats: dict[tuple[Path, UUID], WarmSeat] = {}
_guard = threading.Lock()


def _where(directory: Path) -> Path:
    return Path(directory).resolve()


def keep_warm(directory: Path, *, user_id: UUID, lock: PinLock, signed_in_at: datetime) -> None:
    """Keep a person's locked PIN copy (with their user secret) for a PIN switch back in."""
    with _guard:
        old = _seats.pop((_where(directory), user_id), None)
        _seats[(_where(directory), user_id)] = WarmSeat(lock=lock, signed_in_at=signed_in_at)
    if old is not None:
        old.lock.drop()


def warm_seat(directory: Path, *, user_id: UUID) -> WarmSeat | None:
    """Their warm seat, or None (never kept, dropped, or older than the longest switch window)."""
    with _guard:
        seat = _seats.get((_where(directory), user_id))
        if seat is None or not seat.lock.has_companion or utc_now() - seat.signed_in_at >= WARM_AT_MOST:
            _seats.pop((_where(directory), user_id), None)
            stale = seat
            seat = None
        else:
            stale = None
    if stale is not None:
        stale.lock.drop()
    return seat


def drop_warm(directory: Path, *, user_id: UUID) -> None:
    with _guard:
        seat = _seats.pop((_where(directory), user_id), None)
    if seat is not None:
        seat.lock.drop()


def drop_every_warm_seat() -> None:
    """Quitting the app, or a wiped workstation: no PIN brings anyone back."""
    with _guard:
        seats = list(_seats.values())
        _seats.clear()
    for seat in seats:
        seat.lock.drop()
