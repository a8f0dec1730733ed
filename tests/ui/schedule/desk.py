"""A real desk for schedule, booking and check-in tests.

A real SQLCipher store (random key, temp folder) attached to the app's one
database worker, a small practice in it (``ui.screen_tour.seed_practice``), and a
session-like object (``ui.screen_tour.Desk``: location, actor, user) the views take. Import the fixtures into a test module with
``from tests.ui.schedule.desk import desk, front_desk, provider_desk``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from medspa_desk.store import Store
from ui.operations import db_worker
from ui.screen_tour import Desk, seed_practice

_practice = seed_practice  # the name older tests import

__all__ = ["Desk", "_practice", "desk", "front_desk", "provider_desk"]


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    from medspa_desk.records import new_id

    worker = db_worker()
    key = bytearray(os.urandom(32))
    worker.open(lambda: Store.open(tmp_path / "desk.db", key, create=True))
    practice = worker.run_sync(lambda store: seed_practice(store, new_id()))
    yield practice
    worker.detach(close=True)
    worker.run_sync(lambda _store: None)


@pytest.fixture
def front_desk(desk: Desk) -> Desk:
    return desk


@pytest.fixture
def provider_desk(desk: Desk) -> Desk:
    return desk.as_user("provider")
