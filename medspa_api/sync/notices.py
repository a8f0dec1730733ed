"""Telling waiting desks that something changed, within a second.

Each process keeps the newest seq it knows per tenant. A long-polling desk
parks a future (no thread, no database connection) with the cursor it waits
past; a desk holding a change stream (medspa_api.api.change_stream) is a
:class:`Listener` woken on every change. A push committed in this process
settles the futures and wakes the listeners of that tenant at once. A push
committed by another process behind the same load balancer is heard through
PostgreSQL's NOTIFY (medspa_api.sync.pg_notices); on SQLite, and on PostgreSQL
while that connection is down, by one short database poll per tenant that has
someone waiting or listening (not one per desk).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from uuid import UUID


class ChangeNotices:
    def __init__(self, *, read_latest: Callable[[UUID], int], poll_interval_s: float = 0.5) -> None:
        self._read_latest = read_latest
        self._poll_interval_s = poll_interval_s
        self._latest: dict[UUID, int] = {}
        # Per tenant: each waiting desk's future and the cursor it waits past.
        self._waiters: dict[UUID, dict[asyncio.Future[None], int]] = {}
        self._listeners: dict[UUID, set[Listener]] = {}
        self._pollers: dict[UUID, asyncio.Task[None]] = {}
        self._resyncs: set[asyncio.Future[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def committed(self, tenant_id: UUID, seq: int) -> None:
        """Called from any thread after a commit that produced ``seq``."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._advance(tenant_id, seq)
        else:
            loop.call_soon_threadsafe(self._advance, tenant_id, seq)

    def set_poll_interval(self, seconds: float) -> None:
        """How often each watched tenant's head is read (slow while PostgreSQL's NOTIFY is heard)."""
        self._poll_interval_s = seconds

    def resync(self) -> None:
        """Called from any thread: read every watched tenant's head once (notices may have been missed)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._resync_watched)

    def _resync_watched(self) -> None:
        for tenant_id in set(self._listeners) | set(self._waiters):
            task = asyncio.ensure_future(self._read_and_advance(tenant_id))
            self._resyncs.add(task)  # held until done: the loop keeps only weak references
            task.add_done_callback(self._resyncs.discard)

    async def _read_and_advance(self, tenant_id: UUID) -> None:
        with contextlib.suppress(Exception):
            self._advance(tenant_id, await asyncio.to_thread(self._read_latest, tenant_id))

    def _advance(self, tenant_id: UUID, seq: int) -> None:
        if seq <= self._latest.get(tenant_id, -1):
            return
        self._latest[tenant_id] = seq
        for listener in self._listeners.get(tenant_id, ()):
            listener.wake()
        waiters = self._waiters.get(tenant_id)
        if not waiters:
            return
        for future, after in list(waiters.items()):
            if after < seq and not future.done():
                future.set_result(None)

    async def latest(self, tenant_id: UUID) -> int:
        if tenant_id not in self._latest:
            seq = await asyncio.to_thread(self._read_latest, tenant_id)
            self._latest[tenant_id] = max(seq, self._latest.get(tenant_id, 0))
        return self._latest[tenant_id]

    async def wait_after(self, tenant_id: UUID, after: int, *, timeout_s: float) -> int:
        """The newest seq, returning as soon as it passes ``after`` or when the wait ends."""
        current = await self.latest(tenant_id)
        if current > after or timeout_s <= 0:
            return current
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        waiters = self._waiters.setdefault(tenant_id, {})
        waiters[future] = after
        timer = loop.call_later(timeout_s, _settle, future)
        self._ensure_poller(tenant_id)
        try:
            await future
        finally:
            timer.cancel()
            waiters.pop(future, None)
        return self._latest.get(tenant_id, current)

    def latest_known(self, tenant_id: UUID) -> int:
        """The newest seq this process knows of (after :meth:`latest` has read it once)."""
        return self._latest.get(tenant_id, 0)

    async def listen(self, tenant_id: UUID) -> Listener:
        """A listener woken on each change of ``tenant_id`` until :meth:`unlisten`.

        The newest seq is read from the database first (a change committed by
        another process may not have been polled yet), so a stream's first event
        is exact.
        """
        self._advance(tenant_id, await asyncio.to_thread(self._read_latest, tenant_id))
        listener = Listener(asyncio.get_running_loop())
        self._listeners.setdefault(tenant_id, set()).add(listener)
        self._ensure_poller(tenant_id)
        return listener

    def unlisten(self, tenant_id: UUID, listener: Listener) -> None:
        listeners = self._listeners.get(tenant_id)
        if listeners is not None:
            listeners.discard(listener)
            if not listeners:
                del self._listeners[tenant_id]

    def _ensure_poller(self, tenant_id: UUID) -> None:
        task = self._pollers.get(tenant_id)
        if task is None or task.done():
            self._pollers[tenant_id] = asyncio.ensure_future(self._poll(tenant_id))

    async def _poll(self, tenant_id: UUID) -> None:
        while self._waiters.get(tenant_id) or self._listeners.get(tenant_id):
            await asyncio.sleep(self._poll_interval_s)
            await self._read_and_advance(tenant_id)

    async def close(self) -> None:
        for task in self._pollers.values():
            task.cancel()
        self._pollers.clear()
        for waiters in self._waiters.values():
            for future in waiters:
                _settle(future)
        for listeners in self._listeners.values():
            for listener in listeners:
                listener.end()


class Listener:
    """One open change stream's wake-up: set by a change, a heartbeat tick or the end of its session.

    A wake that comes while the stream is busy writing is kept, so :meth:`woken`
    returns at once after it and no change is missed.
    """

    __slots__ = ("_future", "_loop", "ended")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._future: asyncio.Future[None] = loop.create_future()
        self.ended = False

    def wake(self) -> None:
        if not self._future.done():
            self._future.set_result(None)

    def end(self) -> None:
        self.ended = True
        self.wake()

    async def woken(self) -> None:
        await self._future
        self._future = self._loop.create_future()


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
