"""Staff accounts: created with a checked password and an enrolled TOTP secret."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class NewUser:
    user: User
    totp_secret: str


def create_user(conn: Connection, *, tenant_id: UUID, tenant_name: str, username: str, display_name: str,
                role: Role, password: str, provider_id: UUID | None = None,
                totp_secret: str | None = None) -> NewUser:
    """Create an account; the password must pass the NIST rules (WeakPassword otherwise)."""
    check_new_password(password, username=username, tenant=tenant_name)
    user = User(id=new_id(), username=username, display_name=display_name, role=role, provider_id=provider_id)
    exists = conn.execute(sa.select(t.users.c.id).where(t.users.c.tenant_id == tenant_id,
                                                          t.users.c.username == user.username)).first()
    if exists:
        raise UsernameTaken(f"the username {username!r} is taken in this practice; choose another")
    secret = totp_secret or new_secret()
    conn.execute(t.users.insert().values(
        tenant_id=tenant_id, id=user.id, username=user.username, display_name=user.display_name,
        role=role.value, provider_id=provider_id, password_hash=hash_password(password), totp_secret=secret,
        totp_last_counter=0, active=True, failed_logins=0, created_at=utc_now()))
    log = ChangeLog(conn, tenant_id)
    log.save(user, is_new=True)
    log.finish()
    return NewUser(user=user, totp_secret=secret)


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


def unlock_user(conn: Connection, *, tenant_id: UUID, user_id: UUID) -> bool:
    return bool(conn.execute(t.users.update().where(t.users.c.tenant_id == tenant_id, t.users.c.id == user_id)
                             .values(failed_logins=0, locked_until=None)).rowcount)


def list_users(conn: Connection, *, tenant_id: UUID) -> list[sa.Row]:
    return list(conn.execute(sa.select(t.users.c.id, t.users.c.username, t.users.c.display_name, t.users.c.role,
                                       t.users.c.provider_id, t.users.c.active, t.users.c.locked_until)
                             .where(t.users.c.tenant_id == tenant_id).order_by(t.users.c.username)))


def end_sessions(conn: Connection, *, tenant_id: UUID, reason: str, user_id: UUID | None = None,
                 device_id: UUID | None = None, session_id: UUID | None = None) -> int:
    """End sessions at once: their tokens stop working on the next request."""
    where = [t.sessions.c.tenant_id == tenant_id, t.sessions.c.ended_at.is_(None)]
    if user_id is not None:
        where.append(t.sessions.c.user_id == user_id)
    if device_id is not None:
        where.append(t.sessions.c.device_id == device_id)
    if session_id is not None:
        where.append(t.sessions.c.id == session_id)
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
