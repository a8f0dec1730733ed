"""A writer killed with SIGKILL at random points never loses an acknowledged write or the file."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from medspa_desk.store import Store

WRITER = Path(__file__).with_name("writer.py")
RUNS = 200


@pytest.mark.slow
def test_every_acknowledged_write_survives_200_random_kills(tmp_path: Path) -> None:
    key = bytearray(os.urandom(32))
    db = tmp_path / "desk.db"
    rng = random.Random(int.from_bytes(os.urandom(4), "big"))
    acknowledged: set[str] = set()
    zygote = subprocess.Popen([sys.executable, str(WRITER), "zygote"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=(tmp_path / "writer.err").open("w"), text=True, bufsize=1)
    assert zygote.stdin is not None and zygote.stdout is not None
    try:
        for _ in range(RUNS):
            zygote.stdin.write(f"run {db} {key.hex()}\n")
            zygote.stdin.flush()
            pid = int(zygote.stdout.readline().split()[1])
            # Kill anywhere: while opening, mid-insert, mid-commit, between writes.
            time.sleep(rng.uniform(0, 0.06))
            os.kill(pid, signal.SIGKILL)
            for line in zygote.stdout:
                if line.startswith("ack "):
                    acknowledged.add(line.split()[1])
                elif line.strip() == "done":
                    break
    finally:
        zygote.stdin.close()
        zygote.wait(timeout=30)

    assert len(acknowledged) > RUNS // 2, "the writer committed often enough to be killed mid-write"
    with Store.open(db, key) as store:
        conn = store.connection
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA cipher_integrity_check").fetchall() == []
        stored = {row[0] for row in conn.execute("SELECT id FROM clients")}
        assert store.audit.verify().ok
    assert acknowledged <= stored
    print(f"{RUNS} kills, {len(acknowledged)} acknowledged writes, {len(stored)} stored")
