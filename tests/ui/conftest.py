"""Fixtures for the shell's UI tests.

- ``practice``/``workstation``/``sign_in``: a workstation folder seeded as a
  first sync would leave it (real vault, real SQLCipher store), and real
  ``DeskSession`` objects signed in from the keyslot, offline;
- ``live_api``: the real central API over TLS on loopback.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from medspa_desk.session import DeskSession
from medspa_desk.signing_in import sign_in as session_sign_in
from tests.support.live_api import LiveApi
from tests.ui.practice import (
    PASSWORDS,
    SeededWorkstation,
    SmallPractice,
    build_practice,
    seed_workstation,
)
from ui.collector import full_collections
from ui.events import bus
from ui.operations import db_worker


@pytest.fixture(autouse=True)
def collector_as_found() -> Iterator[None]:
    """Signing in freezes the heap and a sync cycle holds off full collections (ui/collector.py):
    each test leaves the collector as it found it."""
    yield
    full_collections.resume_all()
    gc.unfreeze()


@pytest.fixture
def practice() -> SmallPractice:
    return build_practice()


@pytest.fixture
def workstation(tmp_path: Path, practice: SmallPractice) -> SeededWorkstation:
    return seed_workstation(tmp_path / "desk", practice)


@pytest.fixture
def sign_in(workstation: SeededWorkstation, qapp: Any) -> Iterator[Callable[..., DeskSession]]:
    """``sign_in("desk.amy")``: a signed-in session whose store the DB worker owns."""
    sessions: list[DeskSession] = []

    def signed_in(username: str, *, pin: str | None = "2468") -> DeskSession:
        session = session_sign_in(workstation.directory, username=username, password=PASSWORDS[username],
                                  worker=db_worker())
        if pin:
            session.set_pin(pin)
        db_worker().attach(session.store)
        sessions.append(session)
        return session

    yield signed_in
    release_worker()
    for session in sessions:
        session.sign_out()
    bus.set_privacy_mode(False)


@pytest.fixture
def signed_in_sessions() -> Iterator[list[DeskSession]]:
    """Sessions a test signs in; signed out (sync stopped) afterwards."""
    sessions: list[DeskSession] = []
    yield sessions
    release_worker()
    for session in sessions:
        session.sign_out()


def release_worker() -> None:
    """Take the store away from the DB worker (without closing it) once queued jobs are done."""
    worker = db_worker()
    worker.detach(close=False)
    worker.run_sync(lambda _store: None)


@pytest.fixture
def live_api(tmp_path: Path) -> Iterator[LiveApi]:
    with LiveApi.start(tmp_path / "server") as live:
        yield live


@pytest.fixture
def desk_style(qapp: Any) -> Iterator[None]:
    """The app's own look (ui.style: Fusion and the desk stylesheet, its 10.5 pt font) while a test runs."""
    from ui.style import desk_style as app_look

    with app_look():
        yield
