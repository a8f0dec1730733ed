"""The real API over TLS on loopback, and the fault proxy in front of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fault_proxy import FaultProxy, proxy_in_front_of
from tests.support.live_api import LiveApi
from tests.support.sync_desks import secret_service

__all__ = ["live", "proxy", "secret_service"]


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveApi]:
    with LiveApi.start(tmp_path / "api") as api:
        yield api


@pytest.fixture
def proxy(live: LiveApi) -> Iterator[FaultProxy]:
    """Desks reach the API only through this; it shows them a certificate from the same pinned CA."""
    with proxy_in_front_of(live, delay_s=0.4, black_hole_s=6.0) as running:
        yield running
