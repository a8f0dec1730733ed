"""Telling waiting desks that something changed, within a second.

Each process keeps the newest seq it knows per tenant. A waiting desk parks a
future (no thread, no database connection) with the cursor it waits past; a
push committed in this process settles the futures of that tenant at once. A
push committed by another process behind the same load balancer is noticed by
one short database poll per tenant that has someone waiting (not one per
waiting desk).
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
        self._pollers: dict[UUID, asyncio.Task[None]] = {}
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

    def _advance(self, tenant_id: UUID, seq: int) -> None:
        if seq <= self._latest.get(tenant_id, -1):
            return
        self._latest[tenant_id] = seq
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

    def _ensure_poller(self, tenant_id: UUID) -> None:
        task = self._pollers.get(tenant_id)
        if task is None or task.done():
            self._pollers[tenant_id] = asyncio.ensure_future(self._poll(tenant_id))

    async def _poll(self, tenant_id: UUID) -> None:
        while self._waiters.get(tenant_id):
            await asyncio.sleep(self._poll_interval_s)
            with contextlib.suppress(Exception):
                self._advance(tenant_id, await asyncio.to_thread(self._read_latest, tenant_id))

    async def close(self) -> None:
        for task in self._pollers.values():
            task.cancel()
        self._pollers.clear()
        for waiters in self._waiters.values():
            for future in waiters:
                _settle(future)


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
