"""``GET /sync/changes/stream``: one server-sent event per change, on one connection per desk.

A long-polling desk is answered after every change and asks again, so at 20
changes a second 500 desks make 10,000 authenticated requests a second. A
desk holding this stream is authenticated once, when it opens, and then gets
one small event per change (``data: {"latest_seq":N,"changed":true}``; the
first event says where the tenant stands against the desk's ``after``),
a comment line as a heartbeat while nothing changes, and a last ``end`` event
when the stream ends. Events are coalesced: a desk slower than the changes
hears the newest seq, never a backlog.

The stream ends at once when its sign-in ends (:class:`OpenStreams`): at the
access token's or session's expiry, and when the session is ended (sign-out,
user disabled, device revoked, refresh reuse). Ending sessions in this
process moves the token cache's generation (medspa_api.data.users.end_sessions),
which the watchdog notices within a tick and checks every open session in
one query per tenant; the same query runs every ``check_s`` seconds for
sessions ended by another process behind the same load balancer. The desk
then opens the stream again and is told what is wrong (401, 403) like any
other request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from starlette.responses import Response

from medspa_api.db import tables as t
from medspa_api.db.database import Database
from medspa_api.logs import log_event
from medspa_api.security.token_cache import VALIDATED_TOKENS
from medspa_api.sync.notices import ChangeNotices, Listener
from medspa_desk.records import utc_now

EVENT_STREAM = "text/event-stream"
TICK_S = 0.2  # how often the watchdog looks at expiries and the token cache's generation
HEARTBEAT = b": still here\n\n"
SESSION_ENDED = (b'event: end\ndata: {"code":"session_expired","message":"Your session has ended; '
                 b'sign in again."}\n\n')
TOKEN_EXPIRED = (b'event: end\ndata: {"code":"token_expired","message":"The access token has expired; '
                 b'open the stream again with a fresh one."}\n\n')
SERVER_CLOSING = (b'event: end\ndata: {"code":"server_closing","message":"The server is restarting; '
                  b'open the stream again in a moment."}\n\n')


def change_event(latest: int, after: int) -> bytes:
    return f'data: {{"latest_seq":{latest},"changed":{"true" if latest > after else "false"}}}\n\n'.encode()


@dataclass(eq=False, kw_only=True)
class _Stream:
    tenant_id: UUID
    session_id: UUID
    token_hash: str  # the access token it was opened with: expiring that token ends the stream
    ends_at: float  # time.monotonic() when the access token or its session expires
    listener: Listener
    farewell: bytes = b""


def _tokens_still_valid(db: Database, *, tenant_id: UUID, token_hashes: Iterable[str]) -> set[str]:
    """Which access tokens are still usable: not expired (nor expired early, as a spent refresh
    successor's is), session not ended or expired, user active, device not revoked."""
    k, s, u, d = t.tokens.c, t.sessions.c, t.users.c, t.devices.c
    now = utc_now()
    with db.transaction(tenant_id, write=False) as conn:
        return set(conn.execute(
            sa.select(k.token_hash)
            .select_from(t.tokens
                         .join(t.sessions, sa.and_(s.tenant_id == k.tenant_id, s.id == k.session_id))
                         .join(t.users, sa.and_(u.tenant_id == s.tenant_id, u.id == s.user_id))
                         .join(t.devices, sa.and_(d.tenant_id == s.tenant_id, d.id == s.device_id)))
            .where(k.tenant_id == tenant_id, k.token_hash.in_(list(token_hashes)), k.kind == "access",
                   k.expires_at > now, s.ended_at.is_(None), s.expires_at > now, u.active.is_(True),
                   d.revoked_at.is_(None))).scalars())


class OpenStreams:
    """Every open change stream of this process, and the watchdog that ends them with their sign-in."""

    def __init__(self, *, database: Database, notices: ChangeNotices, check_s: float = 1.0,
                 heartbeat_s: float = 15.0) -> None:
        self._database = database
        self._notices = notices
        self.check_s = check_s
        self.heartbeat_s = heartbeat_s
        self._streams: set[_Stream] = set()
        self._watchdog: asyncio.Task[None] | None = None

    @property
    def count(self) -> int:
        return len(self._streams)

    async def serve(self, send: Any, receive: Any, *, tenant_id: UUID, session_id: UUID, token_hash: str,
                    after: int, valid_for_s: float) -> None:
        """Write the stream until its sign-in ends, the desk goes away or the server shuts down."""
        listener = await self._notices.listen(tenant_id)
        stream = _Stream(tenant_id=tenant_id, session_id=session_id, token_hash=token_hash, listener=listener,
                         ends_at=time.monotonic() + valid_for_s)
        self._streams.add(stream)
        self._ensure_watchdog()
        gone = asyncio.ensure_future(_until_disconnect(receive))
        gone.add_done_callback(lambda _task: listener.end())
        try:
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", EVENT_STREAM.encode()), (b"cache-control", b"no-store"),
                                    (b"x-accel-buffering", b"no")]})
            sent = self._notices.latest_known(tenant_id)
            await send({"type": "http.response.body", "body": change_event(sent, after), "more_body": True})
            last_write = time.monotonic()
            while True:
                await listener.woken()
                if listener.ended:
                    break
                latest = self._notices.latest_known(tenant_id)
                if latest > sent:
                    body = change_event(latest, sent)
                    sent = latest
                elif time.monotonic() - last_write >= self.heartbeat_s * 0.9:
                    body = HEARTBEAT
                else:
                    continue
                await send({"type": "http.response.body", "body": body, "more_body": True})
                last_write = time.monotonic()
            if not gone.done():
                await send({"type": "http.response.body", "body": stream.farewell or SERVER_CLOSING,
                            "more_body": False})
        finally:
            gone.cancel()
            self._streams.discard(stream)
            self._notices.unlisten(tenant_id, listener)

    def _ensure_watchdog(self) -> None:
        if self._watchdog is None or self._watchdog.done():
            self._watchdog = asyncio.ensure_future(self._watch())

    async def _watch(self) -> None:
        generation = VALIDATED_TOKENS.generation
        next_check = next_heartbeat = time.monotonic()
        while self._streams:
            await asyncio.sleep(TICK_S)
            now = time.monotonic()
            for stream in [s for s in self._streams if s.ends_at <= now]:
                self._end(stream, TOKEN_EXPIRED)
            if now >= next_heartbeat:
                next_heartbeat = now + self.heartbeat_s
                for stream in self._streams:
                    stream.listener.wake()
            if now >= next_check or VALIDATED_TOKENS.generation != generation:
                generation = VALIDATED_TOKENS.generation
                next_check = now + self.check_s
                try:
                    await self._end_closed_sessions()
                except Exception as exc:  # the database is away: keep the streams, try again next time
                    log_event("stream_session_check_failed", logging.WARNING, error=type(exc).__qualname__)

    async def _end_closed_sessions(self) -> None:
        by_tenant: dict[UUID, set[str]] = {}
        for stream in self._streams:
            by_tenant.setdefault(stream.tenant_id, set()).add(stream.token_hash)
        for tenant_id, token_hashes in by_tenant.items():
            still_valid = await asyncio.to_thread(_tokens_still_valid, self._database, tenant_id=tenant_id,
                                                  token_hashes=token_hashes)
            for stream in [s for s in self._streams if s.tenant_id == tenant_id
                           and s.token_hash in token_hashes and s.token_hash not in still_valid]:
                self._end(stream, SESSION_ENDED)

    @staticmethod
    def _end(stream: _Stream, farewell: bytes) -> None:
        if not stream.listener.ended:
            stream.farewell = farewell
            stream.listener.end()

    async def close(self) -> None:
        for stream in list(self._streams):
            self._end(stream, SERVER_CLOSING)
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog


async def _until_disconnect(receive: Any) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


class ChangeStreamResponse(Response):
    """The route's answer: the stream itself, written by :meth:`OpenStreams.serve`.

    No class-level media type: FastAPI would document the route's error answers
    (JSON) under it; the route declares its event stream itself.
    """

    media_type = None

    def __init__(self, streams: OpenStreams, *, tenant_id: UUID, session_id: UUID, token_hash: str,
                 after: int, valid_for_s: float) -> None:
        super().__init__()
        self._streams = streams
        self._stream_args = {"tenant_id": tenant_id, "session_id": session_id, "token_hash": token_hash,
                             "after": after, "valid_for_s": valid_for_s}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self._streams.serve(send, receive, **self._stream_args)
