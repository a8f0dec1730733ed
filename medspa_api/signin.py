"""Sign-in, token refresh, sign-out and checking a bearer token on each request.

Password checks (Argon2id, deliberately slow) run outside any write
transaction, so a burst of sign-ins never holds the SQLite write lock.
An unknown practice, unknown user, disabled user and wrong password all get
the same answer after the same work.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from medspa_api.audit_log import AuditBuffer, Origin, flush
from medspa_api.data.tenants import tenant_id_by_name
from medspa_api.data.users import confirm_enrolment, end_sessions, reveal_enrolment
from medspa_api.db import tables as t
from medspa_api.db.database import Database
from medspa_api.db.dialect import as_utc, for_update, insert_ignoring_duplicates
from medspa_api.errors import ApiError, clock_skew
from medspa_api.security import tokens
from medspa_api.security.passwords import verify_password
from medspa_api.security.token_cache import forget_cached_checks
from medspa_api.security.totp import accepted_counter
from medspa_api.settings import Settings
from medspa_desk.protocol import (
    MAX_CLOCK_SKEW_S,
    LoginRequest,
    RefreshRequest,
    TokenResponse,
    UserInfo,
)
from medspa_desk.records import AuditAction, Role, new_id, utc_now

# Also the answer for a locked account, whatever the password: anything else would tell a guesser which
# usernames exist and when a password is right. The message says so, so the person knows what to do.
INVALID = ApiError(401, "invalid_credentials", "The practice, username or password is not right, or the account "
                   "is locked after too many failed sign-ins. Check them and try again; if it still fails, wait "
                   "30 minutes or ask a manager to unlock the account.")
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


def _record_failure(db: Database, *, tenant_id: UUID | None, user: sa.Row | None, origin: Origin,
                    settings: Settings, outcome: str, device_id: UUID | None, counted: bool = True) -> None:
    with db.transaction(tenant_id) as conn:
        _note_failure(conn, tenant_id=tenant_id, user_id=user.id if user is not None else None, origin=origin,
                      settings=settings, outcome=outcome, device_id=device_id, counted=counted)


def _note_failure(conn: Connection, *, tenant_id: UUID | None, user_id: UUID | None, origin: Origin,
                  settings: Settings, outcome: str, device_id: UUID | None, counted: bool) -> None:
    """Count a refused sign-in against the address (always) and the account (when ``counted``); audit it.

    The audit row carries the account the attempt named whenever it exists in the practice, also when
    it is locked or disabled, so a manager sees every attempt on it.
    """
    now = utc_now()
    _count_address_failure(conn, address=origin.address, settings=settings, now=now)
    if tenant_id is None:
        return
    if user_id is not None and counted:
        _count_user_failure(conn, tenant_id=tenant_id, user_id=user_id, settings=settings, now=now)
    buffer = AuditBuffer(origin=origin)
    buffer.record(actor_user_id=user_id, device_id=device_id, action=AuditAction.SIGN_IN_FAILED, entity="user",
                  entity_id=user_id, outcome=outcome)
    flush(conn, tenant_id=tenant_id, buffer=buffer)


def _count_user_failure(conn: Connection, *, tenant_id: UUID, user_id: UUID, settings: Settings,
                        now: datetime) -> None:
    """One more failure, counted by the database itself, locking (or extending the lock) from the count on.

    The row read before the (slow) password check is stale by now: parallel
    guesses computing ``read + 1`` would overwrite each other and never reach
    the lockout count. The increment and the count it returns are one statement.
    Failures while locked count too, and each one sets the lock again from now,
    doubling with every failure past the count (per-account backoff), up to
    ``lockout_max_s``: guessing on a locked account only keeps it locked longer.
    """
    u = t.users.c
    failures = conn.execute(t.users.update().where(u.tenant_id == tenant_id, u.id == user_id)
                            .values(failed_logins=u.failed_logins + 1).returning(u.failed_logins)).scalar()
    if failures is not None and failures >= settings.lockout_after_failures:
        conn.execute(t.users.update().where(u.tenant_id == tenant_id, u.id == user_id)
                     .values(locked_until=now + timedelta(seconds=lock_duration_s(failures, settings))))


def lock_duration_s(failures: int, settings: Settings) -> int:
    """How long the account stays locked after its ``failures``-th failure in a row."""
    doublings = min(failures - settings.lockout_after_failures, 16)
    return min(settings.lockout_s * 2 ** doublings, settings.lockout_max_s)


def _count_address_failure(conn: Connection, *, address: str, settings: Settings, now: datetime) -> None:
    """Count a failure from ``address`` in its window, atomically (a new window once the old one is over)."""
    a = t.address_throttle.c
    insert_ignoring_duplicates(conn, t.address_throttle, [{"address": address, "window_start": now, "failures": 0}])
    window_over = a.window_start < now - timedelta(seconds=settings.address_window_s)
    conn.execute(t.address_throttle.update().where(a.address == address).values(
        failures=sa.case((window_over, 1), else_=a.failures + 1),
        window_start=sa.case((window_over, now), else_=a.window_start)))


def _check_address(db: Database, *, address: str, settings: Settings) -> None:
    with db.transaction(write=False) as conn:
        row = conn.execute(sa.select(t.address_throttle).where(t.address_throttle.c.address == address)).first()
    if row is None:
        return
    window_ends = as_utc(row.window_start) + timedelta(seconds=settings.address_window_s)
    if row.failures >= settings.address_max_failures and window_ends > utc_now():
        wait = int((window_ends - utc_now()).total_seconds()) + 1
        raise ApiError(429, "too_many_attempts",
                       f"Too many failed sign-ins from this computer; try again in {max(1, wait // 60)} minutes.",
                       headers={"Retry-After": str(wait)})


def _checked_password(db: Database, *, tenant: str, username: str, password: str, origin: Origin,
                      settings: Settings, device_id: UUID | None) -> tuple[UUID, sa.Row]:
    """The practice and account whose password this is, or INVALID (counted and audited)."""
    _check_address(db, address=origin.address, settings=settings)
    with db.transaction(write=False) as conn:
        tenant_id = tenant_id_by_name(conn, name=tenant)
    user = None
    if tenant_id is not None:
        with db.transaction(tenant_id, write=False) as conn:
            user = conn.execute(sa.select(t.users).where(t.users.c.tenant_id == tenant_id,
                                                         t.users.c.username == username)).first()
    # The password is checked first even on a locked account, and a locked account answers exactly like a
    # wrong password, whichever password was given: "locked" would tell a guesser the username exists,
    # and a different answer to the right password would tell them they found it.
    password_ok = verify_password(password, user.password_hash if user is not None else None)
    locked = user is not None and user.locked_until is not None and as_utc(user.locked_until) > utc_now()
    if user is None or not password_ok or not user.active or locked:
        outcome = ("unknown_user" if user is None else "wrong_password" if not password_ok
                   else "disabled" if not user.active else "locked")
        # A wrong password counts (and extends a lock); the right one on a locked or disabled account does
        # not keep its owner out longer. Both are refused the same way and audited with the account.
        _record_failure(db, tenant_id=tenant_id, user=user, origin=origin, settings=settings,
                        outcome=outcome + ("_while_locked" if locked and outcome == "wrong_password" else ""),
                        device_id=device_id, counted=outcome == "wrong_password")
        raise INVALID
    assert tenant_id is not None
    return tenant_id, user


TOTP_REQUIRED = ApiError(401, "totp_required", "Enter the 6-digit code from your authenticator app.")
ENROLMENT_REQUIRED = ApiError(401, "totp_enrolment_required", "This account's authenticator app is not set up "
                              "yet. Set it up with the code you are given once after your password (ask a manager "
                              "if you need help), then sign in with the 6-digit code it shows.")


def sign_in(db: Database, *, request: LoginRequest, origin: Origin, settings: Settings) -> TokenResponse:
    now = utc_now()
    if request.client_time is not None and (error := clock_skew(request.client_time, now, MAX_CLOCK_SKEW_S)):
        raise error
    tenant_id, user = _checked_password(db, tenant=request.tenant, username=request.username,
                                        password=request.password, origin=origin, settings=settings,
                                        device_id=request.device_id)
    # An enrolment given out (but not yet confirmed) is the secret the person's codes now come from.
    enrolling = user.totp_enrolment is not None and user.totp_enrolment_shown_at is not None
    # Waiting to be given out: any code (from a lost phone's old secret, say) is beside the point.
    waiting = user.totp_enrolment is not None and not enrolling
    if request.totp is None or waiting:
        _record_failure(db, tenant_id=tenant_id, user=user, origin=origin, settings=settings,
                        outcome="totp_enrolment_required" if waiting else "totp_required",
                        device_id=request.device_id, counted=False)
        raise ENROLMENT_REQUIRED if waiting else TOTP_REQUIRED
    secret = user.totp_enrolment if enrolling else user.totp_secret
    counter = accepted_counter(secret, request.totp, last_used_counter=user.totp_last_counter)
    if counter is None:
        _record_failure(db, tenant_id=tenant_id, user=user, origin=origin, settings=settings,
                        outcome="wrong_totp", device_id=request.device_id)
        raise WRONG_TOTP
    refusal: ApiError | None = None
    with db.transaction(tenant_id) as conn:
        if enrolling:
            spent = confirm_enrolment(conn, tenant_id=tenant_id, user_id=user.id, secret=secret, counter=counter)
        else:
            spent = spend_totp_code(conn, tenant_id=tenant_id, user_id=user.id, counter=counter)
        if not spent:
            refusal, outcome = WRONG_TOTP, "totp_reused"
        else:
            refusal, outcome = _refuse_device(conn, tenant_id=tenant_id, device_id=request.device_id,
                                              secret=request.device_secret)
        if refusal is not None:
            # The code stays spent: a refused sign-in must not leave it usable for another try.
            _note_failure(conn, tenant_id=tenant_id, user_id=user.id, origin=origin, settings=settings,
                          outcome=outcome, device_id=request.device_id, counted=outcome != "device_revoked")
        else:
            access, refresh, device = _open_session(conn, tenant_id=tenant_id, user=user, request=request,
                                                    origin=origin, settings=settings, enrolled=enrolling)
    if refusal is not None:
        raise refusal
    return _token_response(user=user, tenant_id=tenant_id, device_id=device.id, access=access, refresh=refresh,
                           settings=settings, device_secret=device.new_secret)


def reveal_enrolment_once(db: Database, *, tenant: str, username: str, password: str, origin: Origin,
                          settings: Settings) -> tuple[str, sa.Row]:
    """The waiting authenticator secret, to the person signing in with the account's password; once.

    ApiError 409 ``no_enrolment`` when none is waiting or it was given out already (a manager starts a
    new one); INVALID for a wrong password, like sign-in. Audited either way.
    """
    tenant_id, user = _checked_password(db, tenant=tenant, username=username, password=password, origin=origin,
                                        settings=settings, device_id=None)
    with db.transaction(tenant_id) as conn:
        secret = reveal_enrolment(conn, tenant_id=tenant_id, user_id=user.id)
        buffer = AuditBuffer(origin=origin)
        buffer.record(actor_user_id=user.id, device_id=None, action=AuditAction.UPDATE, entity="user",
                      entity_id=user.id, detail="totp_enrolment_given_out",
                      outcome="ok" if secret else "no_enrolment")
        flush(conn, tenant_id=tenant_id, buffer=buffer)
    if secret is None:
        raise ApiError(409, "no_enrolment", "There is no authenticator set-up waiting for this account, or it "
                       "was already shown once. Ask a manager to start a new one.")
    return secret, user


def check_current_password(db: Database, *, caller: Caller, password: str, settings: Settings) -> None:
    """ApiError 403 ``wrong_password`` unless ``password`` is the caller's (a failure counted and audited)."""
    with db.transaction(caller.tenant_id, write=False) as conn:
        stored = conn.execute(sa.select(t.users.c.password_hash).where(
            t.users.c.tenant_id == caller.tenant_id, t.users.c.id == caller.user_id)).scalar()
    if verify_password(password, stored):
        return
    with db.transaction(caller.tenant_id) as conn:
        _note_failure(conn, tenant_id=caller.tenant_id, user_id=caller.user_id, origin=caller.origin,
                      settings=settings, outcome="wrong_current_password", device_id=caller.device_id, counted=True)
    raise ApiError(403, "wrong_password", "The current password is not right, so the password was not changed. "
                   "Type your current password again.")


