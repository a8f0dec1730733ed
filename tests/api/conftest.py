"""The live API on both databases, and a signed-in desk to talk to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from medspa_api.db import tables as t
from medspa_desk.records import Role
from tests.api.desk import Desk
from tests.support.live_api import LiveApi


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgresql_only: the test is about PostgreSQL alone (roles, row-level "
                            "security); it runs only on the PostgreSQL live API")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the SQLite instance of PostgreSQL-only tests.

    Parametrizing ``live_api`` on such a test instead would break pytest's grouping by the session-wide
    server and start it again and again.
    """
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_sqlite = callspec is not None and callspec.params.get("live_api") == "sqlite"
        (drop if on_sqlite and item.get_closest_marker("postgresql_only") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def live_api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    workdir: Path = tmp_path_factory.mktemp(f"api-{request.param}")
    api = LiveApi.start(workdir, backend=request.param)
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture
def desk(live_api: LiveApi) -> Iterator[Desk]:
    """A front-desk user signed in on a fresh workstation."""
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as signed_in:
        yield signed_in


@pytest.fixture
def address_budget_restored(live_api: LiveApi) -> Iterator[None]:
    """For tests that fail sign-ins on purpose: the loopback address's budget must not run out for others."""
    yield
    with live_api.database.transaction() as conn:
        conn.execute(t.address_throttle.delete().where(t.address_throttle.c.address == "127.0.0.1"))
