"""The fault proxy breaks exchanges the way the resilience tests say it does."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
import trustme

from medspa_desk.sync.transport import make_client
from tests.support.fault_proxy import Fault, FaultProxy


class _Counter(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(body.decode())
        answer = b"x" * 4000
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *_: object) -> None:
        return


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def proxy(ca: trustme.CA) -> Iterator[FaultProxy]:
    _Counter.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_side)
    server.socket = server_side.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    upstream_side = ssl.create_default_context()
    ca.configure_trust(upstream_side)
    with FaultProxy(server.server_address[:2], server_context=server_side, upstream_context=upstream_side,
                    black_hole_s=1.0, delay_s=0.05) as running:
        yield running
    server.shutdown()


@pytest.fixture
def client(ca: trustme.CA, proxy: FaultProxy, tmp_path: Path) -> Iterator[httpx.Client]:
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with make_client(proxy.url, ca_path=ca_file, pin_ca=True, timeout=httpx.Timeout(0.5)) as made:
        yield made


def test_an_unbroken_exchange_passes_through_over_verified_tls(client: httpx.Client) -> None:
    assert client.post("/", content=b"one").content == b"x" * 4000
    assert client.post("/", content=b"two").status_code == 200
    assert _Counter.received == ["one", "two"]


def test_a_delayed_exchange_still_arrives(client: httpx.Client, proxy: FaultProxy) -> None:
    proxy.inject(Fault.DELAY)
    assert client.post("/", content=b"late").status_code == 200
    assert proxy.counts[Fault.DELAY] == 1


@pytest.mark.parametrize("fault", [Fault.LOSE_RESPONSE, Fault.CUT_MID_RESPONSE])
def test_a_lost_or_cut_response_reaches_the_server_but_not_the_client(
        client: httpx.Client, proxy: FaultProxy, fault: Fault) -> None:
    proxy.inject(fault)
    with pytest.raises(httpx.TransportError):
        client.post("/", content=b"committed")
    assert _Counter.received == ["committed"]


@pytest.mark.parametrize("fault", [Fault.RESET, Fault.BLACK_HOLE])
def test_a_reset_or_black_hole_never_reaches_the_server(
        client: httpx.Client, proxy: FaultProxy, fault: Fault) -> None:
    proxy.inject(fault)
    with pytest.raises(httpx.TransportError):
        client.post("/", content=b"swallowed")
    assert _Counter.received == []
    assert client.post("/", content=b"after").status_code == 200


def test_offline_refuses_every_connection_until_back_online(client: httpx.Client, proxy: FaultProxy) -> None:
    proxy.go_offline()
    with pytest.raises(httpx.TransportError):
        client.post("/", content=b"offline")
    proxy.go_online()
    assert client.post("/", content=b"online").status_code == 200
    assert _Counter.received == ["online"]