WRONG_TOTP = ApiError(401, "invalid_totp", "That code is wrong or was already used; wait for the next code "
                      "in your authenticator app and try again.")


def spend_totp_code(conn: Connection, *, tenant_id: UUID, user_id: UUID, counter: int) -> bool:
    """Mark the code of time step ``counter`` used; False if it (or a later one) already was.

    One compare-and-set statement: racing sign-ins with one code cannot both see it unused, whatever the
    isolation level (a SELECT then UPDATE let two through on PostgreSQL under READ COMMITTED).
    """
    u = t.users.c
    return conn.execute(t.users.update().where(u.tenant_id == tenant_id, u.id == user_id,
                                               u.totp_last_counter < counter)
                        .values(totp_last_counter=counter)).rowcount == 1


def _open_session(conn: Connection, *, tenant_id: UUID, user: sa.Row, request: LoginRequest, origin: Origin,
                  settings: Settings, enrolled: bool) -> tuple[str, str, SignedInDevice]:
    now = utc_now()
    conn.execute(t.users.update().where(t.users.c.tenant_id == tenant_id, t.users.c.id == user.id)
                 .values(failed_logins=0, locked_until=None))
    buffer = AuditBuffer(origin=origin)
    device = _register_device(conn, tenant_id=tenant_id, user_id=user.id, device_id=request.device_id,
                              secret=request.device_secret, name=request.device_name, buffer=buffer)
    session_id = new_id()
    conn.execute(t.sessions.insert().values(
        tenant_id=tenant_id, id=session_id, user_id=user.id, device_id=device.id, created_at=now,
        last_seen_at=now, expires_at=now + timedelta(seconds=settings.session_absolute_s),
        device_proven=device.proven))
    access, refresh = _issue_tokens(conn, tenant_id=tenant_id, session_id=session_id, settings=settings)
    if enrolled:
        buffer.record(actor_user_id=user.id, device_id=device.id, action=AuditAction.UPDATE, entity="user",
                      entity_id=user.id, detail="totp_enrolment_confirmed")
    buffer.record(actor_user_id=user.id, device_id=device.id, action=AuditAction.SIGN_IN, entity="user",
                  entity_id=user.id)
    flush(conn, tenant_id=tenant_id, buffer=buffer)
    return access, refresh, device


