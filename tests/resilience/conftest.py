"""The real API over TLS on loopback, and the fault proxy in front of it."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.core.sync.desks import secret_service
from tests.support.fault_proxy import FaultProxy
from tests.support.live_api import LiveApi

__all__ = ["live", "proxy", "secret_service"]


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveApi]:
    with LiveApi.start(tmp_path / "api") as api:
        yield api


@pytest.fixture
def proxy(live: LiveApi) -> Iterator[FaultProxy]:
    """Desks reach the API only through this; it shows them a certificate from the same pinned CA."""
    facing_desks = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    facing_desks.load_cert_chain(live.tls.cert_path, live.tls.key_path)
    facing_api = ssl.create_default_context(cafile=live.ca_path)
    with FaultProxy(("127.0.0.1", live.port), server_context=facing_desks, upstream_context=facing_api,
                    delay_s=0.4, black_hole_s=6.0) as running:
        yield running
