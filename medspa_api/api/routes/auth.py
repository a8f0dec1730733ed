"""Sign-in, refresh, sign-out."""

from __future__ import annotations

from fastapi import APIRouter, Response

from medspa_api.api.deps import CurrentUser, DatabaseDep, OriginDep, SettingsDep
from medspa_api.api.routes import ERRORS
from medspa_api.api.routing import TextSafeRoute
from medspa_api.signin import refresh_session, sign_in, sign_out
from medspa_desk.protocol import LoginRequest, RefreshRequest, TokenResponse

router = APIRouter(prefix="/auth", tags=["auth"], responses=ERRORS, route_class=TextSafeRoute)


@router.post("/login", response_model=TokenResponse)
def login(body: LoginRequest, db: DatabaseDep, settings: SettingsDep, origin: OriginDep) -> TokenResponse:
    """Password, then TOTP (401 ``totp_required`` asks for it); registers the device on first sign-in."""
    return sign_in(db, request=body, origin=origin, settings=settings)


@router.post("/refresh", response_model=TokenResponse)
def refresh(body: RefreshRequest, db: DatabaseDep, settings: SettingsDep, origin: OriginDep) -> TokenResponse:
    """Rotate the refresh token; a refresh token used twice ends its whole session."""
    return refresh_session(db, request=body, origin=origin, settings=settings)


@router.post("/logout", status_code=204, response_class=Response)
def logout(caller: CurrentUser, db: DatabaseDep) -> Response:
    sign_out(db, caller=caller)
    return Response(status_code=204)
