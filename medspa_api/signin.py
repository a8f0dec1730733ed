"""Signing in: the password (and the authenticator code), an enrolment revealed once, a password re-checked.

Sessions, their refresh and the check of each request's token are in
:mod:`medspa_api.sessions`; failed sign-ins and lock-outs in
:mod:`medspa_api.sign_in_failures`; the workstation's proof in :mod:`medspa_api.device_proof`.

Password checks (Argon2id, deliberately slow) run outside any write
transaction, so a burst of sign-ins never holds the SQLite write lock.
An unknown practice, unknown user, disabled user and wrong password all get
the same answer after the same work.
"""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from medspa_api.audit_log import AuditBuffer, Origin, flush
from medspa_api.data import destroyed
from medspa_api.data.tenants import tenant_id_by_name
from medspa_api.data.users import confirm_enrolment, reveal_enrolment
from medspa_api.db import tables as t
from medspa_api.db.database import Database
from medspa_api.db.dialect import as_utc
from medspa_api.device_proof import refuse_device
from medspa_api.errors import ApiError, clock_skew
from medspa_api.security.passwords import verify_password
from medspa_api.security.totp import accepted_counter
from medspa_api.sessions import Caller, open_session, token_response
from medspa_api.settings import Settings
from medspa_api.sign_in_failures import check_address, note_failure, record_failure
from medspa_desk.protocol import (
    MAX_CLOCK_SKEW_S,
    LoginRequest,
    TokenResponse,
)
from medspa_desk.records import AuditAction, utc_now

# Also the answer for a locked account, whatever the password: anything else would tell a guesser which
# usernames exist and when a password is right. The message says so, so the person knows what to do.
INVALID = ApiError(401, "invalid_credentials", "The practice, username or password is not right, or the account "
                   "is locked after too many failed sign-ins. Check them and try again; if it still fails, wait "
                   "30 minutes or ask a manager to unlock the account.")


def _checked_password(db: Database, *, tenant: str, username: str, password: str, origin: Origin,
                      settings: Settings, device_id: UUID | None) -> tuple[UUID, sa.Row]:
    """The practice and account whose password this is, or INVALID (counted and audited)."""
    check_address(db, address=origin.address, settings=settings)
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
        record_failure(db, tenant_id=tenant_id, user=user, origin=origin, settings=settings,
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
    if request.device_id is not None and request.device_secret is not None:
        # A workstation of a practice destroyed at the end of its contract, signing in after everyone had
        # signed out (no token left to be refused): told so, it erases itself.
        with db.transaction(write=False) as conn:
            if destroyed.is_destroyed_workstation(conn, device_id=request.device_id,
                                                    secret=request.device_secret):
                raise destroyed.practice_destroyed()
    tenant_id, user = _checked_password(db, tenant=request.tenant, username=request.username,
                                        password=request.password, origin=origin, settings=settings,
                                        device_id=request.device_id)
    # An enrolment given out (but not yet confirmed) is the secret the person's codes now come from.
    enrolling = user.totp_enrolment is not None and user.totp_enrolment_shown_at is not None
    # Waiting to be given out: any code (from a lost phone's old secret, say) is beside the point.
    waiting = user.totp_enrolment is not None and not enrolling
    if request.totp is None or waiting:
        record_failure(db, tenant_id=tenant_id, user=user, origin=origin, settings=settings,
                        outcome="totp_enrolment_required" if waiting else "totp_required",
                        device_id=request.device_id, counted=False)
        raise ENROLMENT_REQUIRED if waiting else TOTP_REQUIRED
    secret = user.totp_enrolment if enrolling else user.totp_secret
    counter = accepted_counter(secret, request.totp, last_used_counter=user.totp_last_counter)
    if counter is None:
        record_failure(db, tenant_id=tenant_id, user=user, origin=origin, settings=settings,
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
            refusal, outcome = refuse_device(conn, tenant_id=tenant_id, device_id=request.device_id,
                                              secret=request.device_secret)
        if refusal is not None:
            # The code stays spent: a refused sign-in must not leave it usable for another try.
            note_failure(conn, tenant_id=tenant_id, user_id=user.id, origin=origin, settings=settings,
                          outcome=outcome, device_id=request.device_id, counted=outcome != "device_revoked")
        else:
            access, refresh, device = open_session(conn, tenant_id=tenant_id, user=user, request=request,
                                                    origin=origin, settings=settings, enrolled=enrolling)
    if refusal is not None:
        raise refusal
    return token_response(user=user, tenant_id=tenant_id, device_id=device.id, access=access, refresh=refresh,
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
        note_failure(conn, tenant_id=caller.tenant_id, user_id=caller.user_id, origin=caller.origin,
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



