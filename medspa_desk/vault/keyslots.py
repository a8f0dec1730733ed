"""The keyslot file: the data key wrapped once per enrolled user, kept beside the database.

Format (JSON, ``version`` 1)::

    {"format": "medspa-desk keyslots", "version": 1, "vault_id": "<uuid>",
     "key_check": "<b64 16>", "device_secret_check": "<b64 16>" | null,
     "slots": [{"slot_id": "<uuid>", "user_id": "<uuid>",
                "kdf": {"name": "argon2id", "memory_kib": 65536, "time_cost": 3,
                        "parallelism": 2, "salt": "<b64 16>"},
                "uses_device_secret": true, "nonce": "<b64 12>", "ciphertext": "<b64 48>"}]}

Each slot, and the file's header (format, version, vault id and the two
checks), carries a ``checksum``: 16 bytes of SHA-256 over its canonical JSON.
It is no secret and no defence against someone who edits the file on purpose
(they can only make a slot that does not open); it tells a slot damaged on
disk (one flipped bit in a nonce, a salt, an id, an Argon2 cost) from a wrong
password, which AES-GCM alone cannot: both simply fail to open. Files written
before checksums have none (``null``): their slots are trusted as before.

A slot's wrapping key is HKDF-SHA256 over Argon2id(password, salt), followed by
the device secret when the slot uses one, with ``info`` naming the vault and
the slot. The data key is sealed with AES-256-GCM; the associated data names
the format version, vault, user and slot, so a slot moved to another user,
slot id or vault does not open. ``key_check`` and ``device_secret_check`` are
one-way HKDF tags that let the vault tell "wrong key given" and "another
keychain's device secret" apart from a wrong password, without revealing either.

The same Argon2id output also gives the slot's *user secret* (HKDF, its own
``info`` naming the vault, user and slot): a key only this user can compute,
for wrapping what is theirs alone (the refresh token in the keychain). It is
never stored, and it changes whenever the slot is rewrapped (a password change
or re-enrolment makes a new salt and slot id).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal, TypeAlias
from uuid import UUID, uuid4

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    model_validator,
)

from medspa_desk.vault.atomic_file import write_private_file
from medspa_desk.vault.crypto import (
    KEY_BYTES,
    NONCE_BYTES,
    Argon2Params,
    derive_key,
    fingerprint,
    open_sealed,
    seal,
    stretch_password,
)
from medspa_desk.vault.errors import KeyslotFileCorrupt, KeyslotFileMissing, KeyslotFileTooNew
from medspa_desk.vault.secrets import SecretKey

FORMAT_NAME: Final = "medspa-desk keyslots"
FORMAT_VERSION: Final = 1
KEYSLOT_FILE_NAME = "keyslots.json"
# A new vault is written here first and renamed to KEYSLOT_FILE_NAME only once
# its key is safe in escrow (see Vault.put_in_place): a first sign-in cut off
# before that leaves no key file that the next sign-in would trip over.
PENDING_KEYSLOT_FILE_NAME = ".keyslots.pending.json"
MIN_MEMORY_KIB = 64 * 1024
MAX_MEMORY_KIB = 4 * 1024 * 1024
MAX_FILE_BYTES = 1024 * 1024


def _decode_base64(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    if not isinstance(value, str):
        raise ValueError("expected base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not valid base64") from None


def _sized(low: int, high: int) -> Any:
    return Annotated[
        bytes,
        BeforeValidator(_decode_base64),
        Field(min_length=low, max_length=high),
        PlainSerializer(lambda raw: base64.b64encode(raw).decode("ascii"), return_type=str),
    ]


if TYPE_CHECKING:  # a type checker sees bytes; pydantic sees the sized, base64-encoded field
    Salt: TypeAlias = bytes
    Nonce: TypeAlias = bytes
    SealedKey: TypeAlias = bytes
    Check: TypeAlias = bytes
else:
    Salt = _sized(16, 64)
    Nonce = _sized(NONCE_BYTES, NONCE_BYTES)
    SealedKey = _sized(KEY_BYTES + 16, KEY_BYTES + 16)
    Check = _sized(16, 16)


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class KdfSpec(_Strict):
    name: Literal["argon2id"]
    memory_kib: int = Field(ge=MIN_MEMORY_KIB, le=MAX_MEMORY_KIB)
    time_cost: int = Field(ge=1, le=32)
    parallelism: int = Field(ge=1, le=16)
    salt: Salt

    @classmethod
    def of(cls, params: Argon2Params) -> KdfSpec:
        return cls(name="argon2id", memory_kib=params.memory_kib, time_cost=params.time_cost,
                   parallelism=params.parallelism, salt=params.salt)

    def params(self) -> Argon2Params:
        return Argon2Params(memory_kib=self.memory_kib, time_cost=self.time_cost,
                            parallelism=self.parallelism, salt=self.salt)


def _checksum(model: BaseModel, *, what: str) -> bytes:
    canonical = json.dumps(model.model_dump(mode="json", exclude={"checksum"}), sort_keys=True,
                           separators=(",", ":"))
    return hashlib.sha256(f"medspa-desk keyslots|{what} checksum|".encode() + canonical.encode()).digest()[:16]


class Keyslot(_Strict):
    slot_id: UUID
    user_id: UUID
    kdf: KdfSpec
    uses_device_secret: bool
    nonce: Nonce
    ciphertext: SealedKey
    checksum: Check | None = None

    def with_checksum(self) -> Keyslot:
        return self.model_copy(update={"checksum": _checksum(self, what="slot")})

    @property
    def is_damaged(self) -> bool:
        """True when the slot's bytes no longer match its checksum (a slot without one cannot tell)."""
        return self.checksum is not None and self.checksum != _checksum(self, what="slot")


