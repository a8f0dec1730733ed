"""The whole suite on another date: every Python process's wall clock shifted by one offset.

``pytest --clock-at WHEN`` moves this process's clock (``time-machine``,
ticking) so the run starts at WHEN, and puts ``tests/support/shifted_site``
first on ``PYTHONPATH``: its ``sitecustomize`` moves the clock of every Python
process the tests start (the live API servers, the demo's child API, the
desk's page readers) by the same offset, so desk and server agree on the date
as a practice's machines do. Monotonic clocks are not moved (timeouts and
benchmarks measure real durations). TLS certificates made with trustme are
valid from 2000 to 3000, so OpenSSL's own (unshifted) clock accepts them.
PostgreSQL's clock is not shifted: it is another machine in production too.

libfaketime was tried first (it would shift non-Python processes too):
0.9.10 makes Python 3.11's ``time.sleep`` fail with EINVAL when only the wall
clock is shifted, and hangs ``threading.Event.wait`` when the monotonic clock
is shifted too.
"""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

SHIFT = "MEDSPA_TEST_CLOCK_SHIFT_S"
SHIFTED_AT = "MEDSPA_TEST_CLOCK_AT"
SITE = Path(__file__).resolve().parent / "shifted_site"

# The dates the issue names: US DST start and end, a leap day, and New Year's Eve in
# the practice's time zone, each a little before the moment that makes it hard.
HARD_DATES = (
    "2027-03-14T01:50 America/New_York",
    "2027-11-07T01:20 America/New_York",
    "2028-02-29T11:00 America/New_York",
    "2027-12-31T23:30 America/New_York",
)


def parse_when(text: str) -> datetime:
    """``2027-03-14T01:50 America/New_York`` or an ISO 8601 time with its offset."""
    stamp, _, zone = text.strip().partition(" ")
    when = datetime.fromisoformat(stamp)
    if zone:
        if when.tzinfo is not None:
            raise ValueError(f"--clock-at {text!r}: give either an offset or a zone name, not both")
        return when.replace(tzinfo=ZoneInfo(zone.strip()))
    if when.tzinfo is None:
        raise ValueError(f"--clock-at {text!r}: say which zone, e.g. '{stamp} America/New_York'")
    return when


def shift_this_process(offset_s: float) -> None:
    import time_machine

    time_machine.travel(time.time() + offset_s, tick=True).start()


def shift_everything_to(text: str) -> None:
    """This process and every Python process started from it after this call."""
    when = parse_when(text)
    offset = when.timestamp() - time.time()
    os.environ[SHIFT] = repr(offset)
    os.environ[SHIFTED_AT] = when.isoformat()
    existing = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = f"{SITE}{os.pathsep + existing if existing else ''}"
    shift_this_process(offset)


def shifted_to() -> str | None:
    return os.environ.get(SHIFTED_AT)
