"""A desk killed with SIGKILL mid-pull or mid-push converges after restart: nothing skipped or repeated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.resilience.ledger import cached_records, changes_per_mutation, latest_seq, server_records
from tests.support.live_api import LiveApi
from tests.support.sync_desks import Desk, new_client, open_desk

ROOT = Path(__file__).resolve().parents[2]


def run_desk(desk: Desk, live: LiveApi, *, page: int, batch: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.resilience.desk_process", str(desk.directory), desk.server_url,
         live.ca_path, str(desk.session.user.id), str(desk.session.device_id), str(page), str(batch)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())


def kill_after(process: subprocess.Popen[str], *, prefix: str, lines: int) -> list[str]:
    """SIGKILL the desk once it has printed ``lines`` lines starting with ``prefix``."""
    seen: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        seen.append(line.strip())
        if sum(1 for s in seen if s.startswith(prefix)) >= lines:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, (seen, process.stderr.read() if process.stderr else "")
    return seen


def finish(process: subprocess.Popen[str]) -> list[str]:
    out, err = process.communicate(timeout=180)
    assert process.returncode == 0, err[-3000:]
    return out.split()


def hand_over(desk: Desk) -> None:
    """The test's own engine and store step aside: the desk process owns the workstation now."""
    desk.engine.stop()
    desk.worker.run_sync(lambda _store: desk.store.close())


def reopen(desk: Desk) -> None:
    from medspa_desk.store.store import Store

    desk.store = desk.worker.open(lambda: Store.open(desk.database_path, desk.key.buffer))


@pytest.mark.slow
def test_a_desk_killed_mid_pull_resumes_from_its_cursor(live: LiveApi, tmp_path: Path,
                                                        secret_service: None) -> None:
    writer = open_desk(live, tmp_path / "writer", who="front_desk", start=False)
    reader = open_desk(live, tmp_path / "reader", who="manager", start=False)
    try:
        clients = [new_client(f"Pulled{i}", "Killed") for i in range(1500)]
        writer.write(lambda store: [store.create_client(c, actor=writer.actor) for c in clients])
        writer.engine.run_once()
        head = latest_seq(live)
        hand_over(reader)

        kill_after(run_desk(reader, live, page=100, batch=100), prefix="pulled", lines=4)
        reopen(reader)
        cursor_at_kill = reader.store.pull_cursor()
        partial = len(cached_records(reader.store))
        reader.store.close()
        assert 0 < cursor_at_kill < head, "the kill should land mid-pull"
        assert 0 < partial < len(clients)

        lines = finish(run_desk(reader, live, page=100, batch=100))
        reopen(reader)
        assert reader.store.pull_cursor() == head
        assert cached_records(reader.store) == server_records(live)
        # The resumed pull fetched only what came after the cursor: nothing again, nothing missed.
        pulled = [int(lines[i + 1]) for i, word in enumerate(lines) if word == "pulled"]
        assert pulled and pulled[-1] + partial == len(clients)
    finally:
        writer.close()
        reader.close()


@pytest.mark.slow
def test_a_desk_killed_mid_push_sends_each_change_once_after_restart(live: LiveApi, tmp_path: Path,
                                                                     secret_service: None) -> None:
    desk = open_desk(live, tmp_path / "desk", who="front_desk", start=False)
    try:
        clients = [new_client(f"Pushed{i}", "Killed") for i in range(600)]
        desk.write(lambda store: [store.create_client(c, actor=desk.actor) for c in clients])
        hand_over(desk)

        kill_after(run_desk(desk, live, page=500, batch=25), prefix="pending", lines=3)
        reopen(desk)
        left = desk.store.outbox_count()
        desk.store.close()
        assert 0 < left < len(clients), "the kill should land mid-push"

        finish(run_desk(desk, live, page=500, batch=25))
        reopen(desk)
        assert desk.store.outbox_count() == 0
        applied = changes_per_mutation(live, [desk.session.device_id])
        assert len(applied) == len(clients)
        assert set(applied.values()) == {1}
        assert cached_records(desk.store) == server_records(live)
    finally:
        desk.close()