class KeyslotHeader(_Strict):
    """The fields of the file its header checksum covers."""

    format: Literal["medspa-desk keyslots"]
    version: Literal[1]
    vault_id: UUID
    key_check: Check
    device_secret_check: Check | None


class KeyslotFile(_Strict):
    format: Literal["medspa-desk keyslots"]
    version: Literal[1]
    vault_id: UUID
    key_check: Check
    device_secret_check: Check | None
    slots: list[Keyslot] = Field(min_length=1, max_length=1000)
    checksum: Check | None = None  # over the header: every field but the slots

    def with_checksum(self) -> KeyslotFile:
        return self.model_copy(update={"checksum": self._header_checksum()})

    @property
    def header_is_damaged(self) -> bool:
        return self.checksum is not None and self.checksum != self._header_checksum()

    def _header_checksum(self) -> bytes:
        header = KeyslotHeader(format=self.format, version=self.version, vault_id=self.vault_id,
                               key_check=self.key_check, device_secret_check=self.device_secret_check)
        return _checksum(header, what="header")

    @model_validator(mode="after")
    def _one_slot_per_user(self) -> KeyslotFile:
        if len({s.slot_id for s in self.slots}) != len(self.slots):
            raise ValueError("two slots share one slot id")
        if len({s.user_id for s in self.slots}) != len(self.slots):
            raise ValueError("two slots belong to one user")
        return self

    def slot_for(self, user_id: UUID) -> Keyslot | None:
        return next((s for s in self.slots if s.user_id == user_id), None)

    def to_bytes(self) -> bytes:
        return (json.dumps(self.model_dump(mode="json"), indent=2) + "\n").encode("utf-8")


def key_check(key: SecretKey, vault_id: UUID) -> bytes:
    return fingerprint(key.buffer, info=f"medspa-desk data key check|{vault_id}".encode())


def device_secret_check(secret: SecretKey, vault_id: UUID) -> bytes:
    return fingerprint(secret.buffer, info=f"medspa-desk device secret check|{vault_id}".encode())


def _associated_data(*, vault_id: UUID, user_id: UUID, slot_id: UUID) -> bytes:
    return f"{FORMAT_NAME}|v{FORMAT_VERSION}|vault {vault_id}|user {user_id}|slot {slot_id}".encode()


def _slot_keys(*, password: str, kdf: Argon2Params, device_secret: SecretKey | None,
               vault_id: UUID, user_id: UUID, slot_id: UUID) -> tuple[SecretKey, SecretKey]:
    """The slot's wrapping key and its user's own secret, both from ONE Argon2id run.

    Two HKDF outputs of the same material under distinct ``info`` strings are
    independent keys: knowing the data key (every enrolled user does) or the
    wrapping key tells nothing about the user secret.
    """
    with stretch_password(password, kdf) as stretched:
        parts = [stretched.buffer] + ([device_secret.buffer] if device_secret is not None else [])
        prefix = f"{FORMAT_NAME}|v{FORMAT_VERSION}"
        wrapping = derive_key(*parts, salt=None,
                              info=f"{prefix}|wrapping key|vault {vault_id}|slot {slot_id}".encode())
        try:
            user_secret = derive_key(
                *parts, salt=None,
                info=f"{prefix}|user secret|vault {vault_id}|user {user_id}|slot {slot_id}".encode())
        except BaseException:
            wrapping.wipe()
            raise
        return wrapping, user_secret


