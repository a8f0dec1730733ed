"""Lock the session and re-open it with a short PIN, without the data key staying in memory.

When the user sets a PIN, a copy of the data key is sealed at once under a key
derived from the PIN (Argon2id with little memory, so unlocking stays quick,
mixed by HKDF with a random pepper that exists only in this process). On
:meth:`PinLock.lock` the plain key is wiped and only that sealed copy remains.
Nothing here is ever written to disk. A PIN has at most 10**12 values, so the
protection is the miss limit, not the KDF: after five wrong PINs the sealed
copy and the pepper are dropped and only the password opens the vault again.

A *companion* secret (the person's user secret, which opens their kept refresh
token) may be sealed with the key under the same PIN, for a PIN switch back
into a warm session (``medspa_desk.switching``); the same five misses drop both.
"""

from __future__ import annotations

import logging
import re
import secrets as random_source
from uuid import UUID

from medspa_desk.vault.crypto import (
    KEY_BYTES,
    Argon2Params,
    WrongKey,
    derive_key,
    open_sealed,
    seal,
    stretch_password,
)
from medspa_desk.vault.errors import BadPin, PinUnavailable, SessionNotLocked, WrongPin
from medspa_desk.vault.secrets import SecretKey

log = logging.getLogger(__name__)

PIN_PATTERN = re.compile(r"[0-9]{4,12}")
MAX_PIN_MISSES = 5
PIN_MEMORY_KIB = 8 * 1024
PIN_TIME_COST = 2
PIN_PARALLELISM = 1


def check_pin(pin: str) -> None:
    if not isinstance(pin, str) or not PIN_PATTERN.fullmatch(pin):
        raise BadPin("A PIN is 4 to 12 digits, with nothing else in it.")


class PinLock:
    """One signed-in user's PIN lock. Not thread-safe: the session owns it."""

    def __init__(self, *, user_id: UUID, max_misses: int = MAX_PIN_MISSES) -> None:
        self.user_id = user_id
        self.max_misses = max_misses
        self._misses = 0
        self._locked = False
        self._pepper: SecretKey | None = None
        self._kdf: Argon2Params | None = None
        self._sealed: tuple[bytes, bytes] | None = None
        self._with_companion = False

    @property
    def has_pin(self) -> bool:
        return self._sealed is not None

    @property
    def is_locked(self) -> bool:
        return self._locked

    @property
    def misses(self) -> int:
        return self._misses

    def set_pin(self, pin: str, *, key: SecretKey, companion: SecretKey | None = None) -> None:
        """Seal a copy of ``key`` (and of ``companion``) under this PIN, replacing any earlier PIN.

        ``key`` and ``companion`` stay the caller's."""
        check_pin(pin)
        self.drop()
        self._pepper = SecretKey(bytearray(random_source.token_bytes(KEY_BYTES)))
        self._kdf = Argon2Params(memory_kib=PIN_MEMORY_KIB, time_cost=PIN_TIME_COST,
                                 parallelism=PIN_PARALLELISM, salt=random_source.token_bytes(16))
        both = SecretKey.empty(len(key) + (len(companion) if companion is not None else 0))
        both.buffer[:len(key)] = key.buffer
        if companion is not None:
            both.buffer[len(key):] = companion.buffer
        self._with_companion = companion is not None
        with self._pin_key(pin) as pin_key, both:
            self._sealed = seal(pin_key, both.buffer, associated_data=self._associated_data())
        self._misses = 0
        log.info("PIN set for user %s", self.user_id)

    def lock(self, key: SecretKey) -> None:
        """Wipe the plain key; afterwards only the PIN-sealed copy (if any) remains."""
        key.wipe()
        self._locked = True
        log.info("session locked for user %s", self.user_id)

    @property
    def has_companion(self) -> bool:
        return self.has_pin and self._with_companion

    def unlock_with_pin(self, pin: str) -> SecretKey:
        """The data key again. :class:`WrongPin` per miss; the fifth miss drops the copy
        (:class:`PinUnavailable` with ``failures``); afterwards the password is needed."""
        key, companion = self.open_with_pin(pin)
        if companion is not None:
            companion.wipe()
        return key

    def open_with_pin(self, pin: str) -> tuple[SecretKey, SecretKey | None]:
        """The data key and the companion sealed with it (None without one); misses as :meth:`unlock_with_pin`."""
        if not self._locked:
            raise SessionNotLocked()
        if self._sealed is None or self._pepper is None or self._kdf is None:
            raise PinUnavailable()
        both = self._open(pin) if isinstance(pin, str) and PIN_PATTERN.fullmatch(pin) else None
        if both is None:
            self._misses += 1
            log.warning("wrong PIN for user %s (%d in a row)", self.user_id, self._misses)
            if self._misses >= self.max_misses:
                failures = self._misses
                self.drop()
                log.warning("PIN copy dropped for user %s after %d misses", self.user_id, failures)
                raise PinUnavailable(failures=failures)
            raise WrongPin(failures=self._misses, tries_left=self.max_misses - self._misses)
        self._misses = 0
        self._locked = False
        log.info("session unlocked with PIN for user %s", self.user_id)
        with both:
            key = SecretKey(both.buffer[:KEY_BYTES])  # a slice is a new bytearray: the key's own buffer
            companion = SecretKey(both.buffer[KEY_BYTES:]) if self._with_companion else None
        return key, companion

    def drop(self) -> None:
        """Forget the PIN and its sealed copy (sign-out, too many misses, new PIN)."""
        if self._pepper is not None:
            self._pepper.wipe()
        self._pepper = None
        self._kdf = None
        self._sealed = None
        self._with_companion = False
        self._misses = 0

    def _open(self, pin: str) -> SecretKey | None:
        assert self._sealed is not None
        nonce, ciphertext = self._sealed
        with self._pin_key(pin) as pin_key:
            try:
                return open_sealed(pin_key, nonce=nonce, ciphertext=ciphertext,
                                   associated_data=self._associated_data(),
                                   size=KEY_BYTES * (2 if self._with_companion else 1))
            except WrongKey:
                return None

    def _pin_key(self, pin: str) -> SecretKey:
        assert self._pepper is not None and self._kdf is not None
        with stretch_password(pin, self._kdf) as stretched:
            return derive_key(stretched.buffer, self._pepper.buffer, salt=None,
                              info=f"medspa-desk PIN lock|user {self.user_id}".encode())

    def _associated_data(self) -> bytes:
        companion = "|with user secret" if self._with_companion else ""
        return f"medspa-desk PIN lock|user {self.user_id}{companion}".encode()
