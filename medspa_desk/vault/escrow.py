"""The data key wrapped for the central API's escrow.

The blob is sealed with AES-256-GCM under HKDF(device secret || server half):
the server stores the blob and releases it, with its half, only to an active
user of the tenant signing in online on a registered, non-revoked device. The
server alone lacks the device secret; a copied disk alone lacks the server
half and the blob. Without a keychain there is no device secret and the
server half alone protects the blob, which means the server *can* recover the
key: docs/security-model.md says so.

Blob layout: ``b"MDKE"`` | version (1 byte) | flags (1 byte; bit 0: device
secret used) | nonce (12) | ciphertext with tag (48).
"""

from __future__ import annotations

from uuid import UUID

from medspa_desk.vault.crypto import KEY_BYTES, NONCE_BYTES, WrongKey, derive_key, open_sealed, seal
from medspa_desk.vault.errors import EscrowInvalid
from medspa_desk.vault.secrets import SecretKey

MAGIC = b"MDKE"
ESCROW_VERSION = 1
_USES_DEVICE_SECRET = 0x01
_HEADER = len(MAGIC) + 2
BLOB_BYTES = _HEADER + NONCE_BYTES + KEY_BYTES + 16
MIN_SERVER_HALF = 16
MAX_SERVER_HALF = 1024


def _escrow_key(*, vault_id: UUID, server_half: bytes, device_secret: SecretKey | None) -> SecretKey:
    if not MIN_SERVER_HALF <= len(server_half) <= MAX_SERVER_HALF:
        raise EscrowInvalid()
    parts = ([device_secret.buffer] if device_secret is not None else []) + [bytearray(server_half)]
    return derive_key(*parts, salt=None, info=f"medspa-desk escrow|v{ESCROW_VERSION}|vault {vault_id}".encode())


def _associated_data(header: bytes, vault_id: UUID) -> bytes:
    return header + f"|vault {vault_id}".encode()


def seal_for_escrow(key: SecretKey, *, vault_id: UUID, server_half: bytes,
                    device_secret: SecretKey | None) -> bytes:
    header = MAGIC + bytes([ESCROW_VERSION, _USES_DEVICE_SECRET if device_secret is not None else 0])
    with _escrow_key(vault_id=vault_id, server_half=server_half, device_secret=device_secret) as wrapping:
        nonce, ciphertext = seal(wrapping, key.buffer, associated_data=_associated_data(header, vault_id))
    return header + nonce + ciphertext


def blob_uses_device_secret(blob: bytes) -> bool:
    if len(blob) != BLOB_BYTES or not blob.startswith(MAGIC) or blob[len(MAGIC)] != ESCROW_VERSION:
        raise EscrowInvalid()
    return bool(blob[len(MAGIC) + 1] & _USES_DEVICE_SECRET)


def open_escrow(blob: bytes, *, vault_id: UUID, server_half: bytes,
                device_secret: SecretKey | None) -> SecretKey:
    if blob_uses_device_secret(blob) != (device_secret is not None):
        raise EscrowInvalid()
    header, nonce, ciphertext = blob[:_HEADER], blob[_HEADER:_HEADER + NONCE_BYTES], blob[_HEADER + NONCE_BYTES:]
    with _escrow_key(vault_id=vault_id, server_half=server_half, device_secret=device_secret) as wrapping:
        try:
            return open_sealed(wrapping, nonce=nonce, ciphertext=ciphertext,
                               associated_data=_associated_data(header, vault_id))
        except WrongKey:
            raise EscrowInvalid() from None
