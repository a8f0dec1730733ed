"""What can go wrong in sync, sorted by what the desk should do about it.

STYLE.md "Sync errors, sorted": an auth failure asks the person to sign in
again; a cancelled sync is silent; a background check only logs; a conflict
goes to the inbox (it is an outcome, never an exception); anything else is a
plain message and a retry. Every error carries ``message``: words a
receptionist can act on, never a stack trace or a record's contents.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class SyncError(Exception):
    """Base of every sync failure. ``retry`` says whether the timer should try again."""

    retry: ClassVar[bool] = True

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SignInNeeded(SyncError):
    """The server no longer accepts this person's credentials: sign in again."""

    retry = False

    def __init__(self, reason: str, *, code: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class TotpRequired(SignInNeeded):
    """The password was right; the server wants the six-digit code from the authenticator app."""

    def __init__(self, reason: str = "Enter the six-digit code from your authenticator app.") -> None:
        super().__init__(reason, code="totp_required")


class EnrolmentRequired(SignInNeeded):
    """The password was right; a manager left an authenticator enrolment waiting for this person.

    The person fetches its secret once (``CentralApi.fetch_enrolment``), adds it to their app, and signs
    in with a code from it.
    """

    def __init__(self, reason: str = "Set up your authenticator app to finish signing in.") -> None:
        super().__init__(reason, code="totp_enrolment_required")


class DeviceRevoked(SyncError):
    """An administrator removed this workstation; its cache has been wiped."""

    retry = False


class PracticeDestroyed(DeviceRevoked):
    """The practice's records were destroyed at the end of its contract: this workstation erases its own
    copy (the revocation's erase) and tells the server it did."""


class SyncCancelled(SyncError):
    """Sync was paused or stopped on purpose (lock, sign-out): nothing to show."""

    retry = False

    def __init__(self) -> None:
        super().__init__("Sync was paused.")


class ConnectionCause(StrEnum):
    CERTIFICATE_EXPIRED = "certificate_expired"
    CERTIFICATE_NOT_TRUSTED = "certificate_not_trusted"
    WRONG_HOST_NAME = "wrong_host_name"
    OLD_TLS_VERSION = "old_tls_version"
    TLS_FAILED = "tls_failed"
    REFUSED = "refused"
    TIMED_OUT = "timed_out"
    NOT_FOUND = "not_found"
    DROPPED = "dropped"
    INSECURE_ADDRESS = "insecure_address"


class ConnectionTrouble(SyncError):
    """The server could not be reached safely; ``cause`` says which way it failed."""

    def __init__(self, message: str, *, cause: ConnectionCause) -> None:
        super().__init__(message)
        self.cause = cause


class InsecureServerAddress(ConnectionTrouble):
    """Configuration refuses the address itself (plain http off loopback): no retry helps."""

    retry = False

    def __init__(self, message: str) -> None:
        super().__init__(message, cause=ConnectionCause.INSECURE_ADDRESS)


class ServerTrouble(SyncError):
    """The server answered 5xx or something unreadable: retry later."""


class ClockSkew(SyncError):
    """This computer's clock is too far from the server's; sync waits, nothing is lost.

    Retried on the timer so that sync resumes by itself once the clock is fixed.
    """


class ServerRefused(SyncError):
    """The server refused a request for a reason retrying will not fix (4xx)."""

    retry = False

    def __init__(self, message: str, *, code: str = "", status: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
