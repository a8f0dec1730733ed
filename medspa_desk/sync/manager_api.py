"""The central API's staff routes, for a manager's screens: typed calls over :class:`CentralApi`.

Every call needs a manager's or an admin's access token; the server checks the
role again, audits each change and each refusal, and its refusals arrive as
:class:`~medspa_desk.sync.errors.SyncError` in its own words.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from medspa_desk.protocol import (
    DestructionCertificate,
    DestructionConfirm,
    DestructionPending,
    DestructionRequest,
    DeviceName,
    SwitchWindow,
)
from medspa_desk.records import Role
from medspa_desk.sync.api import PREFIX, CentralApi

USERS = f"{PREFIX}/users"
# What a manager may do to an account, as the server's routes name it.
AccountChange = Literal["disable", "enable", "unlock", "enrolment"]
USERNAME_PATTERN = r"^[A-Za-z0-9._@-]+$"


class WaitingOn(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    device_id: UUID
    workstation: str = Field(max_length=100)
    changes: int = Field(ge=0)


class StaffMember(BaseModel):
    """One account as the server lists it: never a password or an authenticator secret."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    id: UUID
    username: str = Field(max_length=64)
    display_name: str = Field(max_length=200)
    role: Role
    provider_id: UUID | None = None
    active: bool
    locked: bool
    # Filled when the account is disabled: workstations where changes of theirs wait (as last reported).
    waiting_on: tuple[WaitingOn, ...] = ()


class Invitation(BaseModel):
    """A new person: their authenticator is set up by them at their first sign-in, never shown here."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)
    username: Annotated[str, Field(min_length=1, max_length=64, pattern=USERNAME_PATTERN)]
    display_name: Annotated[str, Field(min_length=1, max_length=200)]
    role: Role
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class _NewUserAnswer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    user: StaffMember


class _RoleChange(BaseModel):
    role: Role


def list_staff(api: CentralApi, *, access_token: str) -> list[StaffMember]:
    return api.call_json_list("GET", USERS, StaffMember, access_token=access_token)


def invite(api: CentralApi, invitation: Invitation, *, access_token: str) -> StaffMember:
    return api.call_json("POST", USERS, _NewUserAnswer, body=invitation, access_token=access_token).user


def change_account(api: CentralApi, user_id: UUID, change: AccountChange, *, access_token: str) -> StaffMember:
    return api.call_json("POST", f"{USERS}/{user_id}/{change}", StaffMember, access_token=access_token)


def change_role(api: CentralApi, user_id: UUID, role: Role, *, access_token: str) -> StaffMember:
    return api.call_json("POST", f"{USERS}/{user_id}/role", StaffMember, body=_RoleChange(role=role),
                         access_token=access_token)


# --- workstations ---------------------------------------------------------------------------

DEVICES = f"{PREFIX}/devices"


class WorkstationInfo(BaseModel):
    """One workstation as the server lists it: no key, no secret."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    id: UUID
    name: str = Field(max_length=100)
    registered_at: datetime
    revoked_at: datetime | None = None
    last_user: str = Field(default="", max_length=200)
    last_contact_at: datetime | None = None
    app_version: str = Field(default="", max_length=40)  # as it last reported ("" before it ever did)
    queued: int = Field(default=0, ge=0)  # changes waiting on it, as it last reported
    reported_at: datetime | None = None


class WorkstationRevoked(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    device_id: UUID
    sessions_ended: int


def list_workstations(api: CentralApi, *, access_token: str) -> list[WorkstationInfo]:
    return api.call_json_list("GET", DEVICES, WorkstationInfo, access_token=access_token)


def rename_workstation(api: CentralApi, device_id: UUID, name: str, *, access_token: str) -> WorkstationInfo:
    return api.call_json("POST", f"{DEVICES}/{device_id}/name", WorkstationInfo, body=DeviceName(name=name),
                         access_token=access_token)


def revoke_workstation(api: CentralApi, device_id: UUID, *, access_token: str) -> WorkstationRevoked:
    return api.call_json("POST", f"{DEVICES}/{device_id}/revoke", WorkstationRevoked, access_token=access_token)


SWITCH_WINDOW = f"{PREFIX}/practice/switch-window"
DESTRUCTION = f"{PREFIX}/practice/destruction"


def destruction_pending(api: CentralApi, *, access_token: str) -> DestructionPending:
    return api.call_json("GET", DESTRUCTION, DestructionPending, access_token=access_token)


def request_destruction(api: CentralApi, request: DestructionRequest, *, access_token: str) -> DestructionPending:
    return api.call_json("POST", DESTRUCTION, DestructionPending, body=request, access_token=access_token)


def confirm_destruction(api: CentralApi, confirm: DestructionConfirm, *,
                        access_token: str) -> DestructionCertificate:
    return api.call_json("POST", f"{DESTRUCTION}/confirm", DestructionCertificate, body=confirm,
                         access_token=access_token)


def switch_window(api: CentralApi, *, access_token: str) -> SwitchWindow:
    return api.call_json("GET", SWITCH_WINDOW, SwitchWindow, access_token=access_token)


def set_switch_window(api: CentralApi, hours: int, *, access_token: str) -> SwitchWindow:
    return api.call_json("PUT", SWITCH_WINDOW, SwitchWindow, body=SwitchWindow(hours=hours),
                         access_token=access_token)
