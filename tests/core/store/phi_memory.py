"""Counting what a process still holds in memory: a canary name, a key's hex text.

Reads every readable mapping of ``/proc/PID/mem`` (the process must be ours and paused).
Used by the lock test (tests/core/store/test_phi_in_memory.py) and the benchmark
(bench/bench_phi.py), which run the desk core in ``phi_memory_child``.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from medspa_desk.records import Client, Role, new_id
from medspa_desk.store import Actor, Store

REPO = Path(__file__).resolve().parents[3]
CANARY_FIRST = "Quillonbeth"
CANARY_LAST = "Zarkovnapell"


def count_in_memory(pid: int, needles: list[bytes]) -> dict[bytes, int]:
    """Occurrences of each needle in the readable memory of process ``pid``."""
    counts = dict.fromkeys(needles, 0)
    overlap = max(len(n) for n in needles) - 1
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
        for line in maps:
            fields = line.split()
            if "r" not in fields[1] or (len(fields) > 5 and fields[5] in ("[vvar]", "[vsyscall]", "[vvar_vclock]")):
                continue
            start, end = (int(part, 16) for part in fields[0].split("-"))
            tail = b""
            position = start
            while position < end:
                size = min(1 << 22, end - position)
                try:
                    mem.seek(position)
                    chunk = mem.read(size)
                except (OSError, ValueError, OverflowError):
                    break
                block = tail + chunk
                for needle in needles:
                    counts[needle] += block.count(needle)
                    # A needle wholly inside the carried tail was counted with the last block.
                    counts[needle] -= tail.count(needle)
                tail = block[-overlap:] if overlap else b""
                position += size
    return counts


@dataclass
class MemoryCount:
    canary_open: int
    canary_locked: int
    key_hex_open: int
    key_hex_locked: int


def make_store_with_canary(folder: Path, key: bytearray) -> str:
    """A store holding one client named after the canary; returns the client id."""
    actor = Actor(user_id=new_id(), device_id=new_id(), role=Role.FRONT_DESK)
    with Store.open(folder / "desk.db", key, create=True) as store:
        client = Client(first_name=CANARY_FIRST, last_name=CANARY_LAST, birth_date=date(1979, 6, 1),
                        phone="+1 555 0100", notes="Canary client for the memory test.")
        store.create_client(client, actor=actor)
        for number in range(50):  # other clients, so a search and the pages hold more than the canary
            store.create_client(Client(first_name=f"Other{number}", last_name="Person",
                                       birth_date=date(1980, 1, 1)), actor=actor)
    return str(client.id)


def measure_after_lock(folder: Path, key: bytearray, client_id: str, *,
                       memory_security: bool = True) -> MemoryCount:
    """Run the desk core in a child, read its memory with the record open and after lock."""
    needles = [CANARY_FIRST.encode(), key.hex().encode()]
    child = subprocess.Popen([sys.executable, "-m", "tests.core.store.phi_memory_child", str(folder), client_id,
                              *([] if memory_security else ["no-memory-security"])],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=REPO,
                             # A fixed hash seed: the same dict layouts, so the same count run to run.
                             env={**os.environ, "PYTHONHASHSEED": "0"})
    assert child.stdin is not None
    child.stdin.write(bytes(key))
    child.stdin.flush()
    opened, locked = read_at_open_and_lock(child, needles)
    return MemoryCount(canary_open=opened[needles[0]], canary_locked=locked[needles[0]],
                       key_hex_open=opened[needles[1]], key_hex_locked=locked[needles[1]])


def read_at_open_and_lock(child: subprocess.Popen[bytes], needles: list[bytes]
                          ) -> tuple[dict[bytes, int], dict[bytes, int]]:
    """Count ``needles`` in ``child`` at its ``open`` pause and at its ``locked`` pause, then let it end."""
    try:
        assert child.stdin is not None and child.stdout is not None
        line = child.stdout.readline().strip()
        assert line == b"open", line
        opened = count_in_memory(child.pid, needles)
        child.stdin.write(b"go\n")
        child.stdin.flush()
        line = child.stdout.readline().strip()
        assert line == b"locked", line
        locked = count_in_memory(child.pid, needles)
        child.stdin.write(b"go\n")
        child.stdin.flush()
        child.wait(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            child.kill()
    return opened, locked


def measure_session_after_lock(directory: Path, *, server_url: str, tenant: str, ca_path: str, username: str,
                               password: str, totp: str, client_id: str,
                               memory_security: bool = True) -> tuple[int, int]:
    """A whole desk session in a child (``phi_session_child``): the canary's copies while open and after lock."""
    child = subprocess.Popen([sys.executable, "-m", "tests.core.store.phi_session_child", str(directory), server_url,
                              tenant, ca_path, username, client_id,
                              *([] if memory_security else ["no-memory-security"])],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=REPO,
                             env={**os.environ, "PYTHONHASHSEED": "0", "QT_QPA_PLATFORM": "offscreen"})
    assert child.stdin is not None
    child.stdin.write(f"{password}\n{totp}\n".encode())
    child.stdin.flush()
    needle = CANARY_FIRST.encode()
    opened, locked = read_at_open_and_lock(child, [needle])
    return opened[needle], locked[needle]
