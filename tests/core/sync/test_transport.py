"""The desk refuses unsafe servers and says which way each one is unsafe."""

from __future__ import annotations

import socket
import ssl
import threading
from pathlib import Path

import httpx
import pytest
import trustme

from medspa_desk.sync.errors import ConnectionCause, ConnectionTrouble, InsecureServerAddress
from medspa_desk.sync.transport import explain_connection_failure, make_client, make_ssl_context
from tests.core.sync.tls_servers import (
    expired_leaf,
    https_server,
    self_signed_context,
    server_context,
)


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "practice-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def fetch(port: int, *, ca_file: Path | None, pin_ca: bool = False, host: str = "127.0.0.1") -> ConnectionTrouble | str:
    with make_client(f"https://{host}:{port}", ca_path=ca_file, pin_ca=pin_ca) as client:
        try:
            return client.get("/").text
        except httpx.TransportError as exc:
            return explain_connection_failure(exc)


def test_a_server_signed_by_the_pinned_ca_is_reached(ca: trustme.CA, ca_file: Path) -> None:
    with https_server(server_context(ca.issue_cert("127.0.0.1"))) as port:
        assert fetch(port, ca_file=ca_file, pin_ca=True) == "ok"


def test_an_expired_certificate_is_refused_as_expired(ca: trustme.CA, ca_file: Path) -> None:
    with https_server(server_context(expired_leaf(ca))) as port:
        trouble = fetch(port, ca_file=ca_file, pin_ca=True)
    assert isinstance(trouble, ConnectionTrouble)
    assert trouble.cause is ConnectionCause.CERTIFICATE_EXPIRED
    assert "expired" in trouble.message


def test_a_self_signed_server_that_is_not_pinned_is_refused_as_untrusted(ca_file: Path) -> None:
    with https_server(self_signed_context()) as port:
        trouble = fetch(port, ca_file=ca_file, pin_ca=True)
    assert isinstance(trouble, ConnectionTrouble)
    assert trouble.cause is ConnectionCause.CERTIFICATE_NOT_TRUSTED
    assert "not trusted" in trouble.message


def test_a_server_from_an_unconfigured_ca_is_refused_against_the_system_store(ca: trustme.CA) -> None:
    with https_server(server_context(ca.issue_cert("127.0.0.1"))) as port:
        trouble = fetch(port, ca_file=None)
    assert isinstance(trouble, ConnectionTrouble)
    assert trouble.cause is ConnectionCause.CERTIFICATE_NOT_TRUSTED


def test_a_certificate_for_another_host_name_is_refused_as_wrong_host(ca: trustme.CA, ca_file: Path) -> None:
    with https_server(server_context(ca.issue_cert("files.example.org"))) as port:
        trouble = fetch(port, ca_file=ca_file, pin_ca=True)
    assert isinstance(trouble, ConnectionTrouble)
    assert trouble.cause is ConnectionCause.WRONG_HOST_NAME
    assert "different server name" in trouble.message


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1:DeprecationWarning")  # the outdated server is the point
def test_a_tls_1_1_only_server_is_refused_as_outdated(ca: trustme.CA, ca_file: Path) -> None:
    context = server_context(ca.issue_cert("127.0.0.1"), max_version=ssl.TLSVersion.TLSv1_1)
    with https_server(context) as port:
        trouble = fetch(port, ca_file=ca_file, pin_ca=True)
    assert isinstance(trouble, ConnectionTrouble)
    assert trouble.cause is ConnectionCause.OLD_TLS_VERSION
    assert "TLS 1.2" in trouble.message


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1:DeprecationWarning")  # the outdated server is the point
def test_the_tls_1_1_test_server_really_speaks_tls_1_1(ca: trustme.CA, ca_file: Path) -> None:
    """Guards the test above: the refusal must come from the desk, not a broken test server."""
    context = server_context(ca.issue_cert("127.0.0.1"), max_version=ssl.TLSVersion.TLSv1_1)
    old_client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old_client.minimum_version = ssl.TLSVersion.TLSv1
    old_client.maximum_version = ssl.TLSVersion.TLSv1_1
    old_client.set_ciphers("DEFAULT:@SECLEVEL=0")
    old_client.load_verify_locations(cafile=str(ca_file))
    with (https_server(context) as port,
          socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
          old_client.wrap_socket(raw, server_hostname="127.0.0.1") as tls):
        assert tls.version() == "TLSv1.1"


