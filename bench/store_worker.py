"""One encrypted store in a process of its own, answering the store benchmark's queries.

``python -m bench.store_worker PATH LOCATION_ID on|off`` with the 32-byte key on stdin.
``cipher_memory_security`` is process-wide and cannot be turned off once on, so its cost
is measured between two of these workers, one with it and one without, driven query by
query in turn by bench/bench_store.py. Each line in is ``search TEXT``, ``day YYYY-MM-DD``
or ``timeline CLIENT_ID``; each line out is ``WALL_MS CPU_MS`` for that query.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from pathlib import Path
from uuid import UUID

from medspa_desk.records import Role, new_id
from medspa_desk.store import Actor, Store, connection


def main(path: str, location_id: str, memory_security: str) -> None:
    connection.MEMORY_SECURITY = memory_security == "on"
    key = bytearray(32)
    os.readv(0, [key])
    store = Store.open(Path(path), key)
    key[:] = bytes(len(key))
    actor = Actor(user_id=new_id(), device_id=new_id(), role=Role.MANAGER)
    location = UUID(location_id)
    on = store.connection.execute("PRAGMA cipher_memory_security").fetchone()[0]
    print(f"ready {on}", flush=True)
    for line in sys.stdin:
        verb, _, argument = line.strip().partition(" ")
        if verb == "quit":
            break
        started, cpu = time.perf_counter(), time.process_time()
        if verb == "search":
            store.search_clients(argument)
        elif verb == "day":
            store.day_schedule(location, date.fromisoformat(argument))
        elif verb == "timeline":
            store.client_timeline(UUID(argument), actor=actor)
        print(f"{(time.perf_counter() - started) * 1000:.4f} {(time.process_time() - cpu) * 1000:.4f}",
              flush=True)
    store.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
