"""Who hears that a committed write added to the outbox: the sync engine, which then pushes it.

A write leaves the desk because the store says so, not because the screen
that made it remembered to nudge sync: a temporary trigger on the outbox
notes every entry added on this connection (by any part of the core, a
script, a test), and once the transaction commits, every listener hears it
once. A rolled-back transaction says nothing. Listeners run on the store's
thread right after the commit, so they must be quick (the engine only sets
an event).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

OutboxListener = Callable[[], object]


class OutboxWatch:
    """Notes outbox inserts on one connection and tells listeners after the commit."""

    def __init__(self, conn: Any) -> None:
        self._listeners: list[OutboxListener] = []
        self._grew = False
        conn.create_function("medspa_outbox_did_grow", 0, self._note)
        # TEMP: lives with this connection only; the file's schema is not changed.
        conn.execute("CREATE TEMP TRIGGER IF NOT EXISTS medspa_outbox_did_grow AFTER INSERT ON outbox "
                     "BEGIN SELECT medspa_outbox_did_grow(); END")

    def listen(self, listener: OutboxListener) -> None:
        """Call ``listener()`` after each committed transaction that added to the outbox (once, if given twice)."""
        if listener not in self._listeners:
            self._listeners.append(listener)

    def forget(self, listener: OutboxListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _note(self) -> None:
        self._grew = True

    def committed(self) -> None:
        if not self._grew:
            return
        self._grew = False
        for listener in list(self._listeners):
            try:
                listener()
            except Exception as exc:  # a broken listener never undoes or fails a committed write
                log.warning("outbox listener failed: %s", type(exc).__name__)

    def rolled_back(self) -> None:
        self._grew = False
