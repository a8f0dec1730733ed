"""The practice's sign-in policy: the switch window a manager sets from the desk.

The window is how long a session lasts after a sign-in with the authenticator code
(``medspa_api.sessions``): inside it a person switches back in on a shared
workstation with their password alone. A change and a refusal are both audited.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from medspa_api.api.deps import DatabaseDep, requires
from medspa_api.api.routes import ERRORS
from medspa_api.api.routing import TextSafeRoute
from medspa_api.audit_log import flush
from medspa_api.data import tenants
from medspa_api.errors import ApiError
from medspa_api.permissions import Action
from medspa_api.sessions import Caller
from medspa_desk.protocol import SWITCH_WINDOW_HOURS_MAX, SWITCH_WINDOW_HOURS_MIN, SwitchWindow
from medspa_desk.records import AuditAction

router = APIRouter(prefix="/practice", tags=["practice"], responses=ERRORS, route_class=TextSafeRoute)
PolicyKeeper = Annotated[Caller, Depends(requires(Action.PRACTICE_SIGN_IN_POLICY))]
OUT_OF_RANGE = (f"The switch window is a whole number of hours from {SWITCH_WINDOW_HOURS_MIN} to "
                f"{SWITCH_WINDOW_HOURS_MAX}. Choose a number in that range and save again.")


@router.get("/switch-window", response_model=SwitchWindow)
def get_switch_window(caller: PolicyKeeper, db: DatabaseDep) -> SwitchWindow:
    """How long a person may switch back in without a new code (hours)."""
    with db.transaction(caller.tenant_id, write=False) as conn:
        return SwitchWindow(hours=tenants.switch_window_s(conn, tenant_id=caller.tenant_id) // 3600)


@router.put("/switch-window", response_model=SwitchWindow)
def set_switch_window(body: SwitchWindow, caller: PolicyKeeper, db: DatabaseDep) -> SwitchWindow:
    """Set it (1–24 hours); sessions already open end by the new window at their next refresh.

    422 ``switch_window_out_of_range`` (audited) for anything outside the bounds.
    """
    fits = SWITCH_WINDOW_HOURS_MIN <= body.hours <= SWITCH_WINDOW_HOURS_MAX
    with db.transaction(caller.tenant_id) as conn:
        if fits:
            tenants.set_switch_window(conn, tenant_id=caller.tenant_id, seconds=body.hours * 3600)
        buffer = caller.audit()
        buffer.record(actor_user_id=caller.user_id, device_id=caller.device_id, action=AuditAction.UPDATE,
                      entity="tenant", entity_id=caller.tenant_id, detail=f"switch_window_hours={body.hours}",
                      outcome="ok" if fits else "out_of_range")
        flush(conn, tenant_id=caller.tenant_id, buffer=buffer)
    if not fits:
        raise ApiError(422, "switch_window_out_of_range", OUT_OF_RANGE)
    return SwitchWindow(hours=body.hours)
