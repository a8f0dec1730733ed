"""Staff accounts, for managers and admins: create, list, disable, enable, unlock, re-enrol, change a role.

A manager never sees anyone's authenticator secret: creating an account or
starting a re-enrolment leaves one waiting, which the person receives once at
their next sign-in with their password (``POST /auth/enrolment``).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import sqlalchemy as sa
from fastapi import APIRouter, Depends

from medspa_api.api.deps import DatabaseDep, requires
from medspa_api.api.routes import ERRORS
from medspa_api.api.routing import TextSafeRoute
from medspa_api.api.schemas import NewUserAnswer, NewUserRequest, RoleChange, UserSummary, WaitingOn
from medspa_api.audit_log import flush
from medspa_api.data import devices, users
from medspa_api.db import tables as t
from medspa_api.db.database import Database
from medspa_api.db.dialect import as_utc
from medspa_api.errors import ApiError, not_found
from medspa_api.permissions import Action
from medspa_api.security.passwords import WeakPassword
from medspa_api.sessions import Caller
from medspa_desk.records import AuditAction, Role, utc_now

router = APIRouter(prefix="/users", tags=["users"], responses=ERRORS, route_class=TextSafeRoute)
Manager = Annotated[Caller, Depends(requires(Action.USER_MANAGE))]
Lister = Annotated[Caller, Depends(requires(Action.USER_LIST))]


def _summary(row: sa.Row) -> UserSummary:
    locked = row.locked_until is not None and as_utc(row.locked_until) > utc_now()
    return UserSummary(id=row.id, username=row.username, display_name=row.display_name, role=Role(row.role),
                       provider_id=row.provider_id, active=row.active, locked=locked)


def _tenant_name(conn: sa.Connection, tenant_id: UUID) -> str:
    return conn.execute(sa.select(t.tenants.c.name).where(t.tenants.c.id == tenant_id)).scalar() or ""


@router.get("", response_model=list[UserSummary])
def list_users(caller: Lister, db: DatabaseDep) -> list[UserSummary]:
    with db.transaction(caller.tenant_id, write=False) as conn:
        return [_summary(row) for row in users.list_users(conn, tenant_id=caller.tenant_id)]


@router.post("", response_model=NewUserAnswer, status_code=201)
def create_user(body: NewUserRequest, caller: Manager, db: DatabaseDep) -> NewUserAnswer:
    if body.role is Role.ADMIN and caller.role is not Role.ADMIN:
        _record_refusal(db, caller, detail="create_admin")
        raise ApiError(403, "forbidden", "Only an admin may create another admin.")
    try:
        return _create(body, caller, db)
    except WeakPassword as exc:
        refusal = ApiError(422, "weak_password", str(exc))
    except users.UsernameTaken as exc:
        refusal = ApiError(409, "username_taken", str(exc))
    # The creation rolled back; its refusal is recorded on its own (the reason's code, never the password).
    _record_refusal(db, caller, detail=refusal.code, action=AuditAction.CREATE, outcome="refused")
    raise refusal


def _create(body: NewUserRequest, caller: Caller, db: Database) -> NewUserAnswer:
    with db.transaction(caller.tenant_id) as conn:
        tenant = _tenant_name(conn, caller.tenant_id)
        made = users.create_user(conn, tenant_id=caller.tenant_id, tenant_name=tenant, username=body.username,
                                 display_name=body.display_name, role=body.role, password=body.password,
                                 provider_id=body.provider_id)
        buffer = caller.audit()
        buffer.record(actor_user_id=caller.user_id, device_id=caller.device_id, action=AuditAction.CREATE,
                      entity="user", entity_id=made.id)
        flush(conn, tenant_id=caller.tenant_id, buffer=buffer)
        row = conn.execute(sa.select(t.users).where(t.users.c.tenant_id == caller.tenant_id,
                                                    t.users.c.id == made.id)).one()
    return NewUserAnswer(user=_summary(row))


def _record_refusal(db: Database, caller: Caller, *, detail: str, user_id: UUID | None = None,
                    action: AuditAction = AuditAction.ACCESS_DENIED, outcome: str = "forbidden") -> None:
    with db.transaction(caller.tenant_id) as conn:
        buffer = caller.audit()
        buffer.record(actor_user_id=caller.user_id, device_id=caller.device_id, action=action,
                      entity="user", entity_id=user_id, outcome=outcome, detail=detail)
        flush(conn, tenant_id=caller.tenant_id, buffer=buffer)


def _change(caller: Caller, db, user_id: UUID, detail: str, change) -> UserSummary:
    with db.transaction(caller.tenant_id) as conn:
        target = conn.execute(sa.select(t.users.c.role).where(t.users.c.tenant_id == caller.tenant_id,
                                                              t.users.c.id == user_id)).scalar()
        if target is None:
            raise not_found("user")
        # Only admins create admins; likewise only an admin may disable, enable or unlock one.
        denied = target == Role.ADMIN.value and caller.role is not Role.ADMIN
        if not denied and not change(conn):
            raise not_found("user")
        buffer = caller.audit()
        buffer.record(actor_user_id=caller.user_id, device_id=caller.device_id,
                      action=AuditAction.ACCESS_DENIED if denied else AuditAction.UPDATE, entity="user",
                      entity_id=user_id, outcome="forbidden" if denied else "ok", detail=detail)
        flush(conn, tenant_id=caller.tenant_id, buffer=buffer)
        row = conn.execute(sa.select(t.users).where(t.users.c.tenant_id == caller.tenant_id,
                                                    t.users.c.id == user_id)).one()
    if denied:
        raise ApiError(403, "forbidden", "Only an admin may disable, enable, unlock, re-enrol or change the role "
                                         "of an admin account.")
    return _summary(row)


@router.post("/{user_id}/disable", response_model=UserSummary)
def disable_user(user_id: UUID, caller: Manager, db: DatabaseDep) -> UserSummary:
    """Disable the account and end all its sessions at once; say where changes of theirs still wait."""
    summary = _change(caller, db, user_id, "disabled", lambda conn: users.set_user_active(
        conn, tenant_id=caller.tenant_id, user_id=user_id, active=False))
    with db.transaction(caller.tenant_id, write=False) as conn:
        waiting = devices.queued_for(conn, tenant_id=caller.tenant_id, user_id=user_id)
    return summary.model_copy(update={"waiting_on": [WaitingOn(device_id=device_id, workstation=name,
                                                               changes=count)
                                                     for device_id, name, count in waiting]})


@router.post("/{user_id}/enable", response_model=UserSummary)
def enable_user(user_id: UUID, caller: Manager, db: DatabaseDep) -> UserSummary:
    return _change(caller, db, user_id, "enabled", lambda conn: users.set_user_active(
        conn, tenant_id=caller.tenant_id, user_id=user_id, active=True))


@router.post("/{user_id}/unlock", response_model=UserSummary)
def unlock_user(user_id: UUID, caller: Manager, db: DatabaseDep) -> UserSummary:
    return _change(caller, db, user_id, "unlocked", lambda conn: users.unlock_user(
        conn, tenant_id=caller.tenant_id, user_id=user_id))


@router.post("/{user_id}/enrolment", response_model=UserSummary)
def start_enrolment(user_id: UUID, caller: Manager, db: DatabaseDep) -> UserSummary:
    """A new authenticator for a person (lost or new phone): the old one stops working now, and the person
    receives the new secret themselves at their next sign-in. Nothing secret is answered."""
    return _change(caller, db, user_id, "totp_enrolment_started", lambda conn: users.start_enrolment(
        conn, tenant_id=caller.tenant_id, user_id=user_id))


@router.post("/{user_id}/role", response_model=UserSummary)
def change_role(user_id: UUID, body: RoleChange, caller: Manager, db: DatabaseDep) -> UserSummary:
    """Another role for a person, from their next request on. Nobody changes their own role; only an admin
    makes an admin or changes an admin's role."""
    if user_id == caller.user_id:
        _record_refusal(db, caller, detail="own_role", user_id=user_id)
        raise ApiError(403, "forbidden", "Nobody can change their own role; ask another manager or an admin.")
    if body.role is Role.ADMIN and caller.role is not Role.ADMIN:
        _record_refusal(db, caller, detail="make_admin", user_id=user_id)
        raise ApiError(403, "forbidden", "Only an admin may make someone an admin.")
    return _change(caller, db, user_id, f"role={body.role.value}", lambda conn: users.set_user_role(
        conn, tenant_id=caller.tenant_id, user_id=user_id, role=body.role))
