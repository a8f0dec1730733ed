"""Dependencies the routes declare with ``Annotated`` aliases.

``DatabaseDep`` is the app's database handle rather than an open session:
routes open their transaction inside the handler, because a failure to write
the audit row at commit must still be able to turn into a 503 for the caller,
which it cannot once a dependency's exit code runs after the response.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from medspa_api.audit_log import AuditBuffer, Origin, flush
from medspa_api.db.database import Database
from medspa_api.errors import ApiError
from medspa_api.permissions import Action, may
from medspa_api.settings import Settings
from medspa_api.signin import Caller, authenticate
from medspa_desk.records import AuditAction

_bearer = HTTPBearer(auto_error=False, description="An access token from /auth/login or /auth/refresh.")


def get_database(request: Request) -> Database:
    return request.app.state.database


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def origin_of(request: Request) -> Origin:
    address = request.client.host if request.client else ""
    return Origin(address=address, user_agent=request.headers.get("user-agent", "")[:200])


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
OriginDep = Annotated[Origin, Depends(origin_of)]


def get_caller(db: DatabaseDep, settings: SettingsDep, origin: OriginDep,
               credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(401, "not_signed_in", "Sign in first: this call needs an access token.",
                       headers={"WWW-Authenticate": "Bearer"})
    return authenticate(db, token=credentials.credentials, origin=origin, settings=settings)


CurrentUser = Annotated[Caller, Depends(get_caller)]


def requires(action: Action) -> Callable[[Caller, Database], Caller]:
    """A dependency that lets the caller through only if the permission table allows ``action``."""

    def check(caller: CurrentUser, db: DatabaseDep) -> Caller:
        if not may(caller.role, action):
            with db.transaction(caller.tenant_id) as conn:
                buffer = AuditBuffer(origin=caller.origin)
                buffer.record(actor_user_id=caller.user_id, device_id=caller.device_id,
                              action=AuditAction.ACCESS_DENIED, outcome="forbidden", detail=action.value)
                flush(conn, tenant_id=caller.tenant_id, buffer=buffer)
            raise ApiError(403, "forbidden", f"Your role ({caller.role.value.replace('_', ' ')}) may not "
                           f"do this ({action.value}). Ask a manager if you need it.")
        return caller

    return check


def tenant_scope(caller: CurrentUser) -> UUID:
    return caller.tenant_id


# Every query a route makes is filtered by this tenant (and, on PostgreSQL, by RLS too).
TenantScope = Annotated[UUID, Depends(tenant_scope)]
