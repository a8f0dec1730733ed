"""The address a sign-in is recorded and limited under: X-Forwarded-For only from a proxy named in settings.

Behind a real HAProxy (Debian's, on loopback) and without one. The proxy
connects to the API from 127.0.0.2, the only address the proxied server
trusts; the client reaches the proxy from 127.0.0.4, so the address the
proxy vouches for differs from the proxy's own and from any forged one.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from medspa_api.api.deps import client_address
from medspa_api.db import tables as t
from medspa_api.settings import Settings, SettingsError
from medspa_desk.records import Role
from tests.support.live_api import LiveApi

FORGED = "203.0.113.9"
PROXY_SOURCE = "127.0.0.2"
CLIENT = "127.0.0.4"


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def proxied(request: pytest.FixtureRequest, live_api: LiveApi,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveApi, str]]:
    """A live API trusting only the HAProxy in front of it (same backend as ``live_api``); the proxy's URL."""
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(haproxy).exists():
        pytest.fail("HAProxy is not installed: run `make setup` (it is in the Makefile's DEBS)")
    workdir = tmp_path_factory.mktemp(f"proxied-{live_api.backend}")
    api = LiveApi.start(workdir, backend=live_api.backend, settings_overrides={"trusted_proxies": (PROXY_SOURCE,)})
    port = _free_port("127.0.0.3")
    config = workdir / "haproxy.cfg"
    config.write_text(f"""global
    maxconn 64
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend desks
    bind 127.0.0.3:{port}
    option forwardfor
    default_backend api
backend api
    server api 127.0.0.1:{api.port} ssl verify required ca-file {api.ca_path} source {PROXY_SOURCE}
""")
    proxy = subprocess.Popen([haproxy, "-db", "-f", str(config)], stdout=subprocess.DEVNULL,
                             stderr=(workdir / "haproxy.log").open("wb"))
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.3", port), timeout=1).close()
                break
            except OSError:
                if proxy.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"HAProxy did not start; see {workdir / 'haproxy.log'}") from None
                time.sleep(0.05)
        yield api, f"http://127.0.0.3:{port}/api/v1"
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
        api.stop()


def _wrong_sign_in(api: LiveApi, url: str, *, client: httpx.Client, forwarded: str | None) -> sa.Row:
    """A failed sign-in of a fresh user; the audit row it left."""
    user = api.add_user(Role.FRONT_DESK)
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    answer = client.post(f"{url}/auth/login", headers=headers,
                         json={"tenant": api.tenant.name, "username": user.username, "password": "not the one"})
    assert answer.status_code == 401, answer.text
    assert answer.json()["code"] == "invalid_credentials"
    with api.database.transaction(api.tenant.id, write=False) as conn:
        return conn.execute(sa.select(t.audit.c.address, t.audit.c.outcome).where(
            t.audit.c.tenant_id == api.tenant.id, t.audit.c.actor_user_id == user.id)).one()


def _failures_counted(api: LiveApi, address: str) -> int:
    with api.database.transaction(write=False) as conn:
        return conn.execute(sa.select(t.address_throttle.c.failures).where(
            t.address_throttle.c.address == address)).scalar() or 0


@pytest.mark.usefixtures("address_budget_restored")
@pytest.mark.parametrize("forwarded", [FORGED, "x" * 300, "not an address, 2001:db8::1%" + "e" * 80])
def test_without_a_trusted_proxy_the_socket_address_is_recorded_whatever_the_header(
        live_api: LiveApi, forwarded: str) -> None:
    before = _failures_counted(live_api, "127.0.0.1")
    with live_api.client() as http:
        row = _wrong_sign_in(live_api, live_api.url(""), client=http, forwarded=forwarded)
    assert (row.address, row.outcome) == ("127.0.0.1", "wrong_password")
    assert _failures_counted(live_api, "127.0.0.1") == before + 1, "a new header value is no new address"


def test_behind_the_trusted_proxy_the_address_it_saw_is_recorded_not_the_forged_one(
        proxied: tuple[LiveApi, str]) -> None:
    api, url = proxied
    with httpx.Client(transport=httpx.HTTPTransport(local_address=CLIENT), timeout=30) as http:
        row = _wrong_sign_in(api, url, client=http, forwarded=FORGED)
        assert row.address == CLIENT
        row = _wrong_sign_in(api, url, client=http, forwarded=None)
        assert row.address == CLIENT
    assert _failures_counted(api, CLIENT) == 2
    assert _failures_counted(api, FORGED) == 0


def test_a_client_reaching_the_proxied_server_directly_cannot_forge_its_address(
        proxied: tuple[LiveApi, str]) -> None:
    api, _ = proxied
    with api.client() as http:
        row = _wrong_sign_in(api, api.url(""), client=http, forwarded=FORGED)
    assert row.address == "127.0.0.1"


@pytest.mark.parametrize("value", ["*", "0.0.0.0/0", "proxy.example", "10.0.0.300"])
def test_trusted_proxies_must_be_addresses_or_networks_not_everyone(value: str) -> None:
    with pytest.raises(SettingsError, match="MEDSPA_API_TRUSTED_PROXIES"):
        Settings.from_environment({"MEDSPA_API_ENV": "development", "MEDSPA_API_TRUSTED_PROXIES": value})


def test_trusted_proxies_are_read_from_the_environment() -> None:
    settings = Settings.from_environment({"MEDSPA_API_ENV": "development",
                                          "MEDSPA_API_TRUSTED_PROXIES": " 10.0.0.5, 10.0.1.0/24 "})
    assert settings.trusted_proxies == ("10.0.0.5", "10.0.1.0/24")
    assert settings.forwarded_options() == {"proxy_headers": True, "forwarded_allow_ips": ["10.0.0.5", "10.0.1.0/24"]}
    assert Settings(environment="development").forwarded_options() == {"proxy_headers": False}


@pytest.mark.parametrize(("host", "stored"), [
    ("127.0.0.4", "127.0.0.4"), ("2001:DB8::1", "2001:db8::1"), ("x" * 300, "unknown"), ("", "unknown"),
    (None, "unknown"), ("2001:db8::1%" + "e" * 80, "unknown"), ("10.0.0.1, 10.0.0.2", "unknown"),
])
def test_a_client_address_is_an_ip_or_unknown_before_it_is_stored(host: str | None, stored: str) -> None:
    """What a trusted proxy passes on is checked too: a misconfigured one must not write garbage into the audit."""
    assert client_address(host) == stored
