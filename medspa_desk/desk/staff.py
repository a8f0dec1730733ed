"""A manager's staff: the use cases behind Manager → Staff.

Opening the screen is checked against the clinic's table on the desk (a
refusal is audited in the store, like every use case); each change is a call
to the server, which checks the role again and audits every change and every
refusal. A manager never sees an authenticator secret: an invited or
re-enrolled person receives theirs at their own next sign-in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from uuid import UUID

from medspa_desk.desk.context import ServerCaller
from medspa_desk.records import Role
from medspa_desk.rules import UseCase, require
from medspa_desk.store import Store
from medspa_desk.store.actor import Actor
from medspa_desk.sync import manager_api
from medspa_desk.sync.api import CentralApi
from medspa_desk.sync.manager_api import AccountChange, Invitation, StaffMember, WaitingOn

T = TypeVar("T")
STAFF_ENTITY = "user"


def open_staff(store: Store, *, actor: Actor) -> None:
    """May this person open the staff list? Refused: audited, and told who may."""
    store.permit(actor, UseCase.MANAGE_STAFF, entity=STAFF_ENTITY)


def queued_here(store: Store, *, actor: Actor, user_id: UUID) -> int:
    """Changes ``user_id`` made on this workstation that wait to be sent.

    They go out only under their author's own sign-in, so a disabled leaver's stay here: the Staff
    screen tells the manager how many.
    """
    store.permit(actor, UseCase.MANAGE_STAFF, entity=STAFF_ENTITY, entity_id=user_id)
    return store.outbox_count() - store.outbox_waiting_for_others(user_id)


def queued_notice(count: int, *, name: str, elsewhere: Sequence[WaitingOn] = (),
                  this_workstation: UUID | None = None) -> str:
    """What the manager is told about a leaver's changes that never reached the server ("" when none).

    ``count``: on this workstation (its own outbox); ``elsewhere``: on the others, as each last
    reported to the server (this one, ``this_workstation``, is left out of that list).
    """
    others = [w for w in elsewhere if w.changes and w.device_id != this_workstation]
    if count == 0 and not others:
        return ""
    def changes(n: int) -> str:
        return "1 change" if n == 1 else f"{n} changes"
    places = ([f"this workstation holds {changes(count)}"] if count else []) + [
        f"“{w.workstation or 'a workstation with no name'}” holds {changes(w.changes)}" for w in others]
    return (f" {name} made changes that never reached the server: {'; '.join(places)}. They are sent only when "
            f"{name} signs in on that workstation. To keep them, enable the account for a moment and have them "
            "sign in there; otherwise they stay unsent.")


class StaffDesk:
    """One manager's staff calls; each runs on the network pool, never on the GUI thread."""

    def __init__(self, session: ServerCaller, *, role: Role) -> None:
        self.session = session
        self.role = role

    def _call(self, request: Callable[[CentralApi, str], T]) -> T:
        require(self.role, UseCase.MANAGE_STAFF)
        return self.session.call_server(request)

    def staff(self) -> list[StaffMember]:
        """Everyone with an account at the practice, by name."""
        members = self._call(lambda api, token: manager_api.list_staff(api, access_token=token))
        return sorted(members, key=lambda m: (m.display_name.casefold(), m.username))

    def invite(self, *, username: str, display_name: str, role: Role, password: str) -> StaffMember:
        """A new account; the person sets up their authenticator at their first sign-in."""
        invitation = Invitation(username=username, display_name=display_name, role=role, password=password)
        return self._call(lambda api, token: manager_api.invite(api, invitation, access_token=token))

    def change(self, user_id: UUID, change: AccountChange) -> StaffMember:
        """Disable (their sessions end at once), enable, unlock, or reset their authenticator."""
        return self._call(lambda api, token: manager_api.change_account(api, user_id, change, access_token=token))

    def change_role(self, user_id: UUID, role: Role) -> StaffMember:
        return self._call(lambda api, token: manager_api.change_role(api, user_id, role, access_token=token))


def describe(member: StaffMember) -> dict[str, Any]:
    """One row of the staff list, in the clinic's words."""
    return {"name": member.display_name, "username": member.username,
            "role": member.role.value.replace("_", " "), "active": "Yes" if member.active else "No (disabled)",
            "locked": "Locked" if member.locked else ""}
