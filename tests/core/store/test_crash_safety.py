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
RUNS = 200  # kills after the writer has acknowledged at least one write
EARLY_KILLS = 20  # kills at any moment, acknowledged or not: while creating or opening the file


@pytest.mark.slow
def test_every_acknowledged_write_survives_200_random_kills(tmp_path: Path) -> None:
    key = bytearray(os.urandom(32))
    db = tmp_path / "desk.db"
    errors = tmp_path / "writer.err"
    rng = random.Random(int.from_bytes(os.urandom(4), "big"))
    acknowledged: set[str] = set()
    zygote = subprocess.Popen([sys.executable, str(WRITER), "zygote"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=errors.open("w"), text=True, bufsize=1)
    assert zygote.stdin is not None and zygote.stdout is not None
    lines = zygote.stdout

    def start() -> int:
        zygote.stdin.write(f"run {db} {key.hex()}\n")
        zygote.stdin.flush()
        return int(lines.readline().split()[1])

    def until_done() -> None:
        for line in lines:
            if line.startswith("ack "):
                acknowledged.add(line.split()[1])
            elif line.strip() == "done":
                return

    try:
        # The first of these creates the file: a kill may land mid-creation or mid-open.
        for _ in range(EARLY_KILLS):
            pid = start()
            time.sleep(rng.uniform(0, 0.03))
            os.kill(pid, signal.SIGKILL)
            until_done()
        for _ in range(RUNS):
            pid = start()
            # However slow a loaded machine makes the open, wait for one COMMIT to be
            # acknowledged, then kill anywhere: mid-insert, mid-commit, between writes.
            line = lines.readline()
            assert line.startswith("ack "), f"the writer died before writing: {errors.read_text()[-2000:]}"
            acknowledged.add(line.split()[1])
            time.sleep(rng.uniform(0, 0.06))
            os.kill(pid, signal.SIGKILL)
            until_done()
    finally:
        zygote.stdin.close()
        zygote.wait(timeout=30)

    assert len(acknowledged) >= RUNS
    with Store.open(db, key) as store:
        conn = store.connection
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA cipher_integrity_check").fetchall() == []
        stored = {row[0] for row in conn.execute("SELECT id FROM clients")}
        assert store.audit.verify().ok
    assert acknowledged <= stored
    print(f"{EARLY_KILLS + RUNS} kills, {len(acknowledged)} acknowledged writes, {len(stored)} stored")
