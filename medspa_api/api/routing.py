"""The route class every router uses: text with NUL characters is refused at the door.

JSON may carry U+0000 inside a string (escaped as ``\\u0000``) and a URL may
carry ``%00``; PostgreSQL text columns cannot store it, so such a request
would fail half-way through its transaction (and an audit row carrying it
could not be written at all). It is refused before any work with a 422 that
says so. SQLite would store it, but the rule is the same on both databases.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from medspa_api.errors import ApiError

NUL_REFUSED = ApiError(422, "invalid_request", "The request contains a NUL character (U+0000), which no field "
                       "may hold. Remove it and send again.")


def _carries_nul(data: bytes) -> bool:
    return b"\\u0000" in data or b"\x00" in data


class TextSafeRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def refuse_nul_then_handle(request: Request) -> Response:
            if b"%00" in request.scope.get("query_string", b"") or "\x00" in request.scope["path"]:
                raise NUL_REFUSED
            if request.method in ("POST", "PUT", "PATCH") and _carries_nul(await request.body()):
                raise NUL_REFUSED
            return await handle(request)

        return refuse_nul_then_handle
