"""The server's audit answers as the desk reads them (``GET /audit``, ``/audit/checkpoint``).

Ids and codes only, never a client's details: the server's audit rows carry none.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from medspa_desk.records import AuditAction

Short = Annotated[str, Field(max_length=500)]


class AuditRowWire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    seq: int = Field(ge=1)
    id: UUID
    at: datetime
    recorded_at: datetime
    actor_user_id: UUID | None
    device_id: UUID | None
    action: AuditAction
    entity: Short
    entity_id: UUID | None
    outcome: Short
    detail: Short
    origin: Short


class AuditPage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    rows: Annotated[list[AuditRowWire], Field(max_length=1000)]
    has_more: bool


class AuditVerification(BaseModel):
    """The server's walk of the whole chain: verified through which event, and when it happened."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    ok: bool
    rows: int = Field(ge=0)
    verified_through_seq: int | None = None
    verified_through_at: datetime | None = None
    first_bad_seq: int | None = None
    checked_at: datetime


class AuditCheckpoint(BaseModel):
    """The head of the practice's chain, signed by the server (HMAC under its secret key)."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    seq: int = Field(ge=0)
    hash: Annotated[str, Field(max_length=64)]
    at: datetime
    signature: Annotated[str, Field(max_length=128)]
