"""A small practice in a real SQLCipher store, with staff of every role (tests.support.desk_walk.Scene)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from medspa_desk.store import Store
from tests.support.desk_walk import Scene


@pytest.fixture
def scene(tmp_path: Path) -> Iterator[Scene]:
    store = Store.open(tmp_path / "desk.db", bytearray(os.urandom(32)), create=True)
    yield Scene(store=store, folder=tmp_path)
    store.close()
