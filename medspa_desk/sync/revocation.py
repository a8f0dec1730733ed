"""A revoked workstation erases what it holds: cache, keyslots, keychain entries; so does every
workstation of a practice destroyed at the end of its contract, which then confirms it did.

The server answers 403 ``device_revoked`` once an administrator removed this
workstation (stolen laptop, retired PC). On that answer the desk deletes the
SQLCipher database with its WAL and shared-memory files, the keyslot file,
every enrolled user's refresh token and the vault's device secret, then says
why. The store must be closed first (the engine does that).
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

from medspa_desk.protocol import WipeConfirmation
from medspa_desk.sync.credentials import forget_refresh_token
from medspa_desk.sync.errors import DeviceRevoked, PracticeDestroyed, SyncError
from medspa_desk.vault.errors import KeychainUnavailable
from medspa_desk.vault.keychain import forget_device_secret

if TYPE_CHECKING:  # annotations only
    from medspa_desk.sync.api import CentralApi

log = logging.getLogger(__name__)

DESTROYED_MESSAGE = ("This practice's records were destroyed at the end of its contract, so this workstation's "
                     "local records, keys and saved sign-ins have been erased. There is nothing more to do here.")
REVOKED_MESSAGE = ("This workstation was removed by the practice, so its local records, keys and saved "
                   "sign-ins have been erased. Ask a manager to set it up again.")


def cache_files(database_path: Path) -> list[Path]:
    database_path = Path(database_path)
    return [database_path] + [database_path.with_name(database_path.name + suffix)
                              for suffix in ("-wal", "-shm", "-journal")]


def wipe_workstation(*, database_path: Path, keyslot_path: Path, vault_id: UUID, user_ids: list[UUID],
                     server_url: str) -> DeviceRevoked:
    """Erase this workstation's cache and keys; returns the error to raise, with the reason in words."""
    for path in [*cache_files(database_path), Path(keyslot_path)]:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    for user_id in user_ids:
        forget_refresh_token(server_url=server_url, user_id=user_id)
    with contextlib.suppress(KeychainUnavailable):
        forget_device_secret(vault_id)
    log.warning("device revoked: vault %s erased (%d users)", vault_id, len(user_ids))
    return DeviceRevoked(REVOKED_MESSAGE)


def confirm_destroyed_wipe(api: CentralApi, *, device_id: UUID, device_secret: str | None) -> PracticeDestroyed:
    """After the erase: tell the destroyed practice's tombstone that this workstation wiped itself (the
    certificate of destruction lists it as confirmed). Proven by the device secret, read before the erase;
    a failure is logged (the certificate then shows the workstation as not yet confirmed)."""
    if device_secret is None:
        log.warning("practice destroyed: no device secret to confirm the wipe of %s with", device_id)
    else:
        try:
            api.confirm_wipe(WipeConfirmation(device_id=device_id, device_secret=device_secret))
        except SyncError as error:
            log.warning("practice destroyed: the wipe of %s could not be confirmed: %s", device_id,
                        type(error).__name__)
    return PracticeDestroyed(DESTROYED_MESSAGE)
