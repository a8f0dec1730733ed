"""Hearing other server processes' pushes on PostgreSQL: ``LISTEN medspa_changes``.

Each server process holds one connection of its own that listens for the
notice a trigger sends whenever a tenant's change head advances (migration
0005). A notice wakes this process's waiting desks exactly as a push it
committed itself would (``ChangeNotices.committed``), so a desk streaming from
one process hears a push made through another within milliseconds, with no
per-tenant poll. While the connection is up the per-tenant poll is kept only
as a slow safety net; when it drops the poll returns to its usual pace until
the listener is back, and on every (re)connect each watched tenant's head is
read once, so a notice sent while nobody listened is never missed.

The listening connection goes straight to PostgreSQL: a pooler in
transaction mode (PgBouncer) cannot hold a LISTEN, so
``MEDSPA_API_NOTIFY_DATABASE_URL`` names a direct URL when the app's URL goes
through one.
"""

from __future__ import annotations

import logging
import threading
from uuid import UUID

from medspa_api.db.dialect import libpq_url
from medspa_api.logs import log_event
from medspa_api.sync.notices import ChangeNotices

CHANNEL = "medspa_changes"
MAX_PAYLOAD = 80  # "<uuid>:<seq>"
MAX_SEQ = 2**63 - 1


def parse_notice(payload: str) -> tuple[UUID, int] | None:
    """``<tenant uuid>:<seq>``, or None for anything else (never trusted beyond its shape)."""
    if len(payload) > MAX_PAYLOAD:
        return None
    tenant, _, seq = payload.partition(":")
    try:
        tenant_id, value = UUID(tenant), int(seq)
    except ValueError:
        return None
    return (tenant_id, value) if 0 <= value <= MAX_SEQ else None


class PostgresChangeListener:
    """A thread with one LISTEN connection, reconnecting with back-off until :meth:`stop`."""

    def __init__(self, *, url: str, notices: ChangeNotices, fallback_poll_s: float, usual_poll_s: float,
                 wait_s: float = 0.5, max_backoff_s: float = 10.0) -> None:
        self._url = libpq_url(url)
        self._notices = notices
        self._fallback_poll_s = fallback_poll_s
        self._usual_poll_s = usual_poll_s
        self._wait_s = wait_s
        self._max_backoff_s = max_backoff_s
        self._stopping = threading.Event()
        self.listening = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="pg-change-notices", daemon=True)
        self._thread.start()

    def stop(self, *, timeout_s: float = 5.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self) -> None:
        # Imported here, on PostgreSQL only: the desk bundle runs the demo's server on SQLite and
        # leaves the PostgreSQL driver out (packaging/desk_bundle.py EXCLUDES).
        import psycopg

        backoff = 0.5
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True, connect_timeout=5,
                                     application_name="medspa-api notices") as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._connected()
                    backoff = 0.5
                    while not self._stopping.is_set():
                        for notice in conn.notifies(timeout=self._wait_s):
                            parsed = parse_notice(notice.payload)
                            if parsed is not None:
                                self._notices.committed(*parsed)
            except psycopg.Error as exc:
                log_event("change_notices_disconnected", logging.WARNING, error=type(exc).__name__,
                          retry_in_s=backoff)
            finally:
                if self.listening.is_set():
                    self.listening.clear()
                    self._notices.set_poll_interval(self._usual_poll_s)
            self._stopping.wait(backoff)
            backoff = min(backoff * 2, self._max_backoff_s)

    def _connected(self) -> None:
        self.listening.set()
        self._notices.set_poll_interval(self._fallback_poll_s)
        self._notices.resync()  # anything committed while nobody listened
        log_event("change_notices_listening", channel=CHANNEL)
