"""Deposit this workstation's data key with the central API, and fetch it to enroll a second user.

The key travels sealed (see :mod:`medspa_desk.vault.escrow`): under the device
secret, which never leaves this computer's keychain, and the server's half,
which never stays here. A second person signs in online on this workstation,
the server releases the blob and its half to them, and the vault adds a
keyslot for their password. The server answers each of these calls only to a
session that showed the workstation's proof (the device secret it issued at
registration, not the vault's device secret above).
"""

from __future__ import annotations

import base64
import binascii
import functools
import logging
from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from medspa_desk.protocol import EscrowDeposit
from medspa_desk.sync.api import CentralApi
from medspa_desk.sync.auth import Session
from medspa_desk.sync.errors import ServerRefused, ServerTrouble, SyncError
from medspa_desk.vault import SecretKey, Vault, VaultError

log = logging.getLogger(__name__)

T = TypeVar("T")


class EscrowFailed(SyncError):
    """The escrowed key could not be used here; the person's own keyslot is not made."""

    retry = False


def _decode(value: str, *, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ServerTrouble(f"The sync server sent a {what} that is not readable; try again later.") from None


def _as_proven(session: Session, request: Callable[..., T]) -> T:
    """``session.call(request)``; refused as unproven, shown the device secret (if held) and tried once more.

    The server answers escrow calls only to a session that proved the workstation; one signed in
    before the workstation's secret was known here proves itself with a refresh.
    """
    try:
        return session.call(request)
    except ServerRefused as exc:
        if exc.code != "device_unproven" or not session.prove_device():
            raise
    return session.call(request)


def deposit_escrow(*, api: CentralApi, session: Session, vault: Vault, data_key: SecretKey) -> None:
    """Seal the data key for escrow and deposit it (after the first online sign-in on this workstation)."""
    half = _as_proven(session, api.escrow_server_half)
    blob = vault.escrow_blob(data_key, server_half=_decode(half.server_half, what="key half"))
    deposit = EscrowDeposit(wrapped_key=base64.b64encode(blob).decode("ascii"), vault_id=vault.vault_id)
    _as_proven(session, functools.partial(api.deposit_escrow, deposit))
    log.info("escrow deposited for vault %s from device %s", vault.vault_id, session.device_id)


def enroll_from_escrow(*, api: CentralApi, session: Session, vault: Vault, user_id: UUID,
                       password: str) -> SecretKey:
    """Fetch the escrowed key, add a keyslot for ``user_id`` with ``password``; returns the data key."""
    release = _as_proven(session, api.fetch_escrow)
    if release.vault_id != vault.vault_id:
        raise EscrowFailed("The key the server holds for this workstation belongs to other local records; "
                           "ask a manager to set this workstation up again.")
    try:
        key = vault.key_from_escrow(_decode(release.wrapped_key, what="sealed key"),
                                    server_half=_decode(release.server_half, what="key half"))
    except VaultError as exc:
        raise EscrowFailed(str(exc)) from None
    try:
        vault.enroll(user_id, password, key=key)
    except VaultError as exc:
        key.wipe()
        raise EscrowFailed(str(exc)) from None
    log.info("user %s enrolled on vault %s through escrow", user_id, vault.vault_id)
    return key
