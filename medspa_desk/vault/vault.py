"""The workstation's vault: who may open the local records, and with which password.

One random 256-bit data key opens the SQLCipher database. It is never stored
in clear: the keyslot file beside the database holds it wrapped once per
enrolled user (see :mod:`medspa_desk.vault.keyslots`). Whether slots also need
the device secret from the system keychain is decided when the vault is made:
with a keychain they always do, without one they never do, and
:attr:`Vault.keychain_notice` says so in words for the UI and the log.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets as random_source
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID, uuid4

from medspa_desk.vault.atomic_file import fsync_directory
from medspa_desk.vault.crypto import KEY_BYTES, WrongKey, password_kdf
from medspa_desk.vault.errors import (
    BadPassword,
    DeviceSecretMismatch,
    DeviceSecretMissing,
    KeychainUnavailable,
    KeyDoesNotFit,
    KeyslotDamaged,
    KeyslotFileCorrupt,
    LastUser,
    UnknownUser,
    VaultAlreadyExists,
    VaultError,
    WrongPassword,
)
from medspa_desk.vault.escrow import open_escrow, seal_for_escrow
from medspa_desk.vault.keychain import NO_KEYCHAIN, device_secret, forget_device_secret
from medspa_desk.vault.keyslots import (
    FORMAT_NAME,
    FORMAT_VERSION,
    KEYSLOT_FILE_NAME,
    PENDING_KEYSLOT_FILE_NAME,
    Keyslot,
    KeyslotFile,
    device_secret_check,
    key_check,
    read_keyslot_file,
    unwrap_slot_with_user_secret,
    wrap_slot,
    wrap_slot_with_user_secret,
    write_keyslot_file,
)
from medspa_desk.vault.secrets import SecretKey
from medspa_desk.vault.throttle import UnlockThrottle, throttle_for

log = logging.getLogger(__name__)

MAX_PASSWORD_CHARS = 1024
KEYCHAIN_NEEDED = (
    "The system keychain cannot be reached, and this workstation's records need the device secret "
    "kept there. Sign in to the computer again (that unlocks the keychain), then try again."
)
PASSWORDS_ONLY = (
    "This workstation's keys are protected by passwords alone: no system keychain was available "
    "when it was set up."
)


def check_password(password: str) -> None:
    """The only local rule: present and not absurdly long (the server enforces the real policy)."""
    if not isinstance(password, str) or not password:
        raise BadPassword("Enter your password.")
    if len(password) > MAX_PASSWORD_CHARS:
        raise BadPassword(f"That password is longer than {MAX_PASSWORD_CHARS} characters; use a shorter one.")


class Vault:
    """The keyslot file of one data folder, and the operations on it.

    Every change writes the whole file atomically and only then updates this
    object, so a failed write leaves both the file and the object as they were.
    """

    def __init__(self, *, path: Path, keyslots: KeyslotFile, throttle: UnlockThrottle,
                 keychain_notice: str | None) -> None:
        self.path = path
        self._keyslots = keyslots
        self.throttle = throttle
        self.keychain_notice = keychain_notice

    @property
    def vault_id(self) -> UUID:
        return self._keyslots.vault_id

    @property
    def uses_device_secret(self) -> bool:
        return self._keyslots.device_secret_check is not None

    @property
    def keyslots(self) -> KeyslotFile:
        return self._keyslots

    # -- making and opening -------------------------------------------------------------------

    @classmethod
    def create(cls, directory: Path, *, user_id: UUID, password: str,
               throttle: UnlockThrottle | None = None) -> tuple[Vault, SecretKey]:
        """A new vault with a fresh random data key and one slot; refuses to replace an existing file."""
        vault, key, user_secret = cls.create_with_user_secret(directory, user_id=user_id, password=password,
                                                              throttle=throttle)
        user_secret.wipe()
        return vault, key

    @classmethod
    def create_with_user_secret(cls, directory: Path, *, user_id: UUID, password: str,
                                throttle: UnlockThrottle | None = None,
                                in_place: bool = True) -> tuple[Vault, SecretKey, SecretKey]:
        """As :meth:`create`, and the first user's secret (see :meth:`unlock_with_user_secret`).

        With ``in_place=False`` the file is written under a pending name and
        the vault is not there for :meth:`load` until :meth:`put_in_place`:
        the first sign-in deposits the key in escrow in between.
        """
        check_password(password)
        directory = Path(directory)
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if (directory / KEYSLOT_FILE_NAME).exists():
            raise VaultAlreadyExists()
        path = directory / (KEYSLOT_FILE_NAME if in_place else PENDING_KEYSLOT_FILE_NAME)
        vault_id = uuid4()
        key = SecretKey(bytearray(random_source.token_bytes(KEY_BYTES)))
        lookup = device_secret(vault_id, create=True)
        secret = lookup.secret
        user_secret: SecretKey | None = None
        try:
            slot, user_secret = wrap_slot_with_user_secret(vault_id=vault_id, user_id=user_id,
                                                           password=password, data_key=key,
                                                           device_secret=secret, kdf=password_kdf())
            keyslots = KeyslotFile(
                format=FORMAT_NAME, version=FORMAT_VERSION, vault_id=vault_id,
                key_check=key_check(key, vault_id),
                device_secret_check=device_secret_check(secret, vault_id) if secret else None,
                slots=[slot]).with_checksum()
            if (directory / KEYSLOT_FILE_NAME).exists():
                raise VaultAlreadyExists()
            write_keyslot_file(path, keyslots)
        except BaseException:
            key.wipe()
            if user_secret is not None:
                user_secret.wipe()
            if secret is not None:
                # The vault id is new, so this entry is ours and would be an orphan.
                with contextlib.suppress(KeychainUnavailable):
                    forget_device_secret(vault_id)
            raise
        finally:
            if secret is not None:
                secret.wipe()
        notice = None if secret is not None else lookup.reason or NO_KEYCHAIN
        if notice:
            log.warning("vault %s created with password-only keyslots: no usable system keychain", vault_id)
        log.info("vault %s created; user %s enrolled", vault_id, user_id)
        vault = cls(path=path, keyslots=keyslots, throttle=throttle or throttle_for(vault_id),
                    keychain_notice=notice)
        return vault, key, user_secret

    @classmethod
    def load(cls, directory: Path, *, throttle: UnlockThrottle | None = None) -> Vault:
        """Read and check the keyslot file; nothing is written."""
        path = Path(directory) / KEYSLOT_FILE_NAME
        keyslots = read_keyslot_file(path)
        notice = None if keyslots.device_secret_check is not None else PASSWORDS_ONLY
        if notice:
            log.warning("vault %s has password-only keyslots", keyslots.vault_id)
        return cls(path=path, keyslots=keyslots, throttle=throttle or throttle_for(keyslots.vault_id),
                   keychain_notice=notice)

    @property
    def is_in_place(self) -> bool:
        return self.path.name == KEYSLOT_FILE_NAME

    def put_in_place(self) -> None:
        """Rename a pending key file to its real name (atomic); refuses to replace an existing one."""
        if self.is_in_place:
            return
        final = self.path.with_name(KEYSLOT_FILE_NAME)
        if final.exists():
            raise VaultAlreadyExists()
        os.replace(self.path, final)
        fsync_directory(final.parent)
        self.path = final
        log.info("vault %s put in place", self.vault_id)

    @staticmethod
    def discard_pending(directory: Path) -> bool:
        """Remove the pending key file of a first sign-in that never finished, and its device secret.

        False if there was none. The pending vault's key was never put in
        place, so nothing it opens can be opened by anyone else.
        """
        path = Path(directory) / PENDING_KEYSLOT_FILE_NAME
        if not path.exists():
            return False
        with contextlib.suppress(VaultError):
            vault_id = read_keyslot_file(path).vault_id
            with contextlib.suppress(KeychainUnavailable):
                forget_device_secret(vault_id)
        path.unlink(missing_ok=True)
        fsync_directory(path.parent)
        log.info("an unfinished first sign-in's key file was discarded")
        return True

    def users(self) -> list[UUID]:
        return [slot.user_id for slot in self._keyslots.slots]

    # -- signing in ---------------------------------------------------------------------------

    def unlock(self, user_id: UUID, password: str) -> SecretKey:
        """The data key, if this is the user's password.

        :class:`WrongPassword` carries ``failures`` (misses in a row, to audit)
        and ``retry_after_s``; an attempt before that delay has passed is refused
        with :class:`TryAgainLater` without trying the password.
        """
        key, user_secret = self.unlock_with_user_secret(user_id, password)
        user_secret.wipe()
        return key

    def unlock_with_user_secret(self, user_id: UUID, password: str) -> tuple[SecretKey, SecretKey]:
        """The data key and the user's own secret, from the same single Argon2id run.

        The data key is shared by every enrolled user; the user secret is
        derived from THIS user's slot (their password, and the device secret
        when the vault has one), so no other user can compute it. Wrap what
        belongs to one person under it (their refresh token). It changes with
        the slot: after a password change or re-enrolment, what was wrapped
        under the old one no longer opens. Errors as :meth:`unlock`.
        """
        check_password(password)
        self.throttle.check(user_id)
        slot = self._slot(user_id)
        with self._device_secret_for(slot) as secret:
            try:
                key, user_secret = unwrap_slot_with_user_secret(slot, vault_id=self.vault_id,
                                                                password=password, device_secret=secret)
            except WrongKey:
                failures, delay = self.throttle.record_failure(user_id)
                log.warning("vault %s: wrong password for user %s (%d in a row)",
                            self.vault_id, user_id, failures)
                raise WrongPassword(failures=failures, retry_after_s=delay) from None
        if key_check(key, self.vault_id) != self._keyslots.key_check:
            key.wipe()
            user_secret.wipe()
            raise KeyslotFileCorrupt("a keyslot holds a key that does not match the file")
        self.throttle.record_success(user_id)
        log.info("vault %s unlocked by user %s", self.vault_id, user_id)
        self._add_checksums(slot)
        return key, user_secret

    # -- managing who may open it -------------------------------------------------------------

    def enroll(self, user_id: UUID, password: str, *, key: SecretKey) -> None:
        """Give a user a slot for ``key`` (from a signed-in session or escrow); replaces their old slot."""
        check_password(password)
        self._check_key(key)
        with self._vault_device_secret() as secret:
            slot = wrap_slot(vault_id=self.vault_id, user_id=user_id, password=password, data_key=key,
                             device_secret=secret, kdf=password_kdf())
        others = [s for s in self._keyslots.slots if s.user_id != user_id]
        self._save([*others, slot])
        log.info("vault %s: user %s enrolled", self.vault_id, user_id)

    def change_password(self, user_id: UUID, old_password: str, new_password: str) -> None:
        """Rewrap this user's slot under the new password; every other slot stays byte for byte."""
        check_password(new_password)
        with self.unlock(user_id, old_password) as key, self._vault_device_secret() as secret:
            slot = wrap_slot(vault_id=self.vault_id, user_id=user_id, password=new_password,
                             data_key=key, device_secret=secret, kdf=password_kdf())
        self._save([slot if s.user_id == user_id else s for s in self._keyslots.slots])
        log.info("vault %s: password changed for user %s", self.vault_id, user_id)

    def remove_user(self, user_id: UUID) -> None:
        self._slot(user_id)
        remaining = [s for s in self._keyslots.slots if s.user_id != user_id]
        if not remaining:
            raise LastUser()
        self._save(remaining)
        self.throttle.record_success(user_id)
        log.info("vault %s: user %s removed", self.vault_id, user_id)

    # -- escrow -------------------------------------------------------------------------------

    def escrow_blob(self, key: SecretKey, *, server_half: bytes) -> bytes:
        """The data key sealed for the server's escrow (see :mod:`medspa_desk.vault.escrow`)."""
        self._check_key(key)
        with self._vault_device_secret() as secret:
            return seal_for_escrow(key, vault_id=self.vault_id, server_half=server_half,
                                   device_secret=secret)

    def key_from_escrow(self, blob: bytes, *, server_half: bytes) -> SecretKey:
        """The data key from an escrow blob and the server's half; :class:`EscrowInvalid` if it does not open."""
        with self._vault_device_secret() as secret:
            key = open_escrow(bytes(blob), vault_id=self.vault_id, server_half=bytes(server_half),
                              device_secret=secret)
        try:
            self._check_key(key)
        except KeyDoesNotFit:
            key.wipe()
            raise
        return key

    # -- inside -------------------------------------------------------------------------------

    def _slot(self, user_id: UUID) -> Keyslot:
        """The user's slot; :class:`KeyslotDamaged` (never a wrong password) if it fails its checksum.

        A user without a slot while another slot is damaged may be that slot's
        owner (a flipped bit in its user id), so that, too, is damage.
        """
        slot = self._keyslots.slot_for(user_id)
        if slot is None:
            if any(s.is_damaged for s in self._keyslots.slots):
                log.warning("vault %s: no slot for user %s and a damaged slot", self.vault_id, user_id)
                raise KeyslotDamaged()
            raise UnknownUser()
        if slot.is_damaged:
            log.warning("vault %s: the slot of user %s fails its checksum", self.vault_id, user_id)
            raise KeyslotDamaged()
        return slot

    def _check_key(self, key: SecretKey) -> None:
        if len(key) != KEY_BYTES or key_check(key, self.vault_id) != self._keyslots.key_check:
            raise KeyDoesNotFit()

    def _add_checksums(self, opened: Keyslot) -> None:
        """A file from before checksums gains them for what this unlock proved intact.

        The slot just opened and the header (its vault id is bound into the
        slot, its key check was just matched). Other users' legacy slots stay
        without one: nothing proved them intact. Best effort: a read-only
        folder leaves the file as it was.
        """
        if opened.checksum is not None and self._keyslots.checksum is not None:
            return
        slots = [s.with_checksum() if s.slot_id == opened.slot_id else s for s in self._keyslots.slots]
        try:
            self._save(slots, header_checksum=True)
        except OSError as exc:
            log.info("vault %s: checksums not added (%s)", self.vault_id, type(exc).__name__)

    def _save(self, slots: list[Keyslot], *, header_checksum: bool = False) -> None:
        updated = KeyslotFile.model_validate(
            self._keyslots.model_dump() | {"slots": [slot.model_dump() for slot in slots]})
        if header_checksum:
            updated = updated.with_checksum()
        write_keyslot_file(self.path, updated)
        self._keyslots = updated

    @contextlib.contextmanager
    def _device_secret_for(self, slot: Keyslot) -> Iterator[SecretKey | None]:
        """The device secret this slot needs (None if it needs none), wiped after use."""
        with self._wiped_after(self._fetch_device_secret() if slot.uses_device_secret else None) as secret:
            yield secret

    @contextlib.contextmanager
    def _vault_device_secret(self) -> Iterator[SecretKey | None]:
        """The device secret if this vault was made with one (new slots, escrow), wiped after use."""
        with self._wiped_after(self._fetch_device_secret() if self.uses_device_secret else None) as secret:
            yield secret

    @staticmethod
    @contextlib.contextmanager
    def _wiped_after(secret: SecretKey | None) -> Iterator[SecretKey | None]:
        try:
            yield secret
        finally:
            if secret is not None:
                secret.wipe()

    def _fetch_device_secret(self) -> SecretKey:
        lookup = device_secret(self.vault_id, create=False)
        if not lookup.keychain_available:
            raise KeychainUnavailable(KEYCHAIN_NEEDED)
        if lookup.secret is None:
            log.warning("vault %s: device secret missing from the keychain", self.vault_id)
            raise DeviceSecretMissing()
        if device_secret_check(lookup.secret, self.vault_id) != self._keyslots.device_secret_check:
            lookup.secret.wipe()
            log.warning("vault %s: keychain holds a different device secret", self.vault_id)
            raise DeviceSecretMismatch()
        return lookup.secret
