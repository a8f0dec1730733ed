"""Fixtures for the shell's UI tests: a real workstation (vault + SQLCipher store) per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ui.practice import PASSWORDS, SmallPractice, build_practice
from ui.demo import DemoWorkstation, OfflineDeskSession, OfflineSignIn, seed_workstation
from ui.events import bus
from ui.operations import db_worker


@pytest.fixture
def practice() -> SmallPractice:
    return build_practice()


@pytest.fixture
def workstation(tmp_path: Path, practice: SmallPractice) -> DemoWorkstation:
    return seed_workstation(tmp_path / "desk", records=practice.records, users=practice.users,
                            passwords=PASSWORDS)


@pytest.fixture
def sign_in(workstation: DemoWorkstation, qapp: Any) -> Iterator[Callable[..., OfflineDeskSession]]:
    """``sign_in("desk.amy")``: a signed-in session whose store the DB worker owns."""
    sessions: list[OfflineDeskSession] = []

    def signed_in(username: str, *, pin: str | None = "2468") -> OfflineDeskSession:
        session = OfflineSignIn(workstation.directory, pin=pin).sign_in(
            username=username, password=PASSWORDS[username])
        db_worker().attach(session.store)
        sessions.append(session)
        return session

    yield signed_in
    worker = db_worker()
    worker.detach(close=False)
    worker.run_sync(lambda _store: None)
    for session in sessions:
        session.sign_out()
    bus.set_privacy_mode(False)
