"""Every connection to the store runs with ``cipher_memory_security`` on, and at an affordable cost.

The switch is process-wide and sticky, so a test process that opened a store before cannot show
that opening one turns it on: a fresh child process opens the store (and opens it again) and
reports what SQLite and the kernel say. What it buys is measured in test_phi_in_memory.py; what it
costs in bench/bench_store.py (``store.cipher_memory_security_cost``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from medspa_desk.store import Store

REPO = Path(__file__).resolve().parents[3]

CHILD = """
import ctypes, json, resource, sys
from pathlib import Path
from medspa_desk.store import Store
key = bytearray(range(32))
seen = []
for create in (True, False):  # a new store, then the same store opened again
    with Store.open(Path(sys.argv[1]), key, create=create) as store:
        seen.append(store.connection.execute("PRAGMA cipher_memory_security").fetchone()[0])
libc = ctypes.CDLL(None, use_errno=True)
page = ctypes.create_string_buffer(4096)
locked = libc.mlock(page, 4096) == 0
print(json.dumps({"on": seen, "memlock_soft": resource.getrlimit(resource.RLIMIT_MEMLOCK)[0], "mlock_ok": locked}))
"""


def test_every_connection_to_the_store_has_cipher_memory_security_on_from_the_first(tmp_path: Path) -> None:
    answer = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "desk.db")], capture_output=True,
                            text=True, cwd=REPO, env=dict(os.environ), timeout=120, check=True)
    seen = json.loads(answer.stdout.strip().splitlines()[-1])
    assert [int(on) for on in seen["on"]] == [1, 1]
    # And mlock fails at once in that process: the cost of the switch was the kernel locking each block.
    assert seen["memlock_soft"] == 0
    assert seen["mlock_ok"] is False


def test_a_store_opened_here_wipes_what_it_frees(tmp_path: Path) -> None:
    with Store.open(tmp_path / "desk.db", bytearray(range(32)), create=True) as store:
        assert int(store.connection.execute("PRAGMA cipher_memory_security").fetchone()[0]) == 1
