"""Server sessions: opened at sign-in, refreshed with a rotating token, checked on every request, ended at sign-out.

The bearer token of each request names its session; :func:`check_access_token` answers
who is calling (a :class:`Caller`) from a short-lived cache of checked tokens.

A session lasts the practice's *switch window* (1 to 24 hours, 12 by default) from
its sign-in with the authenticator code, idle or not: a person who handed a shared
workstation to a colleague keeps it, unused, and switches back in with their
password alone inside it; after it, the code is asked again. The window is read
when the session opens and on each refresh, so a manager's change applies to the
sessions already open too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from medspa_api.audit_log import AuditBuffer, Origin, flush
from medspa_api.data import destroyed
from medspa_api.data.tenants import switch_window_s
from medspa_api.data.users import end_sessions
from medspa_api.db import tables as t
from medspa_api.db.database import Database
from medspa_api.db.dialect import as_utc, for_update
from medspa_api.device_proof import (
    INVALID_DEVICE_SECRET,
    SignedInDevice,
    device_proof,
    device_revoked,
    register_device,
)
from medspa_api.errors import ApiError
from medspa_api.security import tokens
from medspa_api.security.token_cache import forget_cached_checks
from medspa_api.settings import Settings
from medspa_api.sign_in_failures import note_failure
from medspa_desk.protocol import (
    LoginRequest,
    RefreshRequest,
    TokenResponse,
    UserInfo,
)
from medspa_desk.records import AuditAction, Role, new_id, utc_now

LAST_SEEN_GRANULARITY_S = 60


@dataclass(frozen=True, kw_only=True)
class Caller:
    """The signed-in user behind a request."""

    tenant_id: UUID
    user_id: UUID
    username: str
    role: Role
    provider_id: UUID | None
    device_id: UUID
    session_id: UUID
    origin: Origin
    # The session showed the device secret (sign-in or refresh): the workstation is the registered one.
    device_proven: bool = False

    def audit(self) -> AuditBuffer:
        return AuditBuffer(origin=self.origin)


def open_session(conn: Connection, *, tenant_id: UUID, user: sa.Row, request: LoginRequest, origin: Origin,
                  settings: Settings, enrolled: bool) -> tuple[str, str, SignedInDevice]:
    now = utc_now()
    conn.execute(t.users.update().where(t.users.c.tenant_id == tenant_id, t.users.c.id == user.id)
                 .values(failed_logins=0, locked_until=None))
    buffer = AuditBuffer(origin=origin)
    device = register_device(conn, tenant_id=tenant_id, user_id=user.id, device_id=request.device_id,
                              secret=request.device_secret, name=request.device_name, buffer=buffer)
    session_id = new_id()
    expires_at = now + timedelta(seconds=switch_window_s(conn, tenant_id=tenant_id))
    conn.execute(t.sessions.insert().values(
        tenant_id=tenant_id, id=session_id, user_id=user.id, device_id=device.id, created_at=now,
        last_seen_at=now, expires_at=expires_at, device_proven=device.proven))
    access, refresh = issue_tokens(conn, tenant_id=tenant_id, session_id=session_id, settings=settings,
                                   session_expires=expires_at)
    if enrolled:
        buffer.record(actor_user_id=user.id, device_id=device.id, action=AuditAction.UPDATE, entity="user",
                      entity_id=user.id, detail="totp_enrolment_confirmed")
    buffer.record(actor_user_id=user.id, device_id=device.id, action=AuditAction.SIGN_IN, entity="user",
                  entity_id=user.id)
    flush(conn, tenant_id=tenant_id, buffer=buffer)
    return access, refresh, device


def issue_tokens(conn: Connection, *, tenant_id: UUID, session_id: UUID, settings: Settings,
                 session_expires: datetime) -> tuple[str, str]:
    """A new access and refresh token; the refresh token lasts as long as its session may."""
    now = utc_now()
    access, refresh = tokens.new_token(tenant_id), tokens.new_token(tenant_id)
    access_hash = tokens.token_hash(access)
    conn.execute(t.tokens.insert(), [
        {"tenant_id": tenant_id, "token_hash": access_hash, "session_id": session_id,
         "kind": "access", "expires_at": now + timedelta(seconds=settings.access_token_ttl_s), "access_hash": None},
        {"tenant_id": tenant_id, "token_hash": tokens.token_hash(refresh), "session_id": session_id,
         "kind": "refresh", "expires_at": session_expires,
         "access_hash": access_hash},
    ])
    return access, refresh


def token_response(*, user: sa.Row, tenant_id: UUID, device_id: UUID, access: str, refresh: str,
                    settings: Settings, device_secret: str | None = None) -> TokenResponse:
    return TokenResponse(
        access_token=access, refresh_token=refresh, expires_in=settings.access_token_ttl_s, tenant_id=tenant_id,
        device_id=device_id, server_time=utc_now(), device_secret=device_secret,
        user=UserInfo(id=user.id, username=user.username, display_name=user.display_name, role=Role(user.role),
                      provider_id=user.provider_id))


SESSION_OVER = ApiError(401, "session_expired", "Your session has ended; sign in again.")


def _tenant_of(token: str) -> UUID:
    try:
        return tokens.tenant_of(token)
    except tokens.MalformedToken as exc:
        raise ApiError(401, "invalid_token", "Sign in again: the token is not valid.") from exc


def _refuse_if_destroyed(db: Database, tenant_id: UUID) -> None:
    """403 ``practice_destroyed`` for a token of a practice destroyed at the end of its contract: its
    workstation wipes itself and confirms (medspa_api.data.destruction)."""
    with db.transaction(write=False) as conn:
        if destroyed.is_destroyed(conn, practice_id=tenant_id):
            raise destroyed.practice_destroyed()


def refresh_session(db: Database, *, request: RefreshRequest, origin: Origin, settings: Settings) -> TokenResponse:
    """Rotate a refresh token. Presenting one that was already rotated ends its whole family.

    Except for a retry: the answer to a rotation can be lost after the server committed, and the desk
    then presents the same token again. Within ``refresh_grace_s`` of that rotation, while the token it
    issued has never been used, the retry gets a fresh rotation and that unused successor is spent
    (presenting it later counts as reuse). Later, or once the successor was used, reuse ends the family.
    """
    tenant_id = _tenant_of(request.refresh_token)
    _refuse_if_destroyed(db, tenant_id)
    try:
        return _refresh(db, tenant_id=tenant_id, request=request, origin=origin, settings=settings)
    except _RefusedRefresh as refused:
        # The refresh rolled back; its refusal is audited on its own, with the person it belonged to.
        with db.transaction(tenant_id) as conn:
            buffer = AuditBuffer(origin=origin)
            buffer.record(actor_user_id=refused.user_id, device_id=refused.device_id,
                          action=AuditAction.SIGN_IN_FAILED, entity="session", entity_id=refused.session_id,
                          outcome="refused", detail=f"refresh: {refused.why}")
            flush(conn, tenant_id=tenant_id, buffer=buffer)
        raise refused.answer from None


class _RefusedRefresh(Exception):
    """A refresh refused for a reason that names its person (revoked workstation, ended session, leaver)."""

    def __init__(self, why: str, row: Any, answer: Exception) -> None:
        super().__init__(why)
        self.why, self.answer = why, answer
        self.user_id, self.device_id, self.session_id = row.user_id, row.device_id, row.session_id


def _refresh(db: Database, *, tenant_id: UUID, request: RefreshRequest, origin: Origin,
             settings: Settings) -> TokenResponse:
    now = utc_now()
    reused = False
    with db.transaction(tenant_id) as conn:
        # Locked (PostgreSQL; SQLite holds the write lock already): two racing rotations of one token
        # must not both see it unused.
        row = conn.execute(for_update(
            sa.select(t.tokens, t.sessions.c.user_id, t.sessions.c.device_id, t.sessions.c.ended_at,
                      t.sessions.c.created_at.label("session_created"), t.sessions.c.last_seen_at,
                      t.sessions.c.expires_at.label("session_expires"))
            .join(t.sessions, sa.and_(t.sessions.c.tenant_id == t.tokens.c.tenant_id,
                                      t.sessions.c.id == t.tokens.c.session_id))
            .where(t.tokens.c.tenant_id == tenant_id,
                   t.tokens.c.token_hash == tokens.token_hash(request.refresh_token),
                   t.tokens.c.kind == "refresh"))).first()
        if row is None or row.device_id != request.device_id:
            raise SESSION_OVER
        device = conn.execute(sa.select(t.devices.c.revoked_at, t.devices.c.secret_hash).where(
            t.devices.c.tenant_id == tenant_id, t.devices.c.id == row.device_id)).first()
        if device is not None and device.revoked_at is not None:
            raise _RefusedRefresh("workstation revoked", row, device_revoked())
        if row.ended_at is not None:
            raise _RefusedRefresh("session ended", row, SESSION_OVER)
        device_failure = device_proof(device.secret_hash if device else None, request.device_secret)
        proves_device = device is not None and device.secret_hash is not None
        buffer = AuditBuffer(origin=origin)
        if device_failure is not None:
            # A refresh token without the workstation's secret: refused, counted and audited like a sign-in.
            note_failure(conn, tenant_id=tenant_id, user_id=row.user_id, origin=origin, settings=settings,
                          outcome=device_failure, device_id=row.device_id, counted=True)
        elif row.used_at is not None and not _spend_unused_successor(conn, row=row, now=now, settings=settings,
                                                                   tenant_id=tenant_id):
            end_sessions(conn, tenant_id=tenant_id, reason="refresh_reuse", session_id=row.session_id)
            buffer.record(actor_user_id=row.user_id, device_id=row.device_id, action=AuditAction.SIGN_OUT,
                          entity="session", entity_id=row.session_id, outcome="refresh_reuse")
            flush(conn, tenant_id=tenant_id, buffer=buffer)
            reused = True
        else:
            session_expires = _check_session_limits(conn, row=row, now=now, tenant_id=tenant_id)
            user = conn.execute(sa.select(t.users).where(t.users.c.tenant_id == tenant_id,
                                                         t.users.c.id == row.user_id)).first()
            if user is None or not user.active:
                raise _RefusedRefresh("account disabled", row, SESSION_OVER)
            access, refresh = issue_tokens(conn, tenant_id=tenant_id, session_id=row.session_id, settings=settings,
                                           session_expires=session_expires)
            # A retry keeps the first rotation's time, so the grace never stretches past it.
            conn.execute(t.tokens.update().where(t.tokens.c.tenant_id == tenant_id,
                                                 t.tokens.c.token_hash == row.token_hash)
                         .values(used_at=row.used_at or now, replaced_by=tokens.token_hash(refresh)))
            seen: dict[str, object] = {"last_seen_at": now, "expires_at": session_expires}
            if proves_device:
                seen["device_proven"] = True
            conn.execute(t.sessions.update().where(t.sessions.c.tenant_id == tenant_id,
                                                   t.sessions.c.id == row.session_id).values(**seen))
    if device_failure is not None:
        raise INVALID_DEVICE_SECRET
    if reused:
        raise ApiError(401, "refresh_reused", "This sign-in was used from somewhere else, so it has been ended "
                       "for safety. Sign in again.")
    return token_response(user=user, tenant_id=tenant_id, device_id=row.device_id, access=access,
                           refresh=refresh, settings=settings)


def _spend_unused_successor(conn: Connection, *, row: sa.Row, now: datetime, settings: Settings,
                            tenant_id: UUID) -> bool:
    """For a token presented again: if this is a retry within the grace, spend its unused successor.

    The spent successor gets no successor of its own, so presenting it later is reuse. The access
    token issued with it ends now too: the retry means its answer never arrived, so whoever holds
    that access token is not this desk.
    """
    if row.replaced_by is None or now - as_utc(row.used_at) > timedelta(seconds=settings.refresh_grace_s):
        return False
    c = t.tokens.c
    spent = conn.execute(t.tokens.update().where(
        c.tenant_id == tenant_id, c.token_hash == row.replaced_by, c.kind == "refresh", c.used_at.is_(None))
        .values(used_at=now).returning(c.access_hash)).first()
    if spent is None:
        return False
    if spent.access_hash is not None:
        conn.execute(t.tokens.update().where(c.tenant_id == tenant_id, c.token_hash == spent.access_hash,
                                             c.kind == "access").values(expires_at=now))
        forget_cached_checks(conn)
    return True


def _check_session_limits(conn: Connection, *, row: sa.Row, now: datetime, tenant_id: UUID) -> datetime:
    """When the session ends under the practice's switch window as it is now; ended (401) if that has passed.

    The window counts from the sign-in with the code (``created_at``), so a manager who shortens it
    ends the sessions already older than the new window at their next refresh or request.
    """
    ends = as_utc(row.session_created) + timedelta(seconds=switch_window_s(conn, tenant_id=tenant_id))
    if ends <= now:
        end_sessions(conn, tenant_id=tenant_id, reason="switch_window", session_id=row.session_id)
        raise SESSION_OVER
    return ends


def authenticate(db: Database, *, token: str, origin: Origin, settings: Settings) -> Caller:
    """The caller behind an access token, or ApiError 401 (sign in again) / 403 device_revoked."""
    return check_access_token(db, token=token, origin=origin, settings=settings)[0]


# Built once: every request runs it, and building and keying the statement cost as much as running it.
_ACCESS_TOKEN_CHECK = (
    sa.select(t.tokens.c.expires_at, t.sessions.c.id.label("session_id"), t.sessions.c.user_id,
              t.sessions.c.device_id, t.sessions.c.ended_at, t.sessions.c.created_at.label("session_created"),
              t.sessions.c.last_seen_at,
              t.sessions.c.expires_at.label("session_expires"), t.sessions.c.device_proven,
              t.users.c.username, t.users.c.role,
              t.users.c.provider_id, t.users.c.active, t.devices.c.revoked_at)
    .select_from(t.tokens
                 .join(t.sessions, sa.and_(t.sessions.c.tenant_id == t.tokens.c.tenant_id,
                                           t.sessions.c.id == t.tokens.c.session_id))
                 .join(t.users, sa.and_(t.users.c.tenant_id == t.sessions.c.tenant_id,
                                        t.users.c.id == t.sessions.c.user_id))
                 .join(t.devices, sa.and_(t.devices.c.tenant_id == t.sessions.c.tenant_id,
                                          t.devices.c.id == t.sessions.c.device_id)))
    .where(t.tokens.c.tenant_id == sa.bindparam("tenant_id", type_=sa.Uuid),
           t.tokens.c.token_hash == sa.bindparam("token_hash", type_=sa.String), t.tokens.c.kind == "access"))


def check_access_token(db: Database, *, token: str, origin: Origin, settings: Settings) -> tuple[Caller, float]:
    """Like :func:`authenticate`, plus how many seconds until the token or its session expires."""
    tenant_id = _tenant_of(token)
    now = utc_now()
    with db.transaction(tenant_id, write=False) as conn:
        row = conn.execute(_ACCESS_TOKEN_CHECK, {"tenant_id": tenant_id, "token_hash": tokens.token_hash(token)}
                           ).first()
    if row is None:
        _refuse_if_destroyed(db, tenant_id)
        raise ApiError(401, "invalid_token", "Sign in again: the token is not valid or has ended.")
    if row.revoked_at is not None:
        raise device_revoked()
    if row.ended_at is not None or not row.active or as_utc(row.expires_at) <= now:
        raise SESSION_OVER
    session_ends = as_utc(row.session_expires)
    if (now - as_utc(row.last_seen_at)).total_seconds() > LAST_SEEN_GRANULARITY_S:
        with db.transaction(tenant_id) as conn:
            session_ends = _check_session_limits(conn, row=row, now=now, tenant_id=tenant_id)
            conn.execute(t.sessions.update().where(t.sessions.c.tenant_id == tenant_id,
                                                   t.sessions.c.id == row.session_id)
                         .values(last_seen_at=now, expires_at=session_ends))
    elif session_ends <= now:
        raise SESSION_OVER
    caller = Caller(tenant_id=tenant_id, user_id=row.user_id, username=row.username, role=Role(row.role),
                    provider_id=row.provider_id, device_id=row.device_id, session_id=row.session_id, origin=origin,
                    device_proven=bool(row.device_proven))
    ends = min(as_utc(row.expires_at), session_ends)
    return caller, (ends - now).total_seconds()


def sign_out(db: Database, *, caller: Caller) -> None:
    with db.transaction(caller.tenant_id) as conn:
        end_sessions(conn, tenant_id=caller.tenant_id, reason="signed_out", session_id=caller.session_id)
        buffer = caller.audit()
        buffer.record(actor_user_id=caller.user_id, device_id=caller.device_id, action=AuditAction.SIGN_OUT,
                      entity="session", entity_id=caller.session_id)
        flush(conn, tenant_id=caller.tenant_id, buffer=buffer)
