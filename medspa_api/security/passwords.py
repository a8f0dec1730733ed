"""Passwords: Argon2id hashes and the NIST SP 800-63B rules.

At least 12 characters, up to 1024 accepted and never truncated, no
composition rules; refused when on the shipped list of common and breached
passwords, when it is one character repeated or a keyboard run, or when it
contains the username or practice name.

Argon2 is bounded: every hash and check runs on one of ``ARGON2_AT_ONCE``
threads kept for it (the bound: more wait their turn in its queue), each 64 MiB
and a core's worth of work for a fraction of a second. On Linux those threads
run at the lowest CPU priority (nice 19; nice is per thread there), so whenever
anything else in the process, or on the machine, wants a core, it gets it
first. Callers wait off the event loop (sign-in on its own few threads), so a
burst of sign-ins cannot starve the requests of people already signed in:
``/healthz`` stays within 50 ms while 32 sign-ins run.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 1024
_HASHER = PasswordHasher()  # argon2-cffi defaults: Argon2id, 64 MiB, t=3, p=4
# Verified when the username is unknown, so both answers take the same time.
_DUMMY_HASH = _HASHER.hash("not a real password, only spends the same time")
# Two: on the 2-core servers we size for, one core is always left for everything else.
ARGON2_AT_ONCE = 2
LOWEST_PRIORITY = 19


def _lowest_priority() -> None:
    """Run this thread (and the lanes Argon2 starts from it) after everything else that wants a core."""
    if sys.platform == "linux":  # elsewhere setpriority would lower the whole process
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOWEST_PRIORITY)


_ARGON2 = ThreadPoolExecutor(max_workers=ARGON2_AT_ONCE, thread_name_prefix="argon2", initializer=_lowest_priority)
_RUNS = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm", "1qaz2wsx3edc4rfv")


class WeakPassword(ValueError):
    """A password the rules refuse; the message says why and what to choose instead."""


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("medspa_api.resources").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def check_new_password(password: str, *, username: str = "", tenant: str = "") -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"The password needs at least {MIN_LENGTH} characters; a short phrase of "
                           "several words is easy to remember and hard to guess.")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"The password can be at most {MAX_LENGTH} characters.")
    lowered = password.lower()
    if lowered in common_passwords():
        raise WeakPassword("That password is on the list of common or breached passwords; choose another.")
    if len(set(lowered)) <= 2 or any(lowered in run or lowered in run[::-1] for run in _RUNS):
        raise WeakPassword("That password is a repeated character or a keyboard run; choose another.")
    for word in (username, tenant):
        if len(word) >= 4 and word.lower() in lowered:
            raise WeakPassword("The password must not contain the username or the practice name.")


def hash_password(password: str) -> str:
    return _ARGON2.submit(_HASHER.hash, password).result()


def verify_password(password: str, stored_hash: str | None) -> bool:
    """Constant-work check: with no stored hash, a dummy hash is verified instead."""
    try:
        return _ARGON2.submit(_HASHER.verify, stored_hash or _DUMMY_HASH, password).result() and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
