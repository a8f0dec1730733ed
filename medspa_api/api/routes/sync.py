"""The sync endpoints: the cheap change check, pull and push."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from medspa_api.api.deps import DatabaseDep, requires
from medspa_api.api.long_poll import MAX_SEQ, MAX_WAIT_S
from medspa_api.api.routes import ERRORS
from medspa_api.api.routing import TextSafeRoute
from medspa_api.permissions import Action
from medspa_api.signin import Caller
from medspa_api.sync.pull import pull_page
from medspa_api.sync.push import push
from medspa_desk.protocol import (
    MAX_PULL_PAGE,
    ChangesSince,
    PullResponse,
    PushRequest,
    PushResponse,
)

router = APIRouter(prefix="/sync", tags=["sync"], responses=ERRORS, route_class=TextSafeRoute)

Puller = Annotated[Caller, Depends(requires(Action.SYNC_PULL))]
Pusher = Annotated[Caller, Depends(requires(Action.SYNC_PUSH))]


@router.get("/changes", response_model=ChangesSince)
async def changes(request: Request, caller: Puller,
                  after: Annotated[int, Query(ge=0, le=MAX_SEQ, description="the desk's pull cursor")] = 0,
                  wait: Annotated[float, Query(ge=0, le=MAX_WAIT_S, description="seconds to wait for a change")] = 0,
                  ) -> Response:
    """Anything after ``after``? Waits up to ``wait`` seconds and answers within a second of a change.

    The wait holds no thread and no database connection: every desk of a
    practice may be waiting here at once.
    """
    latest = await request.app.state.notices.wait_after(caller.tenant_id, after, timeout_s=wait)
    body = f'{{"latest_seq":{latest},"changed":{"true" if latest > after else "false"}}}'
    return Response(content=body, media_type="application/json")


@router.get("/pull", response_model=PullResponse)
def pull(caller: Puller, db: DatabaseDep,
         after: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
         limit: Annotated[int, Query(ge=1, le=MAX_PULL_PAGE)] = 1000,
         location_id: UUID | None = None) -> Response:
    body = pull_page(db, caller=caller, after=after, limit=limit, location_id=location_id)
    return Response(content=body, media_type="application/json")


@router.post("/push", response_model=PushResponse)
async def push_mutations(body: PushRequest, request: Request, caller: Pusher, db: DatabaseDep) -> PushResponse:
    answer, latest = await run_in_threadpool(push, db, caller=caller, request=body)
    if latest is not None:
        request.app.state.notices.committed(caller.tenant_id, latest)
    return answer
