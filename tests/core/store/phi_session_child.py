"""A whole desk session in a process of its own: sign in online, pull, open a client, lock, wait to be read.

``python -m tests.core.store.phi_session_child DIRECTORY SERVER_URL TENANT CA USERNAME CLIENT_ID
[no-memory-security]`` with the password and the authenticator code on stdin, one a line. It signs
in with the desk's own ``sign_in`` (a first sign-in: vault, store, keychain, the sync engine over
TLS), waits until the sync has pulled the client ``CLIENT_ID``, then does what the desk does when
someone finds and opens that client (the search box's ``search_clients``, the profile's
``load_profile``: the record, the timeline, the change history). It prints ``open`` and waits for
a line; then locks with ``DeskSession.lock`` (sync paused, store closed, key wiped), collects
garbage, prints ``locked`` and waits for a line before it signs out and exits. The parent reads
``/proc/PID/mem`` at each pause (tests/core/store/phi_memory.py).
"""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path
from typing import Any
from uuid import UUID

from medspa_desk import signing_in
from medspa_desk.store import connection
from medspa_desk.store.worker import StoreWorker
from ui.client_profile import load_profile

PULL_TIMEOUT_S = 60.0


def main(argv: list[str]) -> int:
    directory, server_url, tenant, ca_path, username, client_id, *options = argv
    connection.MEMORY_SECURITY = "no-memory-security" not in options
    password, totp = sys.stdin.readline().rstrip("\n"), sys.stdin.readline().rstrip("\n")
    worker = StoreWorker()  # the sync engine's store work and ours run there in turn (as the app's worker)
    session = signing_in.sign_in(
        Path(directory), username=username, password=password, totp=totp, worker=worker,
        options=signing_in.SignInOptions(server_url=server_url, tenant=tenant, ca_path=ca_path))
    worker.attach(session.store)
    del password, totp
    wanted = UUID(client_id)
    deadline = time.monotonic() + PULL_TIMEOUT_S
    while not worker.run_sync(lambda store: any(hit.id == wanted for hit in store.search_clients("Zarkov"))):
        if time.monotonic() > deadline:
            print("not pulled", flush=True)
            return 1
        time.sleep(0.1)

    def open_the_client(store: Any) -> tuple[Any, Any]:
        location = session.reload_location()  # None in a tenant with no location yet: no room names
        return store.search_clients("Zarkovnap"), load_profile(
            store, wanted, actor=session.actor, location_id=location.id if location is not None else None)

    hits, profile = worker.run_sync(open_the_client)
    assert hits and profile.client.id == wanted
    print("open", flush=True)
    sys.stdin.readline()
    del hits, profile
    session.lock()
    worker.detach(close=False)
    worker.run_sync(lambda _store: None)  # the worker has let go of the closed store
    gc.collect()
    print("locked", flush=True)
    sys.stdin.readline()
    session.sign_out()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
