"""The store worker the core's tests sign in through, as the app signs in through its database worker.

One per test process, like the app's one (``ui.operations.db_worker()``; the UI
tests use that one itself). A test that sets up workstations of its own (the
sync tests' :func:`tests.support.sync_desks.open_desk`) gives each its own.
"""

from __future__ import annotations

import threading

from medspa_desk.store.worker import StoreWorker

_worker: StoreWorker | None = None
_made = threading.Lock()


def store_worker() -> StoreWorker:
    """The tests' store worker (started on first use)."""
    global _worker
    with _made:
        if _worker is None:
            _worker = StoreWorker(name="test-store-worker")
        return _worker
