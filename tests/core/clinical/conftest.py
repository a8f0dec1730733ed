"""A real SQLCipher store seeded with the demo practice (medspa_demo.practice), per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from medspa_demo.model import Practice
from medspa_demo.practice import generate_practice
from medspa_desk.records import Role
from medspa_desk.store import Actor, Store


@pytest.fixture(scope="session")
def demo() -> Practice:
    return generate_practice(clients=80, months_back=6, months_ahead=1)


@pytest.fixture
def store(tmp_path: Path, demo: Practice) -> Iterator[Store]:
    with Store.open(tmp_path / "desk.db", bytearray(os.urandom(32)), create=True) as opened:
        opened.import_records(demo.all_records())
        yield opened


def actor_for(demo: Practice, username: str) -> Actor:
    user = demo.user(username)
    return Actor(user_id=user.id, device_id=None, role=user.role)


@pytest.fixture
def injector(demo: Practice) -> Actor:
    """Dr./NP M. Patel, a provider user."""
    actor = actor_for(demo, "mpatel")
    assert actor.role is Role.PROVIDER
    return actor


@pytest.fixture
def front_desk(demo: Practice) -> Actor:
    return actor_for(demo, "frontdesk")


@pytest.fixture
def manager(demo: Practice) -> Actor:
    return actor_for(demo, "manager")
