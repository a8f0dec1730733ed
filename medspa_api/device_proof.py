"""The workstation a sign-in comes from: registered at its first sign-in, proved by its secret after, refused once revoked.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from medspa_api.audit_log import AuditBuffer
from medspa_api.db import tables as t
from medspa_api.errors import ApiError
from medspa_api.security import tokens
from medspa_desk.records import AuditAction, new_id, utc_now


@dataclass(frozen=True)
class SignedInDevice:
    id: UUID
    proven: bool  # registered just now, or the caller showed its secret
    new_secret: str | None  # issued now: sent once in the TokenResponse, kept only as a hash


INVALID_DEVICE_SECRET = ApiError(401, "invalid_device_secret", "This workstation could not prove it is the one "
                                 "registered under its id. Ask a manager to revoke it and set it up again.")


def device_proof(stored_hash: str | None, presented: str | None) -> str | None:
    """Why ``presented`` does not prove a device whose secret hash is ``stored_hash``; None when it does.

    A device registered before secrets existed (no hash) has nothing to prove: see register_device.
    """
    if stored_hash is None:
        return None
    if presented is None:
        return "device_secret_missing"
    if not hmac.compare_digest(stored_hash, tokens.token_hash(presented)):
        return "device_secret_wrong"
    return None


def refuse_device(conn: Connection, *, tenant_id: UUID, device_id: UUID | None,
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
    failure = device_proof(row.secret_hash, secret)
    return (INVALID_DEVICE_SECRET, failure) if failure else (None, "ok")


def register_device(conn: Connection, *, tenant_id: UUID, user_id: UUID, device_id: UUID | None,
                     secret: str | None, name: str, buffer: AuditBuffer) -> SignedInDevice:
    """The device signed in on: an existing one (proven only by its secret) or a new registration.

    A registered device must show its secret (checked by refuse_device before this). A device
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
            # refuse_device let it through: its secret was shown, or it never had one.
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

