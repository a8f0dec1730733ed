"""The practice's switch window, behind Manager → Practice: how long a colleague may switch back in
on a shared workstation with their password alone (no new authenticator code).

The server keeps it and ends sessions by it (``medspa_api.sessions``); a change and a
refusal are audited there. Each call runs on the network pool, never on the GUI thread.
"""

from __future__ import annotations

from medspa_desk.desk.context import ServerCaller
from medspa_desk.protocol import SWITCH_WINDOW_HOURS_MAX, SWITCH_WINDOW_HOURS_MIN
from medspa_desk.records import Role
from medspa_desk.rules import UseCase, may, require
from medspa_desk.store import Store
from medspa_desk.store.actor import Actor
from medspa_desk.sync import manager_api

__all__ = ["SWITCH_WINDOW_HOURS_MAX", "SWITCH_WINDOW_HOURS_MIN", "SwitchWindowDesk", "may_set_switch_window",
           "open_switch_window"]
SWITCH_WINDOW_ENTITY = "tenant"


def may_set_switch_window(role: Role) -> bool:
    """Does the practice screen show the switch window to this person?"""
    return may(role, UseCase.SET_SWITCH_WINDOW)


def open_switch_window(store: Store, *, actor: Actor) -> None:
    """May this person see and change the switch window? Refused: audited, and told who may."""
    store.permit(actor, UseCase.SET_SWITCH_WINDOW, entity=SWITCH_WINDOW_ENTITY)


class SwitchWindowDesk:
    """A manager's reads and changes of the switch window (whole hours)."""

    def __init__(self, session: ServerCaller, *, role: Role) -> None:
        self.session = session
        self.role = role

    def hours(self) -> int:
        require(self.role, UseCase.SET_SWITCH_WINDOW)
        return self.session.call_server(lambda api, token: manager_api.switch_window(api, access_token=token)).hours

    def set_hours(self, hours: int) -> int:
        """Set it; a value outside 1–24 hours comes back refused in the server's words (and audited there)."""
        require(self.role, UseCase.SET_SWITCH_WINDOW)
        return self.session.call_server(
            lambda api, token: manager_api.set_switch_window(api, hours, access_token=token)).hours
