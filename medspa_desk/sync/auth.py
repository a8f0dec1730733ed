"""Online sign-in, the signed-in session (access token in memory, rotated refresh token), sign-out.

The first online sign-in registers the workstation (the server gives it a
device id). The access token lives only in this object; the refresh token is
handed to ``keep_refresh_token`` after every rotation, which the app points at
:func:`medspa_desk.sync.credentials.save_refresh_token` with the user's own
secret (from their keyslot; never the shared data key). An expired access
token is refreshed once, silently; a refresh the server refuses becomes
:class:`SignInNeeded` with the server's reason.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from medspa_desk.protocol import LoginRequest, RefreshRequest, TokenResponse, UserInfo
from medspa_desk.records import utc_now
from medspa_desk.sync.api import CentralApi
from medspa_desk.sync.errors import SignInNeeded

log = logging.getLogger(__name__)

T = TypeVar("T")

# Refresh this long before the access token runs out, so a request never races its expiry.
REFRESH_MARGIN_S = 30.0
_EXPIRED_ACCESS = frozenset({"session_expired", "invalid_token", "token_expired", "access_expired"})


def sign_in_online(api: CentralApi, *, tenant: str, username: str, password: str, totp: str | None = None,
                   device_id: UUID | None = None, device_name: str = "",
                   device_secret: str | None = None) -> TokenResponse:
    """Password (and TOTP when the server asks with :class:`TotpRequired`); registers the device.

    ``device_secret`` is the proof the server issued when this workstation was
    registered (``TokenResponse.device_secret``); without it the server still
    signs the person in but will not release the workstation's escrowed key.
    """
    if not tenant.strip() or not username.strip():
        raise SignInNeeded("Enter the practice name and your username.")
    if not password:
        raise SignInNeeded("Enter your password.")
    code = totp.strip().replace(" ", "") if totp else None
    if code is not None and not (len(code) == 6 and code.isdigit()):
        raise SignInNeeded("The code from the authenticator app has six digits; enter it again.")
    request = LoginRequest(tenant=tenant.strip(), username=username.strip(), password=password, totp=code,
                           device_id=device_id, device_name=device_name[:100], client_time=utc_now(),
                           device_secret=device_secret)
    tokens = api.login(request)
    log.info("signed in online: user %s on device %s", tokens.user.id, tokens.device_id)
    return tokens


class Session:
    """One person's online session on this workstation; safe to use from several threads."""

    def __init__(self, *, api: CentralApi, tokens: TokenResponse,
                 keep_refresh_token: Callable[[str], object] | None = None,
                 device_secret: str | None = None) -> None:
        self._api = api
        self._device_secret = device_secret or tokens.device_secret
        self._keep = keep_refresh_token
        self._lock = threading.Lock()
        self._ended = False
        self.user: UserInfo = tokens.user
        self.tenant_id: UUID = tokens.tenant_id
        self.device_id: UUID = tokens.device_id
        self._take(tokens)

    @classmethod
    def resume(cls, *, api: CentralApi, refresh_token: str, device_id: UUID,
               keep_refresh_token: Callable[[str], object] | None = None,
               device_secret: str | None = None) -> Session:
        """A session from a refresh token kept in the keychain (after an offline sign-in)."""
        tokens = api.refresh(RefreshRequest(refresh_token=refresh_token, device_id=device_id,
                                            device_secret=device_secret))
        return cls(api=api, tokens=tokens, keep_refresh_token=keep_refresh_token, device_secret=device_secret)

    def _take(self, tokens: TokenResponse) -> None:
        self._access = tokens.access_token
        self._refresh = tokens.refresh_token
        self._expires_at = time.monotonic() + max(0, tokens.expires_in)
        if self._keep is not None:
            self._keep(tokens.refresh_token)

    @property
    def refresh_token(self) -> str:
        return self._refresh

    def access_token(self) -> str:
        with self._lock:
            if self._ended:
                raise SignInNeeded("You signed out; sign in again to sync.")
            if time.monotonic() >= self._expires_at - REFRESH_MARGIN_S:
                self._rotate()
            return self._access

    def _rotate(self) -> None:
        tokens = self._api.refresh(RefreshRequest(refresh_token=self._refresh, device_id=self.device_id,
                                                  device_secret=self._device_secret))
        self._take(tokens)
        log.info("session of user %s refreshed", self.user.id)

    def prove_device(self) -> bool:
        """Show the workstation's device secret now (a rotation carries it); False when none is held.

        A session is proven when its sign-in showed the secret. One that could not (the server bound a
        device registered before secrets existed to its secret at this very sign-in) is proven from the
        first refresh that shows it.
        """
        if self._device_secret is None:
            return False
        with self._lock:
            self._rotate()
        return True

    @property
    def device_secret(self) -> str | None:
        """The workstation's proof (a destroyed practice's workstation confirms its wipe with it)."""
        return self._device_secret

    def refresh_now(self, *, stale_access: str) -> None:
        """Rotate unless another thread already did since ``stale_access`` was refused."""
        with self._lock:
            if self._access == stale_access:
                self._rotate()

    def call(self, request: Callable[..., T]) -> T:
        """Run ``request(access_token=...)``; an expired access token is refreshed once and the request retried."""
        token = self.access_token()
        try:
            return request(access_token=token)
        except SignInNeeded as exc:
            if exc.code not in _EXPIRED_ACCESS:
                raise
        self.refresh_now(stale_access=token)
        return request(access_token=self.access_token())

    def close(self) -> None:
        """Close the connection used for refreshing (the session itself stays valid on the server)."""
        self._api.close()

    def sign_out(self, *, forget: Callable[[], object] | None = None) -> None:
        """End the session on the server (best effort when offline) and forget the refresh token."""
        with self._lock:
            self._ended = True
            access = self._access
        try:
            self._api.sign_out(access_token=access)
        except Exception as exc:  # offline sign-out still ends the session here; the token expires
            log.info("sign-out not confirmed by the server: %s", type(exc).__name__)
        if forget is not None:
            forget()
