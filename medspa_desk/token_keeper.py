"""The refresh token kept in the OS keychain as the session rotates it, under the person's user secret.
"""

from __future__ import annotations

import logging
import threading
from uuid import UUID

from medspa_desk.sync.credentials import (
    save_refresh_token,
)
from medspa_desk.vault import (
    SecretKey,
)
from medspa_desk.workstation import WorkstationConfig

log = logging.getLogger(__name__)


class TokenKeeper:
    """Saves each rotated refresh token to the keychain, wrapped under the person's user secret.

    The session rotates tokens from the sync thread, also while the desk is
    locked, so the keeper holds its own copy of the secret (a PIN unlock never
    needs it). A token that arrives before the secret is known (enrolment
    through escrow) waits for it. :meth:`forget` wipes the copy at sign-out.
    """

    def __init__(self, config: WorkstationConfig, *, user_id: UUID) -> None:
        self._config = config
        self._user_id = user_id
        self._secret: SecretKey | None = None
        self._waiting: str | None = None
        self._forgotten = False
        self._guard = threading.Lock()

    def use_secret(self, user_secret: SecretKey) -> None:
        with self._guard:
            if self._secret is not None:
                self._secret.wipe()
            self._secret = user_secret.copy()
            waiting, self._waiting = self._waiting, None
        if waiting is not None:
            self(waiting)

    def __call__(self, token: str) -> None:
        with self._guard:
            if self._forgotten:
                return
            if self._secret is None:
                self._waiting = token
                return
            save_refresh_token(token, server_url=self._config.server_url, user_id=self._user_id,
                               user_secret=self._secret)

    def secret_copy(self) -> SecretKey | None:
        """A copy of the user secret (the caller wipes it), for a PIN that may bring its person back."""
        with self._guard:
            return self._secret.copy() if self._secret is not None and not self._forgotten else None

    def forget(self) -> None:
        """Wipe the secret copy; a token rotated after this is kept in memory only."""
        with self._guard:
            self._forgotten = True
            if self._secret is not None:
                self._secret.wipe()
                self._secret = None
            self._waiting = None


