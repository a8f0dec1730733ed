"""Staff accounts: created with a checked password and an authenticator enrolment waiting for the person.

Nobody but the person sees their TOTP secret: a new account, or a manager's
re-enrolment, gets a pending secret (``totp_enrolment``) that is given out once,
to whoever signs in next with the account's password (``reveal_enrolment``), and
becomes the account's secret when a code from it is accepted
(``confirm_enrolment``). Until then the account's previous secret, if any, no
longer works: a re-enrolment is for a lost or replaced phone.
"""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from medspa_api.data.changes import ChangeLog
from medspa_api.db import tables as t
from medspa_api.db.database import after_commit
from medspa_api.security.passwords import check_new_password, hash_password
from medspa_api.security.token_cache import VALIDATED_TOKENS
from medspa_api.security.totp import new_secret
from medspa_desk.records import Role, User, new_id, utc_now


class UsernameTaken(ValueError):
    pass


def create_user(conn: Connection, *, tenant_id: UUID, tenant_name: str, username: str, display_name: str,
                role: Role, password: str, provider_id: UUID | None = None) -> User:
    """Create an account with its enrolment waiting; the password must pass the NIST rules (WeakPassword)."""
    check_new_password(password, username=username, tenant=tenant_name)
    user = User(id=new_id(), username=username, display_name=display_name, role=role, provider_id=provider_id)
    exists = conn.execute(sa.select(t.users.c.id).where(t.users.c.tenant_id == tenant_id,
                                                          t.users.c.username == user.username)).first()
    if exists:
        raise UsernameTaken(f"the username {username!r} is taken in this practice; choose another")
    # The account's own secret is one nobody holds until the enrolment is confirmed.
    conn.execute(t.users.insert().values(
        tenant_id=tenant_id, id=user.id, username=user.username, display_name=user.display_name,
        role=role.value, provider_id=provider_id, password_hash=hash_password(password), totp_secret=new_secret(),
        totp_enrolment=new_secret(), totp_last_counter=0, active=True, failed_logins=0, created_at=utc_now()))
    log = ChangeLog(conn, tenant_id)
    log.save(user, is_new=True)
    log.finish()
    return user


def start_enrolment(conn: Connection, *, tenant_id: UUID, user_id: UUID) -> bool:
    """A new authenticator for the account, waiting to be given out; the old one stops working now.

    The used-code mark starts again: no code of the new secret was ever used, and the person should not
    wait for the next 30-second step after their last sign-in with the old one.
    """
    u = t.users.c
    return bool(conn.execute(t.users.update().where(u.tenant_id == tenant_id, u.id == user_id).values(
        totp_secret=new_secret(), totp_enrolment=new_secret(), totp_enrolment_shown_at=None,
        totp_last_counter=0)).rowcount)


def reveal_enrolment(conn: Connection, *, tenant_id: UUID, user_id: UUID) -> str | None:
    """The waiting enrolment's secret, marked given out; None when there is none or it was given out already.

    One compare-and-set, so two racing callers cannot both receive it.
    """
    u = t.users.c
    return conn.execute(t.users.update().where(u.tenant_id == tenant_id, u.id == user_id,
                                               u.totp_enrolment.is_not(None), u.totp_enrolment_shown_at.is_(None))
                        .values(totp_enrolment_shown_at=utc_now()).returning(u.totp_enrolment)).scalar()


def confirm_enrolment(conn: Connection, *, tenant_id: UUID, user_id: UUID, secret: str, counter: int) -> bool:
    """Make the given-out enrolment the account's secret, spending the code of time step ``counter``."""
    u = t.users.c
    return conn.execute(t.users.update().where(
        u.tenant_id == tenant_id, u.id == user_id, u.totp_enrolment == secret,
        u.totp_enrolment_shown_at.is_not(None), u.totp_last_counter < counter,
    ).values(totp_secret=secret, totp_enrolment=None, totp_enrolment_shown_at=None,
             totp_last_counter=counter)).rowcount == 1