@dataclass(frozen=True)
class SignedInDevice:
    id: UUID
    proven: bool  # registered just now, or the caller showed its secret
    new_secret: str | None  # issued now: sent once in the TokenResponse, kept only as a hash


INVALID_DEVICE_SECRET = ApiError(401, "invalid_device_secret", "This workstation could not prove it is the one "
                                 "registered under its id. Ask a manager to revoke it and set it up again.")


def _device_proof(stored_hash: str | None, presented: str | None) -> str | None:
    """Why ``presented`` does not prove a device whose secret hash is ``stored_hash``; None when it does.

    A device registered before secrets existed (no hash) has nothing to prove: see _register_device.
    """
    if stored_hash is None:
        return None
    if presented is None:
        return "device_secret_missing"
    if not hmac.compare_digest(stored_hash, tokens.token_hash(presented)):
        return "device_secret_wrong"
    return None


def _refuse_device(conn: Connection, *, tenant_id: UUID, device_id: UUID | None,
                   secret: str | None) -> tuple[ApiError | None, str]:
    """The refusal (and its audit outcome) for signing in on ``device_id`` with ``secret``, or (None, "ok")."""
    if device_id is None:
        return None, "ok"
    row = conn.execute(sa.select(t.devices.c.revoked_at, t.devices.c.secret_hash)
                       .where(t.devices.c.tenant_id == tenant_id, t.devices.c.id == device_id)).first()
    if row is None:
        return None, "ok"
    if row.revoked_at is not None:
        return device_revoked(), "device_revoked"
    failure = _device_proof(row.secret_hash, secret)
    return (INVALID_DEVICE_SECRET, failure) if failure else (None, "ok")


