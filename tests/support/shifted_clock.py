"""The whole suite on another date: every process's wall clock shifted through libfaketime.

``pytest --clock-at WHEN`` re-runs pytest with libfaketime preloaded and an
offset that makes the run start at WHEN. The offset is inherited by every
process the tests start (the live API servers, the demo's child API, the
desk's page readers), so the desk and the server agree on the date just as a
real practice's machines do, and TLS certificates made during the run are
valid on the shifted date. Monotonic clocks move by the same offset (durations
are unchanged): libfaketime 0.9.10 turns Python 3.11's ``time.sleep`` (an
absolute ``clock_nanosleep`` on the monotonic clock) into EINVAL when only the
wall clock is shifted. PostgreSQL's own clock is not shifted: it is another
machine in production too.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

SHIFTED = "MEDSPA_TEST_CLOCK_AT"
LIBRARIES = (
    Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"),
    Path("/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1"),
)

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


def library() -> Path:
    for candidate in LIBRARIES:
        if candidate.exists():
            return candidate
    raise RuntimeError("--clock-at needs libfaketime (Debian package libfaketime); `make setup` installs it")


def rerun_at(text: str) -> None:
    """Replace this pytest process with the same command under a clock that starts at ``text``."""
    when = parse_when(text)
    offset = round(when.timestamp() - time.time())
    env = dict(os.environ)
    preload = env.get("LD_PRELOAD", "")
    env["LD_PRELOAD"] = f"{library()}{':' + preload if preload else ''}"
    env["FAKETIME"] = f"{offset:+d}"
    env[SHIFTED] = when.isoformat()
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, list(sys.orig_argv), env)  # noqa: S606 (the same pytest command, re-run)


def shifted_to() -> str | None:
    return os.environ.get(SHIFTED)
