"""The workstation's keys: the data key, per-user keyslots, the keychain device secret, the PIN lock.

Start with :class:`Vault` (make, load, unlock, enroll) and :class:`PinLock`;
every failure is a :class:`VaultError` whose text can be shown as it is.
docs/security-model.md explains the design and its limits.
"""

from __future__ import annotations

from medspa_desk.vault.errors import (
    BadPassword,
    BadPin,
    DeviceSecretMismatch,
    DeviceSecretMissing,
    EscrowInvalid,
    KeychainUnavailable,
    KeyDoesNotFit,
    KeyslotDamaged,
    KeyslotFileCorrupt,
    KeyslotFileError,
    KeyslotFileMissing,
    KeyslotFileTooNew,
    KeyWiped,
    LastUser,
    PinUnavailable,
    SessionNotLocked,
    TryAgainLater,
    UnknownUser,
    UnlockFailure,
    VaultAlreadyExists,
    VaultError,
    WrongPassword,
    WrongPin,
)
from medspa_desk.vault.keychain import KeychainEntry, device_secret, keychain_problem
from medspa_desk.vault.secrets import SecretKey, disable_core_dumps, zero
from medspa_desk.vault.session_lock import PinLock
from medspa_desk.vault.throttle import UnlockThrottle
from medspa_desk.vault.vault import Vault

__all__ = [
    "BadPassword",
    "BadPin",
    "DeviceSecretMismatch",
    "DeviceSecretMissing",
    "EscrowInvalid",
    "KeyDoesNotFit",
    "KeyWiped",
    "KeychainEntry",
    "KeychainUnavailable",
    "KeyslotDamaged",
    "KeyslotFileCorrupt",
    "KeyslotFileError",
    "KeyslotFileMissing",
    "KeyslotFileTooNew",
    "LastUser",
    "PinLock",
    "PinUnavailable",
    "SecretKey",
    "SessionNotLocked",
    "TryAgainLater",
    "UnknownUser",
    "UnlockFailure",
    "UnlockThrottle",
    "Vault",
    "VaultAlreadyExists",
    "VaultError",
    "WrongPassword",
    "WrongPin",
    "device_secret",
    "disable_core_dumps",
    "keychain_problem",
    "zero",
]
