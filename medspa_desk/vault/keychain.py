"""Secrets kept in the operating system's keychain (Secret Service, Keychain, Credential Locker).

Two users of the keychain: the vault's *device secret* (mixed into every
password slot, so a copied database and keyslot file cannot be attacked by
guessing passwords alone) and the sync engine's refresh tokens, through the
same small :class:`KeychainEntry`.

A workstation may have no usable keychain (a kiosk session without a keyring
daemon, a locked collection, a broken D-Bus). That is not an error here: the
caller gets ``None`` and a sentence saying so, to show and to log, and the
vault falls back to password-only slots. Secret values are never logged.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets as random_source
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from uuid import UUID

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from medspa_desk.vault.crypto import KEY_BYTES
from medspa_desk.vault.errors import KeychainUnavailable
from medspa_desk.vault.secrets import SecretKey

log = logging.getLogger(__name__)

DEVICE_SECRET_SERVICE = "Medspa Desk device secret"  # noqa: S105 (a keychain service name)

NO_KEYCHAIN = (
    "No system keychain is available: this workstation's keys are protected by passwords alone."
)
KEYCHAIN_LOCKED = (
    "The system keychain is locked: unlock it (sign in to the computer again) so this "
    "workstation's keys are not protected by passwords alone."
)
KEYCHAIN_FAILED = (
    "The system keychain did not answer: this workstation's keys are protected by passwords alone "
    "until it works again. Restart the computer, and tell your IT contact if this stays."
)
DEVICE_SECRET_MISSING = "The system keychain has no device secret for these local records."  # noqa: S105 (a sentence)

_T = TypeVar("_T")

KEYCHAIN_ATTEMPTS = 2
KEYCHAIN_RETRY_PAUSE_S = 0.25


def _unusable_backend(backend: KeyringBackend) -> bool:
    if isinstance(backend, fail.Keyring | null.Keyring):
        return True
    return isinstance(backend, chainer.ChainerBackend) and not backend.backends


def _ask(operation: Callable[[], _T]) -> _T:
    """Run one keychain call, turning every way it can fail into KeychainUnavailable.

    A call that fails for any reason but a locked or missing keychain is tried once more after a
    moment: a keychain daemon that exits mid-call (gnome-keyring can abort when a client goes away
    during its session set-up) is started again by the session bus on the next call, and every
    operation here (read, write the same value, delete) may be repeated safely.
    """
    backend = keyring.get_keyring()
    if _unusable_backend(backend):
        raise KeychainUnavailable(NO_KEYCHAIN)
    for attempt in range(1, KEYCHAIN_ATTEMPTS + 1):
        try:
            return operation()
        except keyring.errors.KeyringLocked:
            log.warning("system keychain is locked")
            raise KeychainUnavailable(KEYCHAIN_LOCKED) from None
        except keyring.errors.NoKeyringError:
            raise KeychainUnavailable(NO_KEYCHAIN) from None
        except Exception as exc:  # D-Bus, Secret Service and backend errors all mean "not usable now"
            log.warning("system keychain failed (try %d of %d): %s", attempt, KEYCHAIN_ATTEMPTS,
                        type(exc).__qualname__)
            if attempt == KEYCHAIN_ATTEMPTS:
                raise KeychainUnavailable(KEYCHAIN_FAILED) from None
            time.sleep(KEYCHAIN_RETRY_PAUSE_S)
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class KeychainEntry:
    """One secret string in the keychain, found by service name and user name."""

    service: str
    username: str

    def get(self) -> str | None:
        """The stored string, or None if there is none. :class:`KeychainUnavailable` if unusable."""
        return _ask(lambda: keyring.get_password(self.service, self.username))

    def set(self, secret: str) -> None:
        _ask(lambda: keyring.set_password(self.service, self.username, secret))

    def delete(self) -> bool:
        """Remove the entry; False if there was none."""
        def remove() -> bool:
            try:
                keyring.delete_password(self.service, self.username)
            except keyring.errors.PasswordDeleteError:
                return False
            return True

        return _ask(remove)


def keychain_problem() -> str | None:
    """None when the keychain answers, otherwise the sentence to show and log."""
    try:
        KeychainEntry(service=DEVICE_SECRET_SERVICE, username="availability check").get()
    except KeychainUnavailable as exc:
        return str(exc)
    return None


@dataclass(frozen=True)
class DeviceSecretLookup:
    """The device secret, or why there is none.

    ``keychain_available`` tells "no keychain at all" (password-only slots, by
    design) from "the keychain works but has no secret for this vault" (a copied
    keyslot file, or a reinstalled computer).
    """

    secret: SecretKey | None
    keychain_available: bool
    reason: str | None


def device_secret_entry(vault_id: UUID) -> KeychainEntry:
    return KeychainEntry(service=DEVICE_SECRET_SERVICE, username=str(vault_id))


def device_secret(vault_id: UUID, *, create: bool) -> DeviceSecretLookup:
    """This workstation's device secret for one vault, made and stored if asked and absent."""
    entry = device_secret_entry(vault_id)
    try:
        stored = entry.get()
        if stored is None and create:
            stored = base64.b64encode(random_source.token_bytes(KEY_BYTES)).decode("ascii")
            entry.set(stored)
            log.info("device secret created for vault %s", vault_id)
    except KeychainUnavailable as exc:
        return DeviceSecretLookup(secret=None, keychain_available=False, reason=str(exc))
    if stored is None:
        return DeviceSecretLookup(secret=None, keychain_available=True, reason=DEVICE_SECRET_MISSING)
    try:
        raw = bytearray(base64.b64decode(stored, validate=True))
    except (binascii.Error, ValueError):
        raw = bytearray()
    if len(raw) != KEY_BYTES:
        log.warning("device secret for vault %s is malformed", vault_id)
        return DeviceSecretLookup(secret=None, keychain_available=True, reason=DEVICE_SECRET_MISSING)
    return DeviceSecretLookup(secret=SecretKey(raw), keychain_available=True, reason=None)


def forget_device_secret(vault_id: UUID) -> bool:
    """Remove the device secret (workstation wiped or revoked). False if there was none."""
    return device_secret_entry(vault_id).delete()
