"""Sign-in, refresh, sign-out.

Sign-in runs on a few threads of its own (``SIGN_IN_THREADS``), not
the shared thread pool: a burst of sign-ins, each waiting for Argon2
(medspa_api.security.passwords), queues on the event loop at no cost instead of
holding the threads every other route needs.
"""

from __future__ import annotations

from functools import partial

from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, Request, Response

from medspa_api.api.deps import CurrentUser, DatabaseDep, OriginDep, SettingsDep
from medspa_api.api.routes import ERRORS
from medspa_api.api.routing import TextSafeRoute
from medspa_api.signin import refresh_session, sign_in, sign_out
from medspa_desk.protocol import LoginRequest, RefreshRequest, TokenResponse

router = APIRouter(prefix="/auth", tags=["auth"], responses=ERRORS, route_class=TextSafeRoute)


SIGN_IN_THREADS = 4


def _sign_in_threads(request: Request) -> CapacityLimiter:
    """The app's limiter, made in its own event loop on first use (tests run several apps at once)."""
    state = request.app.state
    if getattr(state, "sign_in_threads", None) is None:
        state.sign_in_threads = CapacityLimiter(SIGN_IN_THREADS)
    return state.sign_in_threads


@router.post("/login", response_model=TokenResponse)
async def login(body: LoginRequest, request: Request, db: DatabaseDep, settings: SettingsDep,
                origin: OriginDep) -> TokenResponse:
    """Password, then TOTP (401 ``totp_required`` asks for it); registers the device on first sign-in."""
    return await to_thread.run_sync(partial(sign_in, db, request=body, origin=origin, settings=settings),
                                    limiter=_sign_in_threads(request))


@router.post("/refresh", response_model=TokenResponse)
def refresh(body: RefreshRequest, db: DatabaseDep, settings: SettingsDep, origin: OriginDep) -> TokenResponse:
    """Rotate the refresh token; a refresh token used twice ends its whole session (no Argon2: shared threads)."""
    return refresh_session(db, request=body, origin=origin, settings=settings)


@router.post("/logout", status_code=204, response_class=Response)
def logout(caller: CurrentUser, db: DatabaseDep) -> Response:
    sign_out(db, caller=caller)
    return Response(status_code=204)