def wrap_slot_with_user_secret(*, vault_id: UUID, user_id: UUID, password: str, data_key: SecretKey,
                               device_secret: SecretKey | None,
                               kdf: Argon2Params) -> tuple[Keyslot, SecretKey]:
    """A new slot (new slot id, salt and nonce) holding ``data_key``, and the user secret of that slot."""
    slot_id = uuid4()
    wrapping, user_secret = _slot_keys(password=password, kdf=kdf, device_secret=device_secret,
                                       vault_id=vault_id, user_id=user_id, slot_id=slot_id)
    with wrapping:
        try:
            nonce, ciphertext = seal(wrapping, data_key.buffer, associated_data=_associated_data(
                vault_id=vault_id, user_id=user_id, slot_id=slot_id))
        except BaseException:
            user_secret.wipe()
            raise
    slot = Keyslot(slot_id=slot_id, user_id=user_id, kdf=KdfSpec.of(kdf),
                   uses_device_secret=device_secret is not None, nonce=nonce, ciphertext=ciphertext)
    return slot.with_checksum(), user_secret


def wrap_slot(*, vault_id: UUID, user_id: UUID, password: str, data_key: SecretKey,
              device_secret: SecretKey | None, kdf: Argon2Params) -> Keyslot:
    """A new slot (new slot id, salt and nonce) holding ``data_key`` under this password."""
    slot, user_secret = wrap_slot_with_user_secret(vault_id=vault_id, user_id=user_id, password=password,
                                                   data_key=data_key, device_secret=device_secret, kdf=kdf)
    user_secret.wipe()
    return slot


def unwrap_slot_with_user_secret(slot: Keyslot, *, vault_id: UUID, password: str,
                                 device_secret: SecretKey | None) -> tuple[SecretKey, SecretKey]:
    """The data key from one slot and that slot's user secret; ``crypto.WrongKey`` if it does not open."""
    wrapping, user_secret = _slot_keys(password=password, kdf=slot.kdf.params(), device_secret=device_secret,
                                       vault_id=vault_id, user_id=slot.user_id, slot_id=slot.slot_id)
    with wrapping:
        try:
            key = open_sealed(wrapping, nonce=slot.nonce, ciphertext=slot.ciphertext,
                              associated_data=_associated_data(vault_id=vault_id, user_id=slot.user_id,
                                                               slot_id=slot.slot_id))
        except BaseException:
            user_secret.wipe()
            raise
    return key, user_secret


def unwrap_slot(slot: Keyslot, *, vault_id: UUID, password: str,
                device_secret: SecretKey | None) -> SecretKey:
    """The data key from one slot; ``crypto.WrongKey`` if the password (or anything bound) is wrong."""
    key, user_secret = unwrap_slot_with_user_secret(slot, vault_id=vault_id, password=password,
                                                    device_secret=device_secret)
    user_secret.wipe()
    return key


def _first_problem(error: ValidationError) -> str:
    # Location and message only: pydantic's input values never reach the sentence.
    first = error.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "the file"
    return f"{where}: {first['msg']}"


def parse_keyslot_file(raw: bytes) -> KeyslotFile:
    """Check every field of a keyslot file; a clear error names the first problem."""
    if not raw.strip():
        raise KeyslotFileCorrupt("the file is empty")
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise KeyslotFileCorrupt("it is cut short or is not valid JSON") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise KeyslotFileCorrupt("it is not a Medspa Desk key file")
    version = document.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise KeyslotFileTooNew(found=version, supported=FORMAT_VERSION)
    try:
        keyslots = KeyslotFile.model_validate(document)
    except ValidationError as exc:
        raise KeyslotFileCorrupt(_first_problem(exc)) from None
    if keyslots.header_is_damaged:
        raise KeyslotFileCorrupt("its vault id or key checks no longer match their checksum")
    return keyslots


def read_keyslot_file(path: Path) -> KeyslotFile:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise KeyslotFileMissing() from None
    if len(raw) > MAX_FILE_BYTES:
        raise KeyslotFileCorrupt("it is far larger than a key file can be")
    return parse_keyslot_file(raw)


def write_keyslot_file(path: Path, keyslots: KeyslotFile) -> None:
    write_private_file(path, keyslots.to_bytes())
