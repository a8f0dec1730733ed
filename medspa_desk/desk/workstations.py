"""A manager's workstations: the use cases behind Manager → Workstations.

The list comes from the server (who signed in last, last contact, the app version
and the changes waiting on it as it last reported, revoked); a manager may rename one;
revoking a lost or retired workstation ends its sessions at once and it wipes
its encrypted cache at its next contact. One that never calls back keeps its
cache, so it must be treated as a lost device (see docs/operations.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from pydantic import ValidationError

from medspa_desk.desk.context import ServerCaller
from medspa_desk.desk.errors import DeskRefusal
from medspa_desk.protocol import DeviceName
from medspa_desk.records import Role
from medspa_desk.rules import UseCase, require
from medspa_desk.store import Store
from medspa_desk.store.actor import Actor
from medspa_desk.sync import manager_api
from medspa_desk.sync.api import CentralApi
from medspa_desk.sync.manager_api import WorkstationInfo, WorkstationRevoked

T = TypeVar("T")
WORKSTATION_ENTITY = "device"
LOST_DEVICE_WARNING = ("A revoked workstation erases the practice's data the next time it contacts the server. "
                       "If it never contacts the server again (stolen, switched off, kept offline), its "
                       "encrypted data stays on it: treat it as a lost device and follow the practice's "
                       "lost-device steps.")


class BadWorkstationName(DeskRefusal, ValueError):
    """The name typed cannot be a workstation's name; the message says what it needs."""


def workstation_name(text: str) -> str:
    """A workstation's name as typed, trimmed and checked (one line, 1–100 characters)."""
    name = text.strip()
    try:
        return DeviceName(name=name).name
    except ValidationError:
        raise BadWorkstationName("A workstation's name is one line of 1 to 100 characters, such as "
                                 "“Front desk 2” or “Room 3 laptop”. Type another name.") from None


def open_workstations(store: Store, *, actor: Actor) -> None:
    """May this person open the workstation list? Refused: audited, and told who may."""
    store.permit(actor, UseCase.MANAGE_WORKSTATIONS, entity=WORKSTATION_ENTITY)


class WorkstationsDesk:
    """One manager's workstation calls; each runs on the network pool, never on the GUI thread."""

    def __init__(self, session: ServerCaller, *, role: Role) -> None:
        self.session = session
        self.role = role

    def _call(self, request: Callable[[CentralApi, str], T]) -> T:
        require(self.role, UseCase.MANAGE_WORKSTATIONS)
        return self.session.call_server(request)

    def workstations(self) -> list[WorkstationInfo]:
        """Active ones first, the most recently in touch first."""
        listed = self._call(lambda api, token: manager_api.list_workstations(api, access_token=token))
        return sorted(listed, key=lambda w: (w.revoked_at is not None,
                                             -(w.last_contact_at or w.registered_at).timestamp()))

    def rename(self, device_id: UUID, name: str) -> WorkstationInfo:
        """Give a workstation the name people use for it; the name is checked here before it is sent."""
        wanted = workstation_name(name)
        return self._call(lambda api, token: manager_api.rename_workstation(api, device_id, wanted,
                                                                            access_token=token))

    def revoke(self, device_id: UUID) -> WorkstationRevoked:
        return self._call(lambda api, token: manager_api.revoke_workstation(api, device_id, access_token=token))
