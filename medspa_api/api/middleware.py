"""The protocol-version gate, the one log line per request, and the door's own refusals, as plain ASGI.

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
    """What a desk speaking another protocol is told: which side is older, and who updates it."""
    spoken = str(PROTOCOL_MIN) if PROTOCOL_MIN == PROTOCOL_MAX else f"{PROTOCOL_MIN} to {PROTOCOL_MAX}"
    if stated.isdigit() and int(stated) > PROTOCOL_MAX:
        words = (f"This app speaks sync protocol {stated}, newer than this server (it speaks {spoken}). "
                 "Ask your IT administrator to update the server; changes wait on the workstation until then.")
    else:
        words = (f"This app speaks sync protocol {stated}, which this server no longer answers (it speaks "
                 f"{spoken}). Update the app on this workstation and try again; changes wait on it until then.")
    return error_body("protocol_unsupported", words)


def error_body(code: str, message: str) -> bytes:
    return json.dumps({"code": code, "message": message}).encode("utf-8")


def _stated_protocol(value: bytes) -> int | None:
    """The version a request states, or None when the header is not a plain ASCII number."""
    if not value or len(value) > 9 or not all(0x30 <= byte <= 0x39 for byte in value):
        return None
    return int(value)


async def answer(send: Any, status: int, body: bytes, *extra: tuple[bytes, bytes]) -> None:
    """A whole JSON answer sent straight from the door, before any route runs."""
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *extra]})
    await send({"type": "http.response.body", "body": body})


BAD_PROTOCOL_HEADER = error_body(
    "protocol_header_invalid", f"The {PROTOCOL_HEADER} header must be a whole number such as {PROTOCOL_MAX}. "
    "Send it as a plain number, or leave it out.")


class HttpMiddleware:
    """Plain ASGI middleware that acts on HTTP requests only (lifespan and anything else pass through)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        raise NotImplementedError


class ProtocolAndLog(HttpMiddleware):
    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        started = time.perf_counter()
        stated = next((value for name, value in scope["headers"] if name == _HEADER), None)
        if stated is not None:
            version = _stated_protocol(stated)
            if version is None:
                await answer(send, 400, BAD_PROTOCOL_HEADER, _SPOKEN)
                self._log(scope, 400, started)
                return
            if not PROTOCOL_MIN <= version <= PROTOCOL_MAX:
                await answer(send, 426, unsupported_protocol(str(version)), _SPOKEN)
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


# Browsers and other HTTP clients that honour it keep to HTTPS for this host for a year.
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class StrictTransport(HttpMiddleware):
    """HSTS on every answer, the long-poll fast path's included (so it wraps the whole stack)."""

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def send_with_hsts(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), HSTS]}
            await send(message)

        await self.app(scope, receive, send_with_hsts)
