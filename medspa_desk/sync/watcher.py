"""The sync engine's watcher: hears of others' changes within a second and wakes the worker.

It holds the server's change stream open (``/sync/changes/stream``) and long-polls
``/sync/changes`` on a server without it. :class:`ChangeWatcher` is a part of
:class:`~medspa_desk.sync.engine.SyncEngine`, which owns the state it reads.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable

import httpx

from medspa_desk.protocol import (
    ChangesSince,
)
from medspa_desk.sync.api import CentralApi
from medspa_desk.sync.auth import Session
from medspa_desk.sync.backoff import Backoff
from medspa_desk.sync.errors import (
    DeviceRevoked,
    ServerRefused,
    SyncError,
)

log = logging.getLogger(__name__)


class ChangeWatcher:
    """The watcher thread's part of the engine (see :class:`~medspa_desk.sync.engine.SyncEngine`)."""

    _client_factory: Callable[[], httpx.Client]
    _session: Session
    _stopping: threading.Event
    _wake: threading.Event
    _pulled: threading.Event
    _paused: bool
    _halted_by: SyncError | None
    _known_cursor: int
    _poll_wait_s: float
    _watch_api: CentralApi | None
    network_did_return: Callable[[], None]  # the engine's: the server answered, end its backoff

    def _watch(self) -> None:
        """Hear of others' changes: the change stream, or long-polls on a server without it."""
        api = self._watch_api = CentralApi(self._client_factory())
        backoff = Backoff(first_s=1.0, longest_s=30.0)
        streaming = True  # until the server shows it has no change stream (one older than this desk)
        try:
            while not self._stopping.is_set():
                if self._paused or self._halted_by is not None:
                    self._stopping.wait(0.5)
                    continue
                opened = time.monotonic()
                try:
                    if streaming:
                        self._session.call(functools.partial(
                            api.follow_changes, after=self._known_cursor, heard=self._heard))
                    else:
                        self._wait_by_long_poll(api)
                except ServerRefused as error:
                    if streaming and error.status == 404:
                        log.info("change stream not offered by the server; long-polling instead")
                        streaming = False
                        continue
                    log.info("change watch failed: %s", type(error).__name__)
                    self._stopping.wait(backoff.next_delay())
                    continue
                except DeviceRevoked:
                    # Refused for good (revoked, or the practice destroyed): the engine's cycle, woken now
                    # rather than on its timer, meets the same answer and erases the workstation.
                    self._wake.set()
                    self._stopping.wait(backoff.next_delay())
                    continue
                except SyncError as error:
                    log.info("change watch failed: %s", type(error).__name__)
                    self._stopping.wait(backoff.next_delay())
                    continue
                except Exception as exc:
                    # Never let the watcher end: without it, others' changes arrive only on the timer.
                    log.warning("change watch: unexpected %s", type(exc).__name__)
                    self._stopping.wait(backoff.next_delay())
                    continue
                if streaming and time.monotonic() - opened < 1.0:
                    # The server ended the stream as soon as it opened it: do not reopen it in a tight loop.
                    self._stopping.wait(backoff.next_delay())
                else:
                    backoff.reset()
        finally:
            api.close()

    def _heard(self, notice: ChangesSince | None) -> bool:
        """A notice (or a heartbeat, None) on the change stream; False closes the stream."""
        if self._stopping.is_set() or self._paused or self._halted_by is not None:
            return False
        # The stream is open: the server answers, so a retry waiting on the backoff need not wait.
        self.network_did_return()
        if notice is not None and notice.latest_seq > self._known_cursor:
            self._wake.set()
        return True

    def _wait_by_long_poll(self, api: CentralApi) -> None:
        answer = self._session.call(functools.partial(
            api.changes_since, after=self._known_cursor, wait_s=self._poll_wait_s))
        self.network_did_return()  # the server answered: a retry waiting on the backoff need not wait
        if answer.changed and not self._paused:
            self._pulled.clear()
            self._wake.set()
            # Wait for the worker's pull before asking again, or the same notice repeats.
            self._pulled.wait(timeout=self._poll_wait_s)