def change_password(conn: Connection, *, tenant_id: UUID, user_id: UUID, password: str, username: str,
                    tenant_name: str, keep_session: UUID) -> int:
    """Set a new (checked) password and end every other session of the account; how many ended."""
    check_new_password(password, username=username, tenant=tenant_name)
    conn.execute(t.users.update().where(t.users.c.tenant_id == tenant_id, t.users.c.id == user_id)
                 .values(password_hash=hash_password(password)))
    return end_sessions(conn, tenant_id=tenant_id, reason="password_changed", user_id=user_id,
                        except_session=keep_session)


def set_user_active(conn: Connection, *, tenant_id: UUID, user_id: UUID, active: bool) -> User | None:
    """Enable or disable an account; disabling ends every session of the user at once."""
    found = conn.execute(t.users.update().where(t.users.c.tenant_id == tenant_id, t.users.c.id == user_id)
                         .values(active=active)).rowcount
    if not found:
        return None
    if not active:
        end_sessions(conn, tenant_id=tenant_id, reason="user_disabled", user_id=user_id)
    log = ChangeLog(conn, tenant_id)
    current = User.from_json(log.get(user_id, entity="user") or {})
    updated = log.save(current.model_copy(update={"active": active, "version": current.version + 1,
                                                  "updated_at": utc_now()}))
    log.finish()
    return User.from_json(updated.to_json())


def set_user_role(conn: Connection, *, tenant_id: UUID, user_id: UUID, role: Role) -> bool:
    """Give the account another role; it applies at the person's next request (roles are read per request)."""
    found = conn.execute(t.users.update().where(t.users.c.tenant_id == tenant_id, t.users.c.id == user_id)
                         .values(role=role.value)).rowcount
    if not found:
        return False
    log = ChangeLog(conn, tenant_id)
    current = User.from_json(log.get(user_id, entity="user") or {})
    log.save(current.model_copy(update={"role": role, "version": current.version + 1, "updated_at": utc_now()}))
    log.finish()
    return True


def unlock_user(conn: Connection, *, tenant_id: UUID, user_id: UUID) -> bool:
    return bool(conn.execute(t.users.update().where(t.users.c.tenant_id == tenant_id, t.users.c.id == user_id)
                             .values(failed_logins=0, locked_until=None)).rowcount)


def list_users(conn: Connection, *, tenant_id: UUID) -> list[sa.Row]:
    return list(conn.execute(sa.select(t.users.c.id, t.users.c.username, t.users.c.display_name, t.users.c.role,
                                       t.users.c.provider_id, t.users.c.active, t.users.c.locked_until)
                             .where(t.users.c.tenant_id == tenant_id).order_by(t.users.c.username)))


def end_sessions(conn: Connection, *, tenant_id: UUID, reason: str, user_id: UUID | None = None,
                 device_id: UUID | None = None, session_id: UUID | None = None,
                 except_session: UUID | None = None) -> int:
    """End sessions at once: their tokens (access and refresh) stop working on the next request."""
    where = [t.sessions.c.tenant_id == tenant_id, t.sessions.c.ended_at.is_(None)]
    if user_id is not None:
        where.append(t.sessions.c.user_id == user_id)
    if device_id is not None:
        where.append(t.sessions.c.device_id == device_id)
    if session_id is not None:
        where.append(t.sessions.c.id == session_id)
    if except_session is not None:
        where.append(t.sessions.c.id != except_session)
    ids = list(conn.execute(sa.select(t.sessions.c.id).where(*where)).scalars())
    if not ids:
        return 0
    conn.execute(t.sessions.update().where(t.sessions.c.tenant_id == tenant_id, t.sessions.c.id.in_(ids))
                 .values(ended_at=utc_now(), end_reason=reason))
    # Cached token checks must not outlive the session: forget them now and again once this commits.
    VALIDATED_TOKENS.forget_all()
    after_commit(conn, VALIDATED_TOKENS.forget_all)
    # Token rows stay: a revoked workstation presenting one is told so (403 device_revoked), not just 401.
    return len(ids)
