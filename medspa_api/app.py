"""The application factory."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from medspa_api.api.body_limits import BodyLimits
from medspa_api.api.change_stream import OpenStreams
from medspa_api.api.deps import record_refused_request
from medspa_api.api.long_poll import ChangesFastPath
from medspa_api.api.middleware import ProtocolAndLog, StrictTransport
from medspa_api.api.routes import (
    audit,
    auth,
    destructions,
    devices,
    health,
    photos,
    practice,
    sync,
    users,
)
from medspa_api.audit_log import AuditUnavailable, chain_keys, use_chain_keys
from medspa_api.data.changes import latest_seq
from medspa_api.db.database import Database
from medspa_api.errors import ApiError
from medspa_api.logs import log_event
from medspa_api.settings import Settings
from medspa_api.sync.notices import ChangeNotices
from medspa_api.sync.pg_notices import PostgresChangeListener
from medspa_desk.protocol import PROTOCOL_HEADER, PROTOCOL_MAX, PROTOCOL_MIN, ErrorBody

API_PREFIX = "/api/v1"
# What FastAPI and Starlette refuse themselves, said as every other refusal is.
FRAMEWORK_REFUSALS: dict[int, tuple[str, str]] = {
    400: ("invalid_body", "The request body could not be read: send JSON encoded as UTF-8."),
    404: ("not_found", "There is nothing at this address on the server. Check the app's server address."),
    405: ("method_not_allowed", "This address does not accept that kind of request."),
}
OTHER_FRAMEWORK_REFUSAL = ("request_refused", "The server cannot take this request as it was sent. Update the "
                           "app, and tell the practice's IT contact if it keeps happening.")


PROTOCOL_PARAMETER: dict[str, Any] = {
    "name": PROTOCOL_HEADER, "in": "header", "required": False,
    "description": f"The sync protocol the app speaks ({PROTOCOL_MIN} to {PROTOCOL_MAX} here). Not a plain "
                   "number: 400. A number outside that range: 426, update the app.",
    "schema": {"type": "string", "pattern": "^[0-9]{1,9}$"},
}


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content=ErrorBody(code=code, message=message).model_dump(),
                        headers=headers)


class CentralApi(FastAPI):
    """FastAPI with the long-poll fast path in front of everything else.

    A waiting desk is answered again after every change; the error,
    telemetry and body-size layers FastAPI wraps around each request cost
    more than the answer itself, so a plain, cached-token long-poll is
    answered before them (medspa_api.api.long_poll) and anything else goes
    through the whole stack.
    """

    def openapi(self) -> dict[str, Any]:
        """The document, with the protocol header every operation accepts (checked by middleware, not routes)."""
        if self.openapi_schema is None:
            document = super().openapi()
            for operations in document.get("paths", {}).values():
                for operation in operations.values():
                    operation.setdefault("parameters", []).append(PROTOCOL_PARAMETER)
            self.openapi_schema = document
        return self.openapi_schema

    def build_middleware_stack(self) -> Any:
        return StrictTransport(ChangesFastPath(super().build_middleware_stack(), notices=self.state.notices))


def create_app(settings: Settings, *, database: Database | None = None) -> FastAPI:
    db = database or Database(settings.database_url, behind_pooler=settings.behind_pooler)
    use_chain_keys(db.engine, chain_keys(settings))

    def read_latest(tenant_id: UUID) -> int:
        with db.transaction(tenant_id, write=False) as conn:
            return latest_seq(conn, tenant_id=tenant_id)

    notices = ChangeNotices(read_latest=read_latest, poll_interval_s=settings.poll_interval_s)
    streams = OpenStreams(database=db, notices=notices, check_s=settings.stream_check_s,
                          heartbeat_s=settings.stream_heartbeat_s)

    listener = None if settings.is_sqlite else PostgresChangeListener(
        url=settings.notify_database_url or settings.database_url, notices=notices,
        fallback_poll_s=settings.notify_fallback_poll_s, usual_poll_s=settings.poll_interval_s)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        notices.bind(asyncio.get_running_loop())
        if listener is not None:
            listener.start()
        yield
        if listener is not None:
            await asyncio.to_thread(listener.stop)
        await streams.close()
        await notices.close()
        if database is None:
            db.dispose()

    app = CentralApi(title="Medspa Desk central API", version="1", lifespan=lifespan,
                  description="Sync, sign-in, escrow and audit for Medspa Desk workstations. Errors are "
                              "always {code, message}.")
    app.state.settings = settings
    app.state.database = db
    app.state.notices = notices
    app.state.change_listener = listener
    app.state.streams = streams
    for router in (auth.router, sync.router, devices.router, audit.router, users.router, photos.router,
                   practice.router, destructions.router):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(health.router)

    app.add_middleware(BodyLimits)
    app.add_middleware(ProtocolAndLog)  # outermost: logs the body limits' refusals too

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        await run_in_threadpool(record_refused_request, request, outcome=(
            "invalid_json" if first.get("type") == "json_invalid" else "invalid_request"))
        if first.get("type") == "json_invalid":
            return _error(422, "invalid_json", "The request body is not valid JSON "
                          f"({str(first.get('ctx', {}).get('error', 'unreadable'))[:100]}). Send JSON and try again.")
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "request"
        return _error(422, "invalid_request", f"The request is not valid at {where[:200]}: "
                      f"{str(first.get('msg', 'invalid value'))[:300]}. Fix it and send again.")

    @app.exception_handler(HTTPException)
    async def refused_by_framework(_request: Request, exc: HTTPException) -> JSONResponse:
        code, message = FRAMEWORK_REFUSALS.get(exc.status_code, OTHER_FRAMEWORK_REFUSAL)
        return _error(exc.status_code, code, message, dict(exc.headers or {}))

    @app.exception_handler(AuditUnavailable)
    async def audit_unavailable(_request: Request, _exc: AuditUnavailable) -> JSONResponse:
        log_event("audit_write_failed", logging.ERROR)
        return _error(503, "audit_unavailable", "The server could not record this in the audit trail, so "
                      "nothing was saved. Try again in a moment; the app keeps your changes.")

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log_event("unexpected_error", logging.ERROR, error=type(exc).__qualname__)
        return _error(500, "server_error", "Something went wrong on the server; nothing was lost on this "
                      "computer. Try again, and tell the practice's IT contact if it keeps happening.")

    return app