def _register_device(conn: Connection, *, tenant_id: UUID, user_id: UUID, device_id: UUID | None,
                     secret: str | None, name: str, buffer: AuditBuffer) -> SignedInDevice:
    """The device signed in on: an existing one (proven only by its secret) or a new registration.

    A registered device must show its secret (checked by _refuse_device before this). A device
    registered before secrets existed has none to show: its sessions are unproven (no escrow, no desk
    audit events kept) until it gets one, at the next sign-in of the user who registered it; that
    session is still unproven, it only binds the device id to the secret from then on.
    """
    if device_id is not None:
        row = conn.execute(sa.select(t.devices.c.revoked_at, t.devices.c.secret_hash, t.devices.c.registered_by)
                           .where(t.devices.c.tenant_id == tenant_id, t.devices.c.id == device_id)).first()
        if row is not None:
            if row.revoked_at is not None:
                raise device_revoked()
            # _refuse_device let it through: its secret was shown, or it never had one.
            proven = row.secret_hash is not None
            issued = None
            if row.secret_hash is None and row.registered_by == user_id:
                issued = secrets.token_urlsafe(32)
                conn.execute(t.devices.update().where(t.devices.c.tenant_id == tenant_id, t.devices.c.id == device_id)
                             .values(secret_hash=tokens.token_hash(issued)))
            return SignedInDevice(device_id, proven, issued)
    device_id = device_id or new_id()
    issued = secrets.token_urlsafe(32)
    conn.execute(t.devices.insert().values(tenant_id=tenant_id, id=device_id, name=name, registered_by=user_id,
                                           registered_at=utc_now(), secret_hash=tokens.token_hash(issued)))
    buffer.record(actor_user_id=user_id, device_id=device_id, action=AuditAction.DEVICE, entity="device",
                  entity_id=device_id, detail="registered")
    return SignedInDevice(device_id, True, issued)


