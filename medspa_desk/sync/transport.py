"""How the workstation talks to the central API: TLS 1.2+, a verified server, clear failures.

The server is verified against the system trust store, or a CA bundle the
practice configured; with ``pin_ca`` only that CA is trusted, so a proxy or a
public CA that issues a certificate for the same name is refused. Proxy
settings come from the environment (``HTTPS_PROXY``, ``NO_PROXY``), as a
clinic's IT expects. Plain http is refused unless the app runs in dev mode and
the server is on this machine.

A failed connection becomes a ``ConnectionTrouble`` whose message says which
way it failed (expired, untrusted, wrong name, old TLS, refused, timed out),
because "SSL error" tells a receptionist or their IT person nothing.
"""

from __future__ import annotations

import ipaddress
import ssl
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from medspa_desk.protocol import PROTOCOL_HEADER, PROTOCOL_MAX
from medspa_desk.sync.errors import ConnectionCause, ConnectionTrouble, InsecureServerAddress

CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 60.0

# OpenSSL verification codes (x509_vfy.h) the desk explains in its own words.
_EXPIRED = {10}  # X509_V_ERR_CERT_HAS_EXPIRED
_NOT_YET_VALID = {9}
_UNTRUSTED = {18, 19, 20, 21, 2, 27, 28}  # self-signed, unknown issuer, untrusted, rejected
_WRONG_HOST = {62, 64}  # X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH
_OLD_TLS_REASONS = {"UNSUPPORTED_PROTOCOL", "TLSV1_ALERT_PROTOCOL_VERSION", "NO_PROTOCOLS_AVAILABLE",
                    "WRONG_SSL_VERSION", "VERSION_TOO_LOW"}


# One context made at a time: the sync worker and the change watcher each make theirs when sync starts,
# and CI saw the process crash (SIGSEGV) with both threads inside SSLContext() at once. Making a
# context is rare and quick; serialising it costs nothing a person notices.
_MAKING_CONTEXT = threading.Lock()

# The one application protocol the desk offers (make_client turns HTTP/2 off).
ALPN_PROTOCOLS = ("http/1.1",)


class DeskTlsContext(ssl.SSLContext):
    """A client context whose ALPN list is set once, when it is made, and never changed while in use.

    httpcore sets the ALPN list on the client's context again for every new connection. CPython frees
    the old list as it sets the new one, while a connection being opened on another thread may be
    copying it (python/cpython#141012: a use-after-free, a crash at random). A session's API client is
    shared by the network pool's threads (the Compliance menu, staff screens, the PIN), so two of its
    connections can open at once. Setting the list it already has is therefore skipped.
    """

    alpn_changes = 0  # how many times the list was really set: once for a desk's context

    def set_alpn_protocols(self, alpn_protocols: Iterable[str]) -> None:
        wanted = tuple(alpn_protocols)
        if wanted == getattr(self, "_alpn", None):
            return
        super().set_alpn_protocols(wanted)
        self._alpn = wanted
        self.alpn_changes += 1


def make_ssl_context(*, ca_path: str | Path | None = None, pin_ca: bool = False) -> DeskTlsContext:
    """A client context that refuses anything below TLS 1.2 and verifies the server's name.

    ``ca_path`` adds a CA bundle to the system store; with ``pin_ca`` it
    replaces the system store, so only servers that CA vouches for are trusted.
    """
    if pin_ca and ca_path is None:
        raise ValueError("Pinning the server's CA needs the CA certificate file; set its path in the settings.")
    with _MAKING_CONTEXT:
        return _new_context(ca_path=ca_path, pin_ca=pin_ca)


def _new_context(*, ca_path: str | Path | None, pin_ca: bool) -> DeskTlsContext:
    context = DeskTlsContext(ssl.PROTOCOL_TLS_CLIENT)
    context.set_alpn_protocols(ALPN_PROTOCOLS)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    if not pin_ca:
        context.load_default_certs(ssl.Purpose.SERVER_AUTH)
    if ca_path is not None:
        path = Path(ca_path)
        if not path.is_file():
            raise ValueError(f"The server's CA certificate file {path} does not exist; check the path in the settings.")
        try:
            context.load_verify_locations(cafile=str(path))
        except ssl.SSLError as exc:
            raise ValueError(f"The file {path} is not a PEM CA certificate; ask IT for the server's CA file.") from exc
    return context


