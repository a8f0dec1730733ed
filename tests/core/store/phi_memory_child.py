"""The desk core in a process of its own: open one client's record, lock, then wait to be read.

``python -m tests.core.store.phi_memory_child FOLDER CLIENT_ID [no-memory-security]`` with the data key on
stdin (read straight into a ``bytearray``). It opens the store, reads the client as the desk
does when someone opens the card (the record, a search, the timeline), prints ``open`` and
waits for a line; then locks as ``DeskSession.lock`` does (the store closed, its caches
dropped, the key zeroed), collects garbage, prints ``locked`` and waits for a line before it
exits. The parent reads ``/proc/PID/mem`` at each pause. With ``no-memory-security`` the store
opens with ``cipher_memory_security`` off (on in the desk; see store/connection.py), for comparison.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from uuid import UUID

from medspa_desk.records import Role, new_id
from medspa_desk.store import Actor, Store, connection

KEY_BYTES = 32


def _read_key() -> bytearray:
    key = bytearray(KEY_BYTES)
    view = memoryview(key)
    while view:
        got = os.readv(0, [view])
        if got == 0:
            raise SystemExit("the key did not arrive")
        view = view[got:]
    return key


def main(folder: str, client_id: str, *options: str) -> None:
    connection.MEMORY_SECURITY = "no-memory-security" not in options
    key = _read_key()
    actor = Actor(user_id=new_id(), device_id=new_id(), role=Role.FRONT_DESK)
    store = Store.open(Path(folder) / "desk.db", key)
    client = store.client(UUID(client_id), actor=actor)
    hits = store.search_clients(client.last_name[:5])
    timeline = store.client_timeline(client.id, actor=actor)
    assert hits and timeline is not None
    print("open", flush=True)
    sys.stdin.readline()
    del client, hits, timeline
    store.close()
    key[:] = bytes(len(key))
    del store, key
    gc.collect()
    print("locked", flush=True)
    sys.stdin.readline()


if __name__ == "__main__":
    main(*sys.argv[1:])
