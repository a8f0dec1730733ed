"""The hot path of ``GET /sync/changes``, answered before FastAPI's routing.

Every desk of a practice long-polls this endpoint and is answered again after
each change, so at 20 changes a second and 500 desks it is asked 10,000 times
a second. FastAPI's routing and dependency solving cost more than everything
else in that answer together, so a request that is plainly well formed, whose
token is in the cache of recently validated tokens
(medspa_api.security.token_cache) and whose role may pull, is answered here:
same checks, same wait (medspa_api.sync.notices), same JSON. Anything else
(no or unknown token, odd parameters, a role that may not pull, a protocol
version header, DEBUG logging switched on) goes on to the FastAPI route in
medspa_api.api.routes.sync, which validates, explains, audits and fills the
token cache; the OpenAPI document describes that route. It sits in front of
the whole FastAPI stack (medspa_api.app.CentralApi), so it falls back to the
stack rather than fail on its own if the change check cannot be read.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl

from medspa_api.logs import LOGGER_NAME
from medspa_api.permissions import Action, may
from medspa_api.security.token_cache import VALIDATED_TOKENS
from medspa_api.security.tokens import token_hash
from medspa_api.sync.notices import ChangeNotices
from medspa_desk.protocol import PROTOCOL_HEADER, PROTOCOL_MAX, PROTOCOL_MIN

PATH = "/api/v1/sync/changes"
MAX_WAIT_S = 30
MAX_SEQ = 2**63 - 1  # seq columns are BIGINT: a larger cursor is refused, not overflowed
_AUTHORIZATION = b"authorization"
_PROTOCOL = PROTOCOL_HEADER.lower().encode("latin-1")
_logger = logging.getLogger(LOGGER_NAME)


_SPOKEN = (_PROTOCOL, str(PROTOCOL_MAX).encode("latin-1"))


def _parameters(query: bytes) -> tuple[int, float] | None:
    """``after`` and ``wait`` when the query is exactly what a desk sends; None sends it the long way."""
    after, wait = 0, 0.0
    try:
        for name, value in parse_qsl(query.decode("ascii"), strict_parsing=bool(query)):
            if name == "after" and value.isdigit() and int(value) <= MAX_SEQ:
                after = int(value)
            elif name == "wait":
                wait = float(value)
                if not 0 <= wait <= MAX_WAIT_S:
                    return None
            else:
                return None
    except (UnicodeDecodeError, ValueError):
        return None
    return after, wait


def _bearer(scope: dict[str, Any]) -> str | None:
    """The bearer token; None when there is none or the protocol header is one the full stack must refuse."""
    token = None
    for name, value in scope["headers"]:
        if name == _PROTOCOL and not (value.isdigit() and PROTOCOL_MIN <= int(value) <= PROTOCOL_MAX):
            return None
        if name == _AUTHORIZATION:
            scheme, _, rest = value.decode("latin-1").partition(" ")
            token = rest.strip() if scheme.lower() == "bearer" and rest.strip() else None
    return token


class ChangesFastPath:
    def __init__(self, app: Any, *, notices: ChangeNotices) -> None:
        self.app = app
        self.notices = notices

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        parameters = _parameters(scope.get("query_string", b""))
        token = _bearer(scope)
        caller = VALIDATED_TOKENS.get(token_hash(token)) if token and parameters else None
        if (caller is None or parameters is None or not may(caller.role, Action.SYNC_PULL)
                or _logger.isEnabledFor(logging.DEBUG)):
            await self.app(scope, receive, send)
            return
        after, wait = parameters
        try:
            latest = await self.notices.wait_after(caller.tenant_id, after, timeout_s=wait)
        except Exception:  # the database could not be read: the full stack answers (and logs) properly
            await self.app(scope, receive, send)
            return
        body = f'{{"latest_seq":{latest},"changed":{"true" if latest > after else "false"}}}'.encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()), _SPOKEN]})
        await send({"type": "http.response.body", "body": body})