def test_pinning_ignores_cas_the_system_store_trusts(ca: trustme.CA, ca_file: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    other_ca = trustme.CA()
    system_bundle = tmp_path / "system.pem"
    other_ca.cert_pem.write_to_path(str(system_bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(system_bundle))
    with https_server(server_context(other_ca.issue_cert("127.0.0.1"))) as port:
        assert fetch(port, ca_file=ca_file, pin_ca=False) == "ok"
        trouble = fetch(port, ca_file=ca_file, pin_ca=True)
    assert isinstance(trouble, ConnectionTrouble)
    assert trouble.cause is ConnectionCause.CERTIFICATE_NOT_TRUSTED


def test_a_closed_port_is_reported_as_refused(ca_file: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    trouble = fetch(port, ca_file=ca_file, pin_ca=True)
    assert isinstance(trouble, ConnectionTrouble)
    assert trouble.cause is ConnectionCause.REFUSED


def test_the_context_refuses_anything_below_tls_1_2(ca_file: Path) -> None:
    context = make_ssl_context(ca_path=ca_file, pin_ca=True)
    assert context.minimum_version is ssl.TLSVersion.TLSv1_2
    assert context.check_hostname and context.verify_mode is ssl.CERT_REQUIRED


def test_plain_http_to_another_host_is_refused_even_in_dev_mode() -> None:
    with pytest.raises(InsecureServerAddress, match="plain http"):
        make_client("http://sync.example.com", dev_mode=True)


def test_plain_http_to_loopback_is_refused_outside_dev_mode() -> None:
    with pytest.raises(InsecureServerAddress, match="https://"):
        make_client("http://127.0.0.1:8000")


def test_plain_http_to_loopback_is_allowed_in_dev_mode() -> None:
    with make_client("http://127.0.0.1:8000/", dev_mode=True) as client:
        assert str(client.base_url) == "http://127.0.0.1:8000"


def test_a_missing_ca_file_is_a_clear_settings_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        make_ssl_context(ca_path=tmp_path / "nowhere.pem", pin_ca=True)


def test_pinning_without_a_ca_file_is_a_clear_settings_error() -> None:
    with pytest.raises(ValueError, match="CA certificate file"):
        make_ssl_context(pin_ca=True)


def test_proxy_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.clinic.internal:3128")
    with make_client("https://sync.example.com") as client:
        assert client._trust_env
        proxied = [pattern for pattern, transport in client._mounts.items()
                   if transport is not None and pattern.scheme == "https"]
    assert proxied, "HTTPS_PROXY from the environment should route https through the proxy"


def test_connections_opened_at_once_on_threads_never_change_the_shared_contexts_alpn_list(
        ca: trustme.CA, ca_file: Path) -> None:
    """httpcore sets the ALPN list again for each new connection; on a context shared by threads that
    frees a list another thread's connection may be copying (python/cpython#141012). The desk's context
    keeps the list it was made with, so those sets change nothing."""
    context = make_ssl_context(ca_path=ca_file, pin_ca=True)
    answers: list[str] = []
    with https_server(server_context(ca.issue_cert("127.0.0.1"))) as port, \
            httpx.Client(base_url=f"https://127.0.0.1:{port}", verify=context, http1=True, http2=False) as client:

        def fetch_several() -> None:
            for _ in range(5):  # the server closes each connection: every request opens a new one
                answers.append(client.get("/").text)

        threads = [threading.Thread(target=fetch_several) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert answers == ["ok"] * 20
    assert context.alpn_changes == 1
