"""Sign-in, refresh, sign-out; a person's own password change and authenticator enrolment.

Sign-in runs on a few threads of its own (``SIGN_IN_THREADS``), not
the shared thread pool: a burst of sign-ins, each waiting for Argon2
(medspa_api.security.passwords), queues on the event loop at no cost instead of
holding the threads every other route needs.
"""

from __future__ import annotations

from functools import partial

import sqlalchemy as sa
from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, Request, Response

from medspa_api.api.deps import CurrentUser, DatabaseDep, OriginDep, SettingsDep
from medspa_api.api.routes import ERRORS
from medspa_api.api.routing import TextSafeRoute
from medspa_api.api.schemas import (
    EnrolmentAnswer,
    EnrolmentRequest,
    PasswordChange,
    PasswordChanged,
)
from medspa_api.audit_log import flush
from medspa_api.data import users
from medspa_api.db import tables as t
from medspa_api.db.database import Database
from medspa_api.errors import ApiError
from medspa_api.security.passwords import WeakPassword
from medspa_api.security.totp import enrolment_uri
from medspa_api.sessions import Caller, refresh_session, sign_out
from medspa_api.settings import Settings
from medspa_api.signin import check_current_password, reveal_enrolment_once, sign_in
from medspa_desk.protocol import LoginRequest, RefreshRequest, TokenResponse
from medspa_desk.records import AuditAction

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


@router.post("/enrolment", response_model=EnrolmentAnswer)
async def enrolment(body: EnrolmentRequest, request: Request, db: DatabaseDep, settings: SettingsDep,
                    origin: OriginDep) -> EnrolmentAnswer:
    """The authenticator secret a manager's enrolment left waiting, to the person (their password), once.

    Then the person signs in with a code from it, which confirms it. 409 ``no_enrolment`` when none is
    waiting or it was already given out.
    """
    secret, _ = await to_thread.run_sync(partial(
        reveal_enrolment_once, db, tenant=body.tenant, username=body.username, password=body.password,
        origin=origin, settings=settings), limiter=_sign_in_threads(request))
    return EnrolmentAnswer(secret=secret, totp_uri=enrolment_uri(secret, username=body.username, tenant=body.tenant))


@router.post("/password", response_model=PasswordChanged)
async def change_own_password(body: PasswordChange, request: Request, caller: CurrentUser, db: DatabaseDep,
                              settings: SettingsDep) -> PasswordChanged:
    """Change one's own password (the current one needed); every other session of the person ends."""
    return await to_thread.run_sync(partial(_change_password, db, caller=caller, body=body, settings=settings),
                                    limiter=_sign_in_threads(request))


def _change_password(db: Database, *, caller: Caller, body: PasswordChange, settings: Settings) -> PasswordChanged:
    check_current_password(db, caller=caller, password=body.current_password, settings=settings)
    with db.transaction(caller.tenant_id) as conn:
        tenant = conn.execute(sa.select(t.tenants.c.name).where(t.tenants.c.id == caller.tenant_id)).scalar() or ""
        try:
            ended = users.change_password(conn, tenant_id=caller.tenant_id, user_id=caller.user_id,
                                          password=body.new_password, username=caller.username,
                                          tenant_name=tenant, keep_session=caller.session_id)
        except WeakPassword as exc:
            refused = ApiError(422, "weak_password", str(exc))
        else:
            refused = None
            buffer = caller.audit()
            buffer.record(actor_user_id=caller.user_id, device_id=caller.device_id, action=AuditAction.UPDATE,
                          entity="user", entity_id=caller.user_id, detail="password_changed")
            flush(conn, tenant_id=caller.tenant_id, buffer=buffer)
    if refused is not None:
        with db.transaction(caller.tenant_id) as conn:
            buffer = caller.audit()
            buffer.record(actor_user_id=caller.user_id, device_id=caller.device_id, action=AuditAction.UPDATE,
                          entity="user", entity_id=caller.user_id, detail="password_change",
                          outcome="weak_password")
            flush(conn, tenant_id=caller.tenant_id, buffer=buffer)
        raise refused
    return PasswordChanged(other_sessions_ended=ended)
