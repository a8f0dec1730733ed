"""A writer process for the crash and canary tests, killed with SIGKILL by the test.

``python tests/core/store/writer.py zygote``: imports the store once, then for
each ``run <db> <hex key> <seed>`` line on stdin forks a child that writes tiny
clients forever, printing ``ack <id>`` after each COMMIT; the zygote prints
``pid <n>`` when the child starts and ``done`` when it has died.

``python tests/core/store/writer.py canary <db> <hex key> <marker>``: writes
clients holding the marker, then starts a bulk import of more and stops
mid-transaction (prints ``mid``) until killed.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Iterator
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from medspa_desk.logs import configure
from medspa_desk.records import Client, Role, new_id
from medspa_desk.store import Actor, Store

ACTOR = Actor(user_id=new_id(), device_id=new_id(), role=Role.FRONT_DESK)


def crash_child(db: str, key_hex: str) -> None:
    store = Store.open(Path(db), bytearray.fromhex(key_hex), create=True)
    while True:
        client = Client(first_name="Crash", last_name="Test", birth_date=date(1990, 1, 1))
        store.create_client(client, actor=ACTOR)
        sys.stdout.write(f"ack {client.id}\n")
        sys.stdout.flush()


def zygote() -> None:
    for line in sys.stdin:
        _, db, key_hex = line.split()
        child = os.fork()
        if child == 0:
            try:
                crash_child(db, key_hex)
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(1)
        sys.stdout.write(f"pid {child}\n")
        sys.stdout.flush()
        os.waitpid(child, 0)
        sys.stdout.write("done\n")
        sys.stdout.flush()


def canary(db: str, key_hex: str, marker: str, log_dir: str) -> None:
    configure(Path(log_dir))
    store = Store.open(Path(db), bytearray.fromhex(key_hex), create=True)
    store.create_client(canary_client(marker, "committed"), actor=ACTOR)

    def records() -> Iterator[Client]:
        for i in range(50):
            yield canary_client(marker, f"pending{i}")
        sys.stdout.write("mid\n")
        sys.stdout.flush()
        time.sleep(600)

    store.import_records(records(), actor=ACTOR)


def canary_client(marker: str, tag: str) -> Client:
    return Client(first_name=f"{marker}first", last_name=f"{marker}{tag}", birth_date=date(1980, 2, 2),
                  email=f"{marker.lower()}@example.com", notes=f"{marker} notes " * 20,
                  allergies=f"{marker} allergy")


if __name__ == "__main__":
    if sys.argv[1] == "zygote":
        zygote()
    else:
        canary(*sys.argv[2:6])
