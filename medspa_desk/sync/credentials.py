"""Per-user refresh tokens in the OS keychain, wrapped under that user's own secret.

Every app user of one OS login can read that login's keychain, so the token is
not stored as it is: it is sealed with AES-256-GCM under a key derived (HKDF)
from the user's *user secret*, which only that user's own keyslot unlock gives
(:meth:`medspa_desk.vault.Vault.unlock_with_user_secret`). Not the data key:
every enrolled user holds that one, and could then replay a colleague's
session as them. One keychain entry per (server, user). Access tokens never
leave memory.

The user secret changes when the user's slot is rewrapped (password change,
re-enrolment): a token kept under the old one no longer opens, and the next
sign-in goes online with the authenticator code. Tokens stored by the first
format (wrapped under the data key) are refused the same way.

No keychain (a kiosk session, a locked collection) is not an error: the token
is kept for this session only and the person signs in online next time; the
caller is told so once, in words.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets as random_source
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from medspa_desk.vault import KeychainEntry, SecretKey
from medspa_desk.vault.crypto import NONCE_BYTES, derive_key
from medspa_desk.vault.errors import KeychainUnavailable

log = logging.getLogger(__name__)

REFRESH_TOKEN_SERVICE = "Medspa Desk sign-in"  # noqa: S105 (a keychain service name)
# Format 2: wrapped under the user secret. Format 1 (under the shared data key) is refused.
_FORMAT = b"\x02"


def refresh_token_entry(*, server_url: str, user_id: UUID) -> KeychainEntry:
    return KeychainEntry(service=REFRESH_TOKEN_SERVICE, username=f"{user_id} at {server_url}")


def _token_key(user_secret: SecretKey, user_id: UUID) -> SecretKey:
    return derive_key(user_secret.buffer, salt=None, info=f"medspa-desk refresh token key|v2|user {user_id}".encode())


def _associated_data(server_url: str, user_id: UUID) -> bytes:
    return f"medspa-desk refresh token|{server_url}|{user_id}".encode()


def wrap_refresh_token(token: str, *, server_url: str, user_id: UUID, user_secret: SecretKey) -> str:
    nonce = random_source.token_bytes(NONCE_BYTES)
    with _token_key(user_secret, user_id) as key:
        sealed = AESGCM(bytes(key.buffer)).encrypt(nonce, token.encode(), _associated_data(server_url, user_id))
    return base64.b64encode(_FORMAT + nonce + sealed).decode("ascii")


def unwrap_refresh_token(stored: str, *, server_url: str, user_id: UUID, user_secret: SecretKey) -> str | None:
    """The token, or None if the stored value does not open with this key (then sign in online)."""
    try:
        raw = base64.b64decode(stored, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) < 1 + NONCE_BYTES + 16 or raw[:1] != _FORMAT:
        return None
    nonce, sealed = raw[1:1 + NONCE_BYTES], raw[1 + NONCE_BYTES:]
    with _token_key(user_secret, user_id) as key:
        try:
            plain = AESGCM(bytes(key.buffer)).decrypt(nonce, sealed, _associated_data(server_url, user_id))
        except InvalidTag:
            return None
    return plain.decode()


def save_refresh_token(token: str, *, server_url: str, user_id: UUID, user_secret: SecretKey) -> str | None:
    """Store the wrapped token; None when stored, else the sentence saying why it lives in memory only."""
    wrapped = wrap_refresh_token(token, server_url=server_url, user_id=user_id, user_secret=user_secret)
    try:
        refresh_token_entry(server_url=server_url, user_id=user_id).set(wrapped)
    except KeychainUnavailable as exc:
        log.warning("refresh token for user %s kept in memory only: keychain unavailable", user_id)
        return f"{exc} You will need to sign in online again after closing the app."
    return None


def load_refresh_token(*, server_url: str, user_id: UUID, user_secret: SecretKey) -> str | None:
    """The user's refresh token for this server, or None (none stored, unreadable, or no keychain)."""
    try:
        stored = refresh_token_entry(server_url=server_url, user_id=user_id).get()
    except KeychainUnavailable:
        log.warning("refresh token for user %s unavailable: keychain unavailable", user_id)
        return None
    if stored is None:
        return None
    token = unwrap_refresh_token(stored, server_url=server_url, user_id=user_id, user_secret=user_secret)
    if token is None:
        log.warning("refresh token for user %s does not open with their secret; sign in online", user_id)
    return token


def forget_refresh_token(*, server_url: str, user_id: UUID) -> bool:
    """Delete the user's entry (sign-out, revoked device); False if none or no keychain."""
    try:
        return refresh_token_entry(server_url=server_url, user_id=user_id).delete()
    except KeychainUnavailable:
        return False


# --- the workstation's proof of identity to the server -------------------------------------

DEVICE_PROOF_SERVICE = "Medspa Desk workstation proof"


def device_proof_entry(*, server_url: str, device_id: UUID) -> KeychainEntry:
    return KeychainEntry(service=DEVICE_PROOF_SERVICE, username=f"{device_id} at {server_url}")


def save_device_proof(secret: str, *, server_url: str, device_id: UUID) -> bool:
    """Keep the secret the server issued at registration; False when there is no keychain.

    It proves to the server that a sign-in comes from this workstation (the
    server releases the escrowed key only then); a copy of the workstation's
    folder on another computer does not carry it.
    """
    try:
        device_proof_entry(server_url=server_url, device_id=device_id).set(secret)
    except KeychainUnavailable:
        log.warning("no keychain: device %s cannot keep its proof; escrow needs a new registration", device_id)
        return False
    return True


def load_device_proof(*, server_url: str, device_id: UUID) -> str | None:
    try:
        return device_proof_entry(server_url=server_url, device_id=device_id).get()
    except KeychainUnavailable:
        return None


def forget_device_proof(*, server_url: str, device_id: UUID) -> None:
    try:
        device_proof_entry(server_url=server_url, device_id=device_id).delete()
    except KeychainUnavailable:
        return