def device_revoked() -> ApiError:
    return ApiError(403, "device_revoked", "This workstation has been revoked by the practice; its local data "
                    "will be erased. Ask a manager to set it up again.")


def _issue_tokens(conn: Connection, *, tenant_id: UUID, session_id: UUID, settings: Settings) -> tuple[str, str]:
    now = utc_now()
    access, refresh = tokens.new_token(tenant_id), tokens.new_token(tenant_id)
    access_hash = tokens.token_hash(access)
    conn.execute(t.tokens.insert(), [
        {"tenant_id": tenant_id, "token_hash": access_hash, "session_id": session_id,
         "kind": "access", "expires_at": now + timedelta(seconds=settings.access_token_ttl_s), "access_hash": None},
        {"tenant_id": tenant_id, "token_hash": tokens.token_hash(refresh), "session_id": session_id,
         "kind": "refresh", "expires_at": now + timedelta(seconds=settings.session_absolute_s),
         "access_hash": access_hash},
    ])
    return access, refresh


def _token_response(*, user: sa.Row, tenant_id: UUID, device_id: UUID, access: str, refresh: str,
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


def refresh_session(db: Database, *, request: RefreshRequest, origin: Origin, settings: Settings) -> TokenResponse:
    """Rotate a refresh token. Presenting one that was already rotated ends its whole family.

    Except for a retry: the answer to a rotation can be lost after the server committed, and the desk
    then presents the same token again. Within ``refresh_grace_s`` of that rotation, while the token it
    issued has never been used, the retry gets a fresh rotation and that unused successor is spent
    (presenting it later counts as reuse). Later, or once the successor was used, reuse ends the family.
    """
    tenant_id = _tenant_of(request.refresh_token)
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
                      t.sessions.c.last_seen_at, t.sessions.c.expires_at.label("session_expires"))
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
        device_failure = _device_proof(device.secret_hash if device else None, request.device_secret)
        proves_device = device is not None and device.secret_hash is not None
        buffer = AuditBuffer(origin=origin)
        if device_failure is not None:
            # A refresh token without the workstation's secret: refused, counted and audited like a sign-in.
            _note_failure(conn, tenant_id=tenant_id, user_id=row.user_id, origin=origin, settings=settings,
                          outcome=device_failure, device_id=row.device_id, counted=True)
        elif row.used_at is not None and not _spend_unused_successor(conn, row=row, now=now, settings=settings,
                                                                   tenant_id=tenant_id):
            end_sessions(conn, tenant_id=tenant_id, reason="refresh_reuse", session_id=row.session_id)
            buffer.record(actor_user_id=row.user_id, device_id=row.device_id, action=AuditAction.SIGN_OUT,
                          entity="session", entity_id=row.session_id, outcome="refresh_reuse")
            flush(conn, tenant_id=tenant_id, buffer=buffer)
            reused = True
        else:
            _check_session_limits(conn, row=row, now=now, settings=settings, tenant_id=tenant_id)
            user = conn.execute(sa.select(t.users).where(t.users.c.tenant_id == tenant_id,
                                                         t.users.c.id == row.user_id)).first()
            if user is None or not user.active:
                raise _RefusedRefresh("account disabled", row, SESSION_OVER)
            access, refresh = _issue_tokens(conn, tenant_id=tenant_id, session_id=row.session_id, settings=settings)
            # A retry keeps the first rotation's time, so the grace never stretches past it.
            conn.execute(t.tokens.update().where(t.tokens.c.tenant_id == tenant_id,
                                                 t.tokens.c.token_hash == row.token_hash)
                         .values(used_at=row.used_at or now, replaced_by=tokens.token_hash(refresh)))
            seen: dict[str, object] = {"last_seen_at": now}
            if proves_device:
                seen["device_proven"] = True
            conn.execute(t.sessions.update().where(t.sessions.c.tenant_id == tenant_id,
                                                   t.sessions.c.id == row.session_id).values(**seen))
    if device_failure is not None:
        raise INVALID_DEVICE_SECRET
    if reused:
        raise ApiError(401, "refresh_reused", "This sign-in was used from somewhere else, so it has been ended "
                       "for safety. Sign in again.")
    return _token_response(user=user, tenant_id=tenant_id, device_id=row.device_id, access=access,
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


def _check_session_limits(conn: Connection, *, row: sa.Row, now: datetime, settings: Settings,
                          tenant_id: UUID) -> None:
    idle = now - as_utc(row.last_seen_at) > timedelta(seconds=settings.session_idle_s)
    if idle or as_utc(row.session_expires) <= now:
        end_sessions(conn, tenant_id=tenant_id, reason="idle" if idle else "absolute_limit",
                     session_id=row.session_id)
        raise SESSION_OVER


def authenticate(db: Database, *, token: str, origin: Origin, settings: Settings) -> Caller:
    """The caller behind an access token, or ApiError 401 (sign in again) / 403 device_revoked."""
    return check_access_token(db, token=token, origin=origin, settings=settings)[0]


# Built once: every request runs it, and building and keying the statement cost as much as running it.
_ACCESS_TOKEN_CHECK = (
    sa.select(t.tokens.c.expires_at, t.sessions.c.id.label("session_id"), t.sessions.c.user_id,
              t.sessions.c.device_id, t.sessions.c.ended_at, t.sessions.c.last_seen_at,
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
        raise ApiError(401, "invalid_token", "Sign in again: the token is not valid or has ended.")
    if row.revoked_at is not None:
        raise device_revoked()
    if row.ended_at is not None or not row.active or as_utc(row.expires_at) <= now:
        raise SESSION_OVER
    if (now - as_utc(row.last_seen_at)).total_seconds() > LAST_SEEN_GRANULARITY_S:
        with db.transaction(tenant_id) as conn:
            _check_session_limits(conn, row=row, now=now, settings=settings, tenant_id=tenant_id)
            conn.execute(t.sessions.update().where(t.sessions.c.tenant_id == tenant_id,
                                                   t.sessions.c.id == row.session_id).values(last_seen_at=now))
    elif as_utc(row.session_expires) <= now:
        raise SESSION_OVER
    caller = Caller(tenant_id=tenant_id, user_id=row.user_id, username=row.username, role=Role(row.role),
                    provider_id=row.provider_id, device_id=row.device_id, session_id=row.session_id, origin=origin,
                    device_proven=bool(row.device_proven))
    ends = min(as_utc(row.expires_at), as_utc(row.session_expires))
    return caller, (ends - now).total_seconds()


def sign_out(db: Database, *, caller: Caller) -> None:
    with db.transaction(caller.tenant_id) as conn:
        end_sessions(conn, tenant_id=caller.tenant_id, reason="signed_out", session_id=caller.session_id)
        buffer = caller.audit()
        buffer.record(actor_user_id=caller.user_id, device_id=caller.device_id, action=AuditAction.SIGN_OUT,
                      entity="session", entity_id=caller.session_id)
        flush(conn, tenant_id=caller.tenant_id, buffer=buffer)
