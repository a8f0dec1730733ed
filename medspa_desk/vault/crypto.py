"""The few primitives the vault is built from, each writing keys into buffers we can zero.

- :func:`stretch_password`: Argon2id, memory-hard, so a guess costs real memory.
- :func:`derive_key`: HKDF-SHA256 mixing key material and binding it to a purpose.
- :func:`seal` / :func:`open_sealed`: AES-256-GCM with associated data.
"""

from __future__ import annotations

import secrets as random_source
import unicodedata
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from medspa_desk.vault.secrets import SecretKey, password_bytes, zero

KEY_BYTES = 32
NONCE_BYTES = 12
SALT_BYTES = 16


@dataclass(frozen=True)
class Argon2Params:
    """Argon2id cost: memory in KiB, passes, lanes, and the salt that makes each slot unique."""

    memory_kib: int
    time_cost: int
    parallelism: int
    salt: bytes

    def with_fresh_salt(self) -> Argon2Params:
        return Argon2Params(memory_kib=self.memory_kib, time_cost=self.time_cost,
                            parallelism=self.parallelism, salt=random_source.token_bytes(SALT_BYTES))


def password_kdf(*, memory_kib: int = 64 * 1024, time_cost: int = 3, parallelism: int = 2) -> Argon2Params:
    """Slot parameters: 64 MiB, 3 passes, 2 lanes (about 135 ms on a 2-core workstation)."""
    return Argon2Params(memory_kib=memory_kib, time_cost=time_cost, parallelism=parallelism,
                        salt=random_source.token_bytes(SALT_BYTES))


class WrongKey(Exception):
    """Internal: authentication failed (wrong key, or ciphertext or associated data changed)."""


def stretch_password(secret: str, params: Argon2Params) -> SecretKey:
    """Argon2id of a password or PIN, written into a fresh SecretKey.

    The text is NFKC-normalised first (as NIST SP 800-63B asks), so the same
    password typed on another keyboard layout or platform opens the same slot.
    """
    material = password_bytes(unicodedata.normalize("NFKC", secret))
    out = SecretKey.empty(KEY_BYTES)
    try:
        Argon2id(salt=params.salt, length=KEY_BYTES, iterations=params.time_cost,
                 lanes=params.parallelism, memory_cost=params.memory_kib).derive_into(material, out.buffer)
    finally:
        zero(material)
    return out


def derive_key(*parts: bytearray | bytes, salt: bytes | None, info: bytes) -> SecretKey:
    """HKDF-SHA256 over the concatenated parts, written into a fresh SecretKey."""
    ikm = bytearray().join(parts)
    out = SecretKey.empty(KEY_BYTES)
    try:
        HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=info).derive_into(ikm, out.buffer)
    finally:
        zero(ikm)
    return out


def fingerprint(key: bytearray, *, info: bytes) -> bytes:
    """A short one-way tag of a key, to recognise it later without revealing it."""
    with derive_key(key, salt=None, info=info) as tag:
        return bytes(tag.buffer[:16])


def seal(key: SecretKey, plaintext: bytearray, *, associated_data: bytes) -> tuple[bytes, bytes]:
    """AES-256-GCM; returns (nonce, ciphertext with tag). A fresh random nonce every time."""
    nonce = random_source.token_bytes(NONCE_BYTES)
    return nonce, AESGCM(key.buffer).encrypt(nonce, plaintext, associated_data)


def open_sealed(key: SecretKey, *, nonce: bytes, ciphertext: bytes, associated_data: bytes,
                size: int = KEY_BYTES) -> SecretKey:
    """Decrypt a sealed key (``size`` bytes) straight into a fresh SecretKey; :class:`WrongKey` if it does not open."""
    if len(ciphertext) != size + 16 or len(nonce) != NONCE_BYTES:
        raise WrongKey()
    out = SecretKey.empty(size)
    try:
        AESGCM(key.buffer).decrypt_into(nonce, ciphertext, associated_data, out.buffer)
    except InvalidTag:
        out.wipe()
        raise WrongKey() from None
    return out
