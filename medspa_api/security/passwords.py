"""Passwords: Argon2id hashes and the NIST SP 800-63B rules.

At least 12 characters, up to 1024 accepted and never truncated, no
composition rules; refused when on the shipped list of common and breached
passwords, when it is one character repeated or a keyboard run, or when it
contains the username or practice name.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 1024
_HASHER = PasswordHasher()  # argon2-cffi defaults: Argon2id, 64 MiB, t=3, p=4
# Verified when the username is unknown, so both answers take the same time.
_DUMMY_HASH = _HASHER.hash("not a real password, only spends the same time")
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
    return _HASHER.hash(password)


def verify_password(password: str, stored_hash: str | None) -> bool:
    """Constant-work check: with no stored hash, a dummy hash is verified instead."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
