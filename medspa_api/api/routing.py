"""The route class every router uses: text with NUL characters is refused at the door.

JSON may carry U+0000 inside a string (escaped as ``\\u0000``) and a URL may
carry ``%00``; PostgreSQL text columns cannot store it, so such a request
would fail half-way through its transaction (and an audit row carrying it
could not be written at all). It is refused before any work with a 422 that
says so. SQLite would store it, but the rule is the same on both databases.

Only a real NUL counts: the six characters ``\\u0000`` typed as text reach
the JSON as ``\\\\u0000`` (the backslash escaped) and are ordinary text.

A route whose body is a batch answered item by item (the sync push) is marked
with :func:`answers_each_item`: its body is not refused whole, and its handler
rejects the one item that carries a NUL. A route whose body is bytes, not text
(a photo's chunk), is marked with :func:`takes_bytes`: a NUL is just a byte there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.routing import APIRoute

from medspa_api.errors import ApiError

NUL_REFUSED = ApiError(422, "invalid_request", "The request contains a NUL character (U+0000), which no field "
                       "may hold. Remove it and send again.")


# A JSON escape \u0000: the backslash before it is not itself escaped (an even run of backslashes before it).
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_EACH_ITEM = "_medspa_answers_each_item"
_BYTES = "_medspa_takes_bytes"
E = TypeVar("E", bound=Callable[..., Any])


def _carries_nul(data: bytes) -> bool:
    return b"\x00" in data or _ESCAPED_NUL.search(data) is not None


def answers_each_item(endpoint: E) -> E:
    """Mark an endpoint whose handler refuses a NUL item by item (put it under the route decorator)."""
    setattr(endpoint, _EACH_ITEM, True)
    return endpoint


def takes_bytes(endpoint: E) -> E:
    """Mark an endpoint whose body is binary (put it under the route decorator): its body is not text."""
    setattr(endpoint, _BYTES, True)
    return endpoint


class TextSafeRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        check_body = not (getattr(self.endpoint, _EACH_ITEM, False) or getattr(self.endpoint, _BYTES, False))

        async def refuse_nul_then_handle(request: Request) -> Response:
            if b"%00" in request.scope.get("query_string", b"") or "\x00" in request.scope["path"]:
                raise NUL_REFUSED
            if check_body and request.method in ("POST", "PUT", "PATCH") and _carries_nul(await request.body()):
                raise NUL_REFUSED
            return await handle(request)

        return refuse_nul_then_handle
