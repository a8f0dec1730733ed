"""The sync endpoints: the cheap change check, pull and push."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from medspa_api.api.change_stream import EVENT_STREAM, ChangeStreamResponse
from medspa_api.api.deps import DatabaseDep, OriginDep, SettingsDep, requires
from medspa_api.api.long_poll import MAX_SEQ, MAX_WAIT_S
from medspa_api.api.routes import ERRORS
from medspa_api.api.routing import TextSafeRoute, answers_each_item
from medspa_api.permissions import Action
from medspa_api.security.tokens import token_hash
from medspa_api.sessions import Caller, check_access_token
from medspa_api.sync.pull import pull_page
from medspa_api.sync.push import push
from medspa_desk.protocol import (
    MAX_PULL_PAGE,
    PULL_CURSOR_HEADER,
    PULL_HAS_MORE_HEADER,
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


STREAM_DESCRIPTION = """A server-sent event stream (`text/event-stream`) for this desk's practice.

The first event says where the practice stands against `after`; then one event per change (coalesced:
a slow reader gets the newest seq, not a backlog), each `data: {"latest_seq": N, "changed": true}`.
A comment line (`: still here`) comes at least every 30 seconds while nothing changes. The stream
ends with `event: end` and `data: {"code", "message"}` when the access token or the session expires,
when the session is ended (sign-out, user disabled, device revoked) or when the server restarts;
open it again (after refreshing the token) to be told what is wrong. The stream does not end by itself
otherwise, so it is left out of the generated API tests (tests/api/test_openapi_fuzz.py); it is tested
in tests/api/test_change_notices.py."""


@router.get("/changes/stream", response_class=ChangeStreamResponse, status_code=200, description=STREAM_DESCRIPTION,
            response_description="the event stream",
            responses={200: {"content": {EVENT_STREAM: {"schema": {"type": "string"}, "itemSchema": {
                "type": "object", "required": ["data"],
                "properties": {"event": {"type": "string", "enum": ["end"]},
                               "data": {"type": "string", "contentMediaType": "application/json",
                                        "contentSchema": {"oneOf": [{"$ref": "#/components/schemas/ChangesSince"},
                                                                    {"$ref": "#/components/schemas/ErrorBody"}]}}},
            }}}}})
async def change_stream(request: Request, _may_pull: Puller, db: DatabaseDep, settings: SettingsDep,
                        origin: OriginDep,
                        after: Annotated[int, Query(ge=0, le=MAX_SEQ, description="the desk's pull cursor")] = 0,
                        ) -> ChangeStreamResponse:
    """Hear of every change of the practice on one open connection."""
    # Checked in the database now, not from the token cache: the stream may stay open for minutes,
    # and it must end with the token (the cache does not keep expiries).
    token = request.headers["authorization"].partition(" ")[2].strip()
    checked, valid_for_s = await run_in_threadpool(check_access_token, db, token=token, origin=origin,
                                                   settings=settings)
    return ChangeStreamResponse(request.app.state.streams, tenant_id=checked.tenant_id,
                                session_id=checked.session_id, token_hash=token_hash(token), after=after,
                                valid_for_s=valid_for_s)


@router.get("/pull", response_model=PullResponse)
def pull(caller: Puller, db: DatabaseDep,
         after: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
         limit: Annotated[int, Query(ge=1, le=MAX_PULL_PAGE)] = 1000,
         location_id: UUID | None = None) -> Response:
    page = pull_page(db, caller=caller, after=after, limit=limit, location_id=location_id)
    # The cursor and has_more again as headers: a desk can ask for the next page while it still
    # parses this one. The body stays the whole answer; the desk checks the two agree.
    return Response(content=page.content, media_type="application/json",
                    headers={PULL_CURSOR_HEADER: str(page.cursor), PULL_HAS_MORE_HEADER: "1" if page.has_more else "0"})


@router.post("/push", response_model=PushResponse)
@answers_each_item
async def push_mutations(body: PushRequest, request: Request, caller: Pusher, db: DatabaseDep) -> PushResponse:
    answer, latest = await run_in_threadpool(push, db, caller=caller, request=body)
    if latest is not None:
        request.app.state.notices.committed(caller.tenant_id, latest)
    return answer
