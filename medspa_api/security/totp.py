"""TOTP second factor (RFC 6238, 30-second steps); each code is accepted once."""

from __future__ import annotations

import time

import pyotp

STEP_S = 30
# One step either side absorbs small clock differences between phone and server.
WINDOW = 1


def new_secret() -> str:
    return pyotp.random_base32()


def enrolment_uri(secret: str, *, username: str, tenant: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=f"{username}@{tenant}", issuer_name="Medspa Desk")


def accepted_counter(secret: str, code: str, *, last_used_counter: int, now: float | None = None) -> int | None:
    """The time step the code belongs to if it is valid and newer than the last one used."""
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP_S)
    for counter in range(current - WINDOW, current + WINDOW + 1):
        if counter > last_used_counter and pyotp.utils.strings_equal(totp.at(counter * STEP_S), code):
            return counter
    return None
