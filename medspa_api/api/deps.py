"""Dependencies the routes declare with ``Annotated`` aliases.

They are ``async def`` so FastAPI runs them on the event loop: a plain ``def``
dependency costs a trip through the thread pool per request. The one database
check, the access token against its session, user and device, runs in the
thread pool on every request: the database is the truth about which sessions
have ended, also when another server process ended them. Only the long-poll
fast path (medspa_api.api.long_poll) answers from the short-lived cache of
checked tokens (medspa_api.security.token_cache), which this check fills.

``DatabaseDep`` is the app's database handle rather than an open session:
routes open their transaction inside the handler, because a failure to write
the audit row at commit must still be able to turn into a 503 for the caller,
which it cannot once a dependency's exit code runs after the response.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from medspa_api.audit_log import AuditBuffer, Origin, flush
from medspa_api.db.database import Database
from medspa_api.errors import ApiError
from medspa_api.permissions import Action, may
from medspa_api.security.token_cache import VALIDATED_TOKENS
from medspa_api.security.tokens import token_hash
from medspa_api.sessions import Caller, check_access_token
from medspa_api.settings import Settings
from medspa_desk.records import AuditAction

_bearer = HTTPBearer(auto_error=False, description="An access token from /auth/login or /auth/refresh.")


async def get_database(request: Request) -> Database:
    return request.app.state.database


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def origin_of(request: Request) -> Origin:
    return Origin(address=client_address(request.client.host if request.client else None),
                  user_agent=request.headers.get("user-agent", "")[:200])


UNKNOWN_ADDRESS = "unknown"
MAX_ADDRESS_LENGTH = 64  # the audit's and the sign-in limit's column


def client_address(host: str | None) -> str:
    """The caller's address as the audit stores it and the sign-in limit counts it: a valid IP, or "unknown".

    The host comes from the socket, or from X-Forwarded-For when a trusted proxy sent the request;
    anything that is not an IP address (a proxy passing on garbage) counts as one shared "unknown".
    """
    if not host or len(host) > MAX_ADDRESS_LENGTH:
        return UNKNOWN_ADDRESS
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return UNKNOWN_ADDRESS


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
OriginDep = Annotated[Origin, Depends(origin_of)]


async def get_caller(db: DatabaseDep, settings: SettingsDep, origin: OriginDep,
                     credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(401, "not_signed_in", "Sign in first: this call needs an access token.",
                       headers={"WWW-Authenticate": "Bearer"})
    generation = VALIDATED_TOKENS.generation
    caller, valid_for_s = await run_in_threadpool(check_access_token, db, token=credentials.credentials,
                                                  origin=origin, settings=settings)
    VALIDATED_TOKENS.remember(token_hash(credentials.credentials), caller, valid_for_s=valid_for_s,
                              generation=generation)
    return caller


CurrentUser = Annotated[Caller, Depends(get_caller)]


def requires(action: Action) -> Callable[[Caller, Database], Awaitable[Caller]]:
    """A dependency that lets the caller through only if the permission table allows ``action``."""

    async def check(caller: CurrentUser, db: DatabaseDep) -> Caller:
        if not may(caller.role, action):
            await run_in_threadpool(_record_denial, db, caller, action)
            raise ApiError(403, "forbidden", f"Your role ({caller.role.value.replace('_', ' ')}) may not "
                           f"do this ({action.value}). Ask a manager if you need it.")
        return caller

    return check


def _record_denial(db: Database, caller: Caller, action: Action) -> None:
    with db.transaction(caller.tenant_id) as conn:
        buffer = AuditBuffer(origin=caller.origin)
        buffer.record(actor_user_id=caller.user_id, device_id=caller.device_id,
                      action=AuditAction.ACCESS_DENIED, outcome="forbidden", detail=action.value)
        flush(conn, tenant_id=caller.tenant_id, buffer=buffer)


async def tenant_scope(caller: CurrentUser) -> UUID:
    return caller.tenant_id


# Every query a route makes is filtered by this tenant (and, on PostgreSQL, by RLS too).
TenantScope = Annotated[UUID, Depends(tenant_scope)]


def record_refused_request(request: Request, *, outcome: str) -> None:
    """Audit a request refused before its route ran (an invalid body), under the signed-in caller if the
    request carries a valid access token; a request from nobody signed in is only logged."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token or len(token) > 512:
        return
    db: Database = request.app.state.database
    settings: Settings = request.app.state.settings
    origin = Origin(address=client_address(request.client.host if request.client else None),
                    user_agent=request.headers.get("user-agent", "")[:200])
    try:
        caller, _valid_for_s = check_access_token(db, token=token.strip(), origin=origin, settings=settings)
    except Exception:  # not signed in after all (expired, unknown, malformed): nobody to name
        return
    route = request.scope.get("route")
    where = getattr(route, "path", None) or "unknown route"  # the template, never the values in the path
    with db.transaction(caller.tenant_id) as conn:
        buffer = AuditBuffer(origin=caller.origin)
        buffer.record(actor_user_id=caller.user_id, device_id=caller.device_id, action=AuditAction.ACCESS_DENIED,
                      outcome=outcome, detail=f"{request.method} {where}"[:500])
        flush(conn, tenant_id=caller.tenant_id, buffer=buffer)
