"""The store in a process of its own, as the child-process design would run it (a measurement, not the desk).

``python -m bench.store_child FOLDER`` with the 32-byte key on stdin: opens the store, says ``ready``,
then answers each line ``appointments N`` with ``N`` appointments (the shape of a day view) pickled
and length-prefixed on stdout, until ``quit``. bench/bench_phi.py times its start and its answers.
"""

from __future__ import annotations

import os
import pickle
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from medspa_desk.records import Appointment, new_id
from medspa_desk.store import Store


def appointments(count: int) -> list[Appointment]:
    start = datetime(2026, 12, 7, 14, tzinfo=UTC)
    location, service = new_id(), new_id()
    return [Appointment(location_id=location, client_id=new_id(), provider_id=new_id(), room_id=new_id(),
                        service_id=service, starts_at=start + timedelta(hours=i % 8),
                        ends_at=start + timedelta(hours=i % 8, minutes=45), buffer_after_min=10)
            for i in range(count)]


def main(folder: str) -> None:
    key = bytearray(32)
    os.readv(0, [key])
    store = Store.open(Path(folder) / "desk.db", key)
    key[:] = bytes(len(key))
    print("ready", flush=True)
    cache: dict[int, list[Appointment]] = {}
    for line in sys.stdin:
        verb, _, argument = line.strip().partition(" ")
        if verb != "appointments":
            break
        count = int(argument)
        answer = pickle.dumps(cache.setdefault(count, appointments(count)), protocol=pickle.HIGHEST_PROTOCOL)
        sys.stdout.buffer.write(len(answer).to_bytes(8, "little") + answer)
        sys.stdout.buffer.flush()
    store.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
