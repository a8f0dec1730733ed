"""The live API on both databases, and a signed-in desk to talk to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from medspa_desk.records import Role
from tests.api.desk import Desk
from tests.support.live_api import LiveApi


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
