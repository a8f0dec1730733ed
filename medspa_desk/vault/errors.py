"""Everything the vault refuses, as errors whose text a receptionist can read.

Each ``str()`` is a plain sentence that says what is wrong and what to do. It
never carries a password, a key or a client's details, so the caller may show
it and log it as it is.
"""

from __future__ import annotations

import math


def _seconds(value: float) -> str:
    whole = max(1, math.ceil(value))
    return f"{whole} second{'' if whole == 1 else 's'}"


class VaultError(Exception):
    """Base of every vault failure; ``str()`` is safe to show and to log."""


class UnlockFailure(VaultError):
    """A failed unlock the caller must audit; ``failures`` counts the misses in a row."""

    def __init__(self, message: str, *, failures: int) -> None:
        super().__init__(message)
        self.failures = failures


class WrongPassword(UnlockFailure):
    """The password did not open the user's keyslot."""

    def __init__(self, *, failures: int, retry_after_s: float) -> None:
        wait = f" Wait {_seconds(retry_after_s)} before trying again." if retry_after_s else ""
        super().__init__(f"That password is not right.{wait}", failures=failures)
        self.retry_after_s = retry_after_s


class TryAgainLater(VaultError):
    """Another attempt came before the delay after the last wrong password ran out."""

    def __init__(self, *, seconds_left: float, failures: int) -> None:
        super().__init__(
            f"Too many wrong passwords in a row. Wait {_seconds(seconds_left)} more, then try again."
        )
        self.seconds_left = seconds_left
        self.failures = failures


class UnknownUser(VaultError):
    def __init__(self) -> None:
        super().__init__(
            "This user cannot sign in offline on this workstation yet. "
            "Sign in once while the internet connection works so the workstation can enroll you."
        )


class BadPassword(VaultError):
    """The password is unusable before any key work is done (empty, too long)."""


class KeyslotFileError(VaultError):
    """The keyslot file cannot be used; nothing was written."""


class KeyslotFileMissing(KeyslotFileError):
    def __init__(self) -> None:
        super().__init__(
            "This workstation's key file is missing, so the local records cannot be opened. "
            "Restore the data folder from its backup or ask your manager to set the workstation up again."
        )


class KeyslotFileCorrupt(KeyslotFileError):
    def __init__(self, problem: str) -> None:
        super().__init__(
            f"This workstation's key file is damaged ({problem}), so no password can be checked here; "
            "yours was not counted as wrong. Nothing was changed. Ask your manager to set the "
            "workstation up again (the records are safe on the server), or restore the data folder "
            "from its backup."
        )
        self.problem = problem


class KeyslotDamaged(KeyslotFileError):
    """The user's own slot fails its checksum: damage on disk, never counted as a wrong password."""

    def __init__(self) -> None:
        super().__init__(
            "Your entry in this workstation's key file is damaged, so your password cannot be checked "
            "here; it was not counted as wrong. Sign in while connected to the internet to restore it "
            "from the server's copy of the key, or ask your manager to set the workstation up again."
        )
        self.failures = 0


class KeyslotFileTooNew(KeyslotFileError):
    def __init__(self, *, found: int, supported: int) -> None:
        super().__init__(
            f"This workstation's key file was written by a newer Medspa Desk (format {found}; "
            f"this version reads format {supported}). Nothing was changed. Update Medspa Desk."
        )


class VaultAlreadyExists(KeyslotFileError):
    def __init__(self) -> None:
        super().__init__(
            "This data folder already holds a key file, so a new one was not made over it. "
            "Sign in to the existing one, or ask your manager before removing it."
        )


class KeychainUnavailable(VaultError):
    """The system keychain cannot be reached, and this slot needs its device secret."""


class DeviceSecretMissing(VaultError):
    def __init__(self) -> None:
        super().__init__(
            "This workstation's device secret is not in the system keychain, so a password alone "
            "cannot open these local records (this is expected if the files were copied from another "
            "computer). Ask your manager to set this workstation up again; the records are safe on the server."
        )


class DeviceSecretMismatch(VaultError):
    def __init__(self) -> None:
        super().__init__(
            "The system keychain holds a different device secret from the one this workstation's "
            "key file was made with. Ask your manager to set this workstation up again."
        )


class KeyDoesNotFit(VaultError):
    def __init__(self) -> None:
        super().__init__(
            "The key given does not open this workstation's records. Nothing was changed."
        )


class LastUser(VaultError):
    def __init__(self) -> None:
        super().__init__(
            "This is the only user who can open this workstation's records, so they cannot be removed. "
            "Enroll another user first."
        )


class EscrowInvalid(VaultError):
    def __init__(self) -> None:
        super().__init__(
            "The escrowed key from the server does not open this workstation's records. "
            "Ask your manager to set this workstation up again."
        )


class KeyWiped(VaultError):
    def __init__(self) -> None:
        super().__init__("The session is locked. Unlock it again to continue.")


class BadPin(VaultError):
    """A PIN that breaks the rules (4 to 12 digits) when it is set."""


class WrongPin(UnlockFailure):
    def __init__(self, *, failures: int, tries_left: int) -> None:
        super().__init__(
            f"That PIN is not right. {tries_left} {'try' if tries_left == 1 else 'tries'} left, "
            "then the password is needed.",
            failures=failures,
        )
        self.tries_left = tries_left


class PinUnavailable(VaultError):
    """No PIN copy to open: never set, dropped after too many misses, or signed out.

    ``failures`` is the number of misses that dropped it (0 if it was not dropped just now),
    so the caller can audit the miss that caused the drop.
    """

    def __init__(self, *, failures: int = 0) -> None:
        reason = "Too many wrong PINs. " if failures else ""
        super().__init__(f"{reason}Sign in with your password.")
        self.failures = failures


class SessionNotLocked(VaultError):
    def __init__(self) -> None:
        super().__init__("The session is not locked, so there is nothing to unlock.")
