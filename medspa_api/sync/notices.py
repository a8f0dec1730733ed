"""Telling waiting desks that something changed, within a second.

Each process keeps the newest seq it knows per tenant and an
``asyncio.Condition``. A push committed in this process notifies at once; a
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
        self._conditions: dict[UUID, asyncio.Condition] = {}
        self._waiting: dict[UUID, int] = {}
        self._pollers: dict[UUID, asyncio.Task[None]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def _condition(self, tenant_id: UUID) -> asyncio.Condition:
        if tenant_id not in self._conditions:
            self._conditions[tenant_id] = asyncio.Condition()
        return self._conditions[tenant_id]

    def committed(self, tenant_id: UUID, seq: int) -> None:
        """Called from any thread after a commit that produced ``seq``."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(lambda: asyncio.ensure_future(self._advance(tenant_id, seq)))

    async def _advance(self, tenant_id: UUID, seq: int) -> None:
        if seq > self._latest.get(tenant_id, -1):
            self._latest[tenant_id] = seq
            condition = self._condition(tenant_id)
            async with condition:
                condition.notify_all()

    async def latest(self, tenant_id: UUID) -> int:
        if tenant_id not in self._latest:
            self._latest[tenant_id] = await asyncio.to_thread(self._read_latest, tenant_id)
        return self._latest[tenant_id]

    async def wait_after(self, tenant_id: UUID, after: int, *, timeout_s: float) -> int:
        """The newest seq, returning as soon as it passes ``after`` or when the wait ends."""
        current = await self.latest(tenant_id)
        if current > after or timeout_s <= 0:
            return current
        self._waiting[tenant_id] = self._waiting.get(tenant_id, 0) + 1
        self._ensure_poller(tenant_id)
        condition = self._condition(tenant_id)
        try:
            async with condition:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(condition.wait_for(lambda: self._latest.get(tenant_id, 0) > after),
                                           timeout=timeout_s)
        finally:
            self._waiting[tenant_id] -= 1
        return self._latest.get(tenant_id, current)

    def _ensure_poller(self, tenant_id: UUID) -> None:
        task = self._pollers.get(tenant_id)
        if task is None or task.done():
            self._pollers[tenant_id] = asyncio.ensure_future(self._poll(tenant_id))

    async def _poll(self, tenant_id: UUID) -> None:
        while self._waiting.get(tenant_id, 0) > 0:
            await asyncio.sleep(self._poll_interval_s)
            with contextlib.suppress(Exception):
                await self._advance(tenant_id, await asyncio.to_thread(self._read_latest, tenant_id))

    async def close(self) -> None:
        for task in self._pollers.values():
            task.cancel()
        self._pollers.clear()
