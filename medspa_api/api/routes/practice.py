"""The practice's sign-in policy (the switch window a manager sets from the desk), and the practice's
destruction at the end of its contract, asked by one manager and confirmed by another.

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
from medspa_api.data import destruction, tenants
from medspa_api.errors import ApiError
from medspa_api.permissions import Action
from medspa_api.sessions import Caller
from medspa_desk.protocol import (
    SWITCH_WINDOW_HOURS_MAX,
    SWITCH_WINDOW_HOURS_MIN,
    DestructionCertificate,
    DestructionConfirm,
    DestructionPending,
    DestructionRequest,
    SwitchWindow,
)
from medspa_desk.records import AuditAction, utc_now

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


# --- the end of a contract (medspa_api.data.destruction) --------------------------------------------

Destroyer = Annotated[Caller, Depends(requires(Action.PRACTICE_DESTROY))]


@router.get("/destruction", response_model=DestructionPending)
def get_destruction(caller: Destroyer, db: DatabaseDep) -> DestructionPending:
    """The request to destroy the practice waiting for a second manager (empty when none waits)."""
    with db.transaction(caller.tenant_id, write=False) as conn:
        return destruction.pending(conn, tenant_id=caller.tenant_id, now=utc_now())


@router.post("/destruction", response_model=DestructionPending)
def request_destruction(body: DestructionRequest, caller: Destroyer, db: DatabaseDep) -> DestructionPending:
    """Ask for the practice's destruction (after exporting it); a different manager confirms. Audited."""
    with db.transaction(caller.tenant_id) as conn:
        return destruction.request(conn, caller=caller, body=body, now=utc_now())


@router.post("/destruction/confirm", response_model=DestructionCertificate)
def confirm_destruction(body: DestructionConfirm, caller: Destroyer, db: DatabaseDep) -> DestructionCertificate:
    """Confirm another manager's request: every row of the practice on this server is deleted now, in one
    transaction. The answer is the certificate; the key whose SHA-256 came with the confirmation reads it
    again as workstations confirm their wipes. Refusals (the same manager, a lapsed or replaced request, the name mistyped) are audited."""
    now = utc_now()
    with db.transaction(caller.tenant_id) as conn:
        refused = destruction.confirmation_refusal(conn, caller=caller, body=body, now=now)
        if refused is not None:
            destruction.refuse_confirmation(conn, caller=caller, outcome=refused[1], now=now)
        else:
            return destruction.confirm(conn, caller=caller, body=body, now=now)
    raise refused[0]
