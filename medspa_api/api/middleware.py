"""The protocol-version gate and the one log line per request, as plain ASGI.

Plain ASGI rather than ``@app.middleware("http")``: Starlette's
BaseHTTPMiddleware wraps every request in extra tasks and streams, which is
most of the cost of answering a long-polling desk.

Successful long-poll answers (``GET /sync/changes``, 200) are logged at DEBUG:
every desk gets one after every change, thousands a second in a busy practice,
and they say nothing an operator needs. Every other answer, and any long-poll
that fails, is logged at INFO.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from medspa_api.logs import LOGGER_NAME, log_event
from medspa_desk.protocol import PROTOCOL_HEADER, PROTOCOL_MAX, PROTOCOL_MIN

_HEADER = PROTOCOL_HEADER.lower().encode("latin-1")
_SPOKEN = (_HEADER, str(PROTOCOL_MAX).encode("latin-1"))
LONG_POLL_PATH = "/api/v1/sync/changes"
_logger = logging.getLogger(LOGGER_NAME)


def unsupported_protocol(stated: str) -> bytes:
    return json.dumps({"code": "protocol_unsupported",
                       "message": f"This app speaks sync protocol {stated}; the server speaks {PROTOCOL_MIN} to "
                                  f"{PROTOCOL_MAX}. Update the app (or the server) and try again."}).encode("utf-8")


class ProtocolAndLog:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        stated = next((value.decode("latin-1") for name, value in scope["headers"] if name == _HEADER), None)
        if stated is not None and (not stated.isdigit() or not PROTOCOL_MIN <= int(stated) <= PROTOCOL_MAX):
            body = unsupported_protocol(stated[:20])
            await send({"type": "http.response.start", "status": 426,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode()), _SPOKEN]})
            await send({"type": "http.response.body", "body": body})
            self._log(scope, 426, started)
            return
        status = 500

        async def send_with_version(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), _SPOKEN]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_version)
        finally:
            self._log(scope, status, started)

    @staticmethod
    def _log(scope: dict[str, Any], status: int, started: float) -> None:
        route = scope.get("route")
        quiet = status == 200 and scope["path"] == LONG_POLL_PATH
        if quiet and not _logger.isEnabledFor(logging.DEBUG):
            return
        log_event("request", logging.DEBUG if quiet else logging.INFO, method=scope["method"], route=getattr(route, "path", "?"), status=status,
                  ms=round((time.perf_counter() - started) * 1000, 1))
