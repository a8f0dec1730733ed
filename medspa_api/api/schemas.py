"""Request and response bodies of the management routes (the sync ones live in medspa_desk.protocol)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from medspa_desk.records import AuditAction, Role


class Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NewUserRequest(Body):
    username: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")]
    display_name: Annotated[str, Field(min_length=1, max_length=200)]
    role: Role
    password: Annotated[str, Field(min_length=1, max_length=1024)]
    provider_id: UUID | None = None


class RoleChange(Body):
    role: Role


class WaitingOn(Body):
    """Changes of one person waiting on one workstation, as it last reported (a leaver's, on disable)."""

    device_id: UUID
    workstation: str
    changes: int


class UserSummary(Body):
    id: UUID
    username: str
    display_name: str
    role: Role
    provider_id: UUID | None = None
    active: bool
    locked: bool
    waiting_on: list[WaitingOn] = []  # filled when the account is disabled


class NewUserAnswer(Body):
    """Nothing secret: the new person gets their authenticator secret themselves, at their first sign-in."""

    user: UserSummary


class EnrolmentRequest(Body):
    """The person whose authenticator is being set up, proven by their password."""

    tenant: Annotated[str, Field(min_length=1, max_length=64)]
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class EnrolmentAnswer(Body):
    """Given out once: the person adds it to their authenticator app, then signs in with a code from it."""

    secret: str  # base32, for typing in by hand
    totp_uri: str  # otpauth:// URI, for a QR code


class PasswordChange(Body):
    current_password: Annotated[str, Field(min_length=1, max_length=1024)]
    new_password: Annotated[str, Field(min_length=1, max_length=1024)]


class PasswordChanged(Body):
    other_sessions_ended: int


class EscrowDeposited(Body):
    device_id: UUID
    server_half: str  # base64 of 32 bytes; also returned by GET /devices/escrow


class ServerHalf(Body):
    device_id: UUID
    server_half: str


class DeviceSummary(Body):
    """A workstation as a manager sees it: no key, no secret."""

    id: UUID
    name: str
    registered_at: datetime
    revoked_at: datetime | None
    last_user: str  # who signed in on it last ("" if nobody yet)
    last_contact_at: datetime | None
    app_version: str = ""  # as it last reported ("" before it ever did)
    queued: int = 0  # changes waiting on it, everyone's
    reported_at: datetime | None = None


class DeviceRevoked(Body):
    device_id: UUID
    sessions_ended: int


class AuditRow(Body):
    seq: int
    id: UUID
    at: datetime
    recorded_at: datetime
    actor_user_id: UUID | None
    device_id: UUID | None
    address: str
    user_agent: str
    action: AuditAction
    entity: str
    entity_id: UUID | None
    outcome: str
    detail: str
    origin: str
    hash: str


class AuditPage(Body):
    rows: list[AuditRow]
    has_more: bool


class AuditCheckpoint(Body):
    """The head of the tenant's chain, signed so it can be kept outside the database and checked later."""

    tenant_id: UUID
    seq: int
    hash: str
    at: datetime
    signature: str  # HMAC-SHA256 over "tenant_id|seq|hash|at" with the server's secret key


class AuditVerification(Body):
    """The server walked the practice's whole chain, link by link, under its keys: verified to when."""

    ok: bool
    rows: int  # rows walked (all of them when ok; up to the first bad one otherwise)
    verified_through_seq: int | None  # the newest row that verified (None: an empty chain or a failure)
    verified_through_at: datetime | None  # when that event happened
    first_bad_seq: int | None
    checked_at: datetime


class Health(Body):
    status: str
    database: str
    schema_revision: str | None
    server_time: datetime
