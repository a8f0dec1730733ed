"""Workstations: key escrow, the list a manager sees, and revocation.

Every escrow call (the server half, a deposit, the release) is answered only
to an active user of the tenant, signed in online on the very device, which
must be registered and not revoked (the bearer token check refuses anything
else), in a session that showed the device's secret: a device id alone is only
a claim, and a session that merely claims it must neither read the server half
nor replace the key deposited for the workstation.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from medspa_api.api.deps import DatabaseDep, requires
from medspa_api.api.routes import ERRORS
from medspa_api.api.routing import TextSafeRoute
from medspa_api.api.schemas import DeviceRevoked, DeviceSummary, EscrowDeposited, ServerHalf
from medspa_api.audit_log import flush
from medspa_api.data import devices
from medspa_api.db.database import Database
from medspa_api.errors import ApiError, not_found
from medspa_api.permissions import Action
from medspa_api.sessions import Caller
from medspa_desk.protocol import DeviceName, DeviceReport, EscrowDeposit, EscrowRelease
from medspa_desk.records import AuditAction

router = APIRouter(prefix="/devices", tags=["devices"], responses=ERRORS, route_class=TextSafeRoute)
Escrower = Annotated[Caller, Depends(requires(Action.DEVICE_ESCROW))]
Revoker = Annotated[Caller, Depends(requires(Action.DEVICE_REVOKE))]
Lister = Annotated[Caller, Depends(requires(Action.DEVICE_LIST))]
Reporter = Annotated[Caller, Depends(requires(Action.DEVICE_REPORT))]


def _refuse_unproven(db: Database, caller: Caller, *, detail: str, refused: str) -> None:
    """403 ``device_unproven`` (audited) unless the session showed the device secret."""
    if caller.device_proven:
        return
    with db.transaction(caller.tenant_id) as conn:
        buffer = caller.audit()
        buffer.record(actor_user_id=caller.user_id, device_id=caller.device_id, action=AuditAction.DEVICE,
                      entity="device", entity_id=caller.device_id, detail=detail, outcome="device_unproven")
        flush(conn, tenant_id=caller.tenant_id, buffer=buffer)
    raise ApiError(403, "device_unproven", f"This sign-in did not show the workstation's device secret, so "
                   f"{refused}. Update Medspa Desk and sign in again on this workstation.")


@router.get("/escrow/server-half", response_model=ServerHalf)
def get_server_half(caller: Escrower, db: DatabaseDep) -> ServerHalf:
    """This device's server half, needed to seal the key before the first deposit."""
    _refuse_unproven(db, caller, detail="escrow_server_half", refused="the workstation's key half is not given out")
    with db.transaction(caller.tenant_id) as conn:
        half = devices.server_half(conn, tenant_id=caller.tenant_id, device_id=caller.device_id)
    return ServerHalf(device_id=caller.device_id, server_half=half)


@router.post("/escrow", response_model=EscrowDeposited)
def deposit(body: EscrowDeposit, caller: Escrower, db: DatabaseDep) -> EscrowDeposited:
    """Deposit (or replace) the workstation's sealed key; only from a session that proved the workstation."""
    _refuse_unproven(db, caller, detail="escrow_deposit", refused="it may not deposit the workstation's key")
    with db.transaction(caller.tenant_id) as conn:
        half = devices.deposit(conn, tenant_id=caller.tenant_id, device_id=caller.device_id,
                               wrapped_key=body.wrapped_key, vault_id=body.vault_id)
        buffer = caller.audit()
        buffer.record(actor_user_id=caller.user_id, device_id=caller.device_id, action=AuditAction.DEVICE,
                      entity="device", entity_id=caller.device_id, detail="escrow_deposit")
        flush(conn, tenant_id=caller.tenant_id, buffer=buffer)
    return EscrowDeposited(device_id=caller.device_id, server_half=half)


@router.get("/escrow", response_model=EscrowRelease)
def release(caller: Escrower, db: DatabaseDep) -> EscrowRelease:
    """Only to a session that showed the device secret: a device id alone is only a claim."""
    _refuse_unproven(db, caller, detail="escrow_release", refused="its key is not released")
    with db.transaction(caller.tenant_id) as conn:
        row = devices.escrow_of(conn, tenant_id=caller.tenant_id, device_id=caller.device_id)
        buffer = caller.audit()
        buffer.record(actor_user_id=caller.user_id, device_id=caller.device_id, action=AuditAction.DEVICE,
                      entity="device", entity_id=caller.device_id, detail="escrow_release",
                      outcome="ok" if row else "none_deposited")
        flush(conn, tenant_id=caller.tenant_id, buffer=buffer)
    if row is None:
        raise ApiError(404, "no_escrow", "This workstation has not deposited its key yet; sign in on it once "
                       "with the first user to deposit it.")
    return EscrowRelease(wrapped_key=row.wrapped_key, vault_id=row.vault_id, server_half=row.server_half or "")


@router.get("", response_model=list[DeviceSummary])
def list_devices(caller: Lister, db: DatabaseDep) -> list[DeviceSummary]:
    """The practice's workstations: name, who signed in last, last contact, revoked when."""
    with db.transaction(caller.tenant_id, write=False) as conn:
        return [DeviceSummary(**row) for row in devices.list_devices(conn, tenant_id=caller.tenant_id)]


@router.put("/me/report", status_code=204)
def report(body: DeviceReport, caller: Reporter, db: DatabaseDep) -> None:
    """What the caller's workstation says of itself after a sync: its app version, whose changes wait."""
    with db.transaction(caller.tenant_id) as conn:
        devices.record_report(conn, tenant_id=caller.tenant_id, device_id=caller.device_id,
                              app_version=body.app_version, queued=body.queued)


@router.post("/{device_id}/name", response_model=DeviceSummary)
def rename(device_id: UUID, body: DeviceName, caller: Revoker, db: DatabaseDep) -> DeviceSummary:
    """A manager names a workstation ("Front desk 2", "Room 3 laptop"); audited, no value kept in the trail."""
    with db.transaction(caller.tenant_id) as conn:
        if not devices.rename(conn, tenant_id=caller.tenant_id, device_id=device_id, name=body.name):
            raise not_found("workstation")
        buffer = caller.audit()
        buffer.record(actor_user_id=caller.user_id, device_id=caller.device_id, action=AuditAction.DEVICE,
                      entity="device", entity_id=device_id, detail="renamed")
        flush(conn, tenant_id=caller.tenant_id, buffer=buffer)
        listed = devices.list_devices(conn, tenant_id=caller.tenant_id)
    return DeviceSummary(**next(row for row in listed if row["id"] == device_id))


@router.post("/{device_id}/revoke", response_model=DeviceRevoked)
def revoke(device_id: UUID, caller: Revoker, db: DatabaseDep) -> DeviceRevoked:
    with db.transaction(caller.tenant_id) as conn:
        ended = devices.revoke(conn, tenant_id=caller.tenant_id, device_id=device_id, by_user_id=caller.user_id)
        if ended is None:
            raise not_found("workstation")
        buffer = caller.audit()
        buffer.record(actor_user_id=caller.user_id, device_id=caller.device_id, action=AuditAction.DEVICE,
                      entity="device", entity_id=device_id, detail="revoked")
        flush(conn, tenant_id=caller.tenant_id, buffer=buffer)
    return DeviceRevoked(device_id=device_id, sessions_ended=ended)