def is_loopback(host: str) -> bool:
    if host.lower() in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_server_url(server_url: str, *, dev_mode: bool) -> str:
    """The server address, normalised, or a clear refusal of an unsafe or malformed one."""
    parts = urlsplit(server_url.strip())
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        raise InsecureServerAddress(
            f"The server address {server_url!r} is not a web address; it should look like https://sync.example.com.")
    if parts.scheme == "http" and not (dev_mode and is_loopback(parts.hostname)):
        raise InsecureServerAddress(
            "The server address uses plain http, which would send health information unencrypted; "
            "use an https:// address.")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


@dataclass(frozen=True)
class ServerAddress:
    """Where the practice's server is and how it is trusted, kept in the receipt: the certificate is made
    again after every workstation is wiped, when no sign-in (and no workstation set-up) is left."""

    url: str
    ca_path: str | None = None
    pin_ca: bool = False
    dev_mode: bool = False


def make_client(server_url: str, *, ca_path: str | Path | None = None, pin_ca: bool = False,
                dev_mode: bool = False, timeout: httpx.Timeout | None = None) -> httpx.Client:
    """An HTTP/1.1 client for the central API with the desk's TLS rules and the environment's proxy.

    ``timeout`` replaces the default (tests on a faulty loopback use short ones).
    """
    base_url = check_server_url(server_url, dev_mode=dev_mode)
    return httpx.Client(
        base_url=base_url,
        verify=make_ssl_context(ca_path=ca_path, pin_ca=pin_ca),
        http1=True,
        http2=False,
        trust_env=True,
        timeout=timeout or httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
        headers={PROTOCOL_HEADER: str(PROTOCOL_MAX), "User-Agent": "medspa-desk"},
    )


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def explain_connection_failure(exc: httpx.TransportError, *, server: str = "the server") -> ConnectionTrouble:
    """Turn an httpx transport failure into a message that says which way the connection failed."""
    chain = _causes(exc)
    for cause in chain:
        if isinstance(cause, ssl.SSLCertVerificationError):
            code = cause.verify_code
            if code in _EXPIRED:
                return ConnectionTrouble(
                    f"The security certificate of {server} has expired, so the desk will not send data to it. "
                    "Ask IT to renew the server's certificate.", cause=ConnectionCause.CERTIFICATE_EXPIRED)
            if code in _WRONG_HOST:
                return ConnectionTrouble(
                    f"The certificate presented by {server} is for a different server name; the address may be "
                    "wrong or the connection intercepted. Check the server address with IT.",
                    cause=ConnectionCause.WRONG_HOST_NAME)
            if code in _UNTRUSTED or code in _NOT_YET_VALID:
                return ConnectionTrouble(
                    f"The certificate of {server} is not trusted (self-signed, or not from the practice's "
                    "configured CA). Ask IT for the server's CA certificate.",
                    cause=ConnectionCause.CERTIFICATE_NOT_TRUSTED)
            return ConnectionTrouble(
                f"The certificate of {server} could not be verified ({cause.verify_message}). Ask IT to check it.",
                cause=ConnectionCause.CERTIFICATE_NOT_TRUSTED)
    for cause in chain:
        if isinstance(cause, ssl.SSLError):
            reason = getattr(cause, "reason", None) or ""
            if reason in _OLD_TLS_REASONS or "version" in str(cause).lower():
                return ConnectionTrouble(
                    f"{server.capitalize()} only offers an outdated TLS version (below 1.2), which the desk refuses. "
                    "Ask IT to enable TLS 1.2 or newer on the server.", cause=ConnectionCause.OLD_TLS_VERSION)
            return ConnectionTrouble(
                f"A secure connection to {server} could not be set up ({reason or 'TLS handshake failed'}). "
                "Ask IT to check the server's TLS settings.", cause=ConnectionCause.TLS_FAILED)
    if isinstance(exc, httpx.TimeoutException):
        return ConnectionTrouble(
            f"{server.capitalize()} did not answer in time. The desk keeps working offline and will try again.",
            cause=ConnectionCause.TIMED_OUT)
    for cause in chain:
        if isinstance(cause, ConnectionRefusedError):
            return ConnectionTrouble(
                f"{server.capitalize()} refused the connection (it may be down or the address wrong). "
                "The desk keeps working offline and will try again.", cause=ConnectionCause.REFUSED)
        if isinstance(cause, OSError) and "Name or service not known" in str(cause):
            return ConnectionTrouble(
                f"The name of {server} could not be found; check the internet connection and the server address.",
                cause=ConnectionCause.NOT_FOUND)
    if isinstance(exc, httpx.ConnectError):
        return ConnectionTrouble(
            f"Could not connect to {server}. The desk keeps working offline and will try again.",
            cause=ConnectionCause.REFUSED)
    return ConnectionTrouble(
        f"The connection to {server} dropped. The desk keeps working offline and will try again.",
        cause=ConnectionCause.DROPPED)
