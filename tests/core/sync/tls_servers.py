"""Tiny HTTPS servers with deliberately bad TLS, for the transport tests.

Each serves one fixed HTTP answer over a real socket on loopback, with the
certificate and protocol versions the test chose. No API is needed to prove
the desk refuses an expired, untrusted, misnamed or outdated server.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

_ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"


def _serve(listener: socket.socket, context: ssl.SSLContext, stop: threading.Event) -> None:
    listener.settimeout(0.2)
    while not stop.is_set():
        try:
            raw, _ = listener.accept()
        except TimeoutError:
            continue
        except OSError:
            return
        with contextlib.closing(raw):
            raw.settimeout(5)
            try:
                with context.wrap_socket(raw, server_side=True) as tls:
                    tls.recv(65536)
                    tls.sendall(_ANSWER)
            except (ssl.SSLError, OSError):
                continue


@contextlib.contextmanager
def https_server(context: ssl.SSLContext) -> Iterator[int]:
    """Serve on 127.0.0.1 with ``context``; yield the port."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    stop = threading.Event()
    worker = threading.Thread(target=_serve, args=(listener, context, stop), daemon=True)
    worker.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        worker.join(timeout=5)
        listener.close()


def server_context(leaf: trustme.LeafCert, *, max_version: ssl.TLSVersion | None = None) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if max_version is not None:
        # An outdated server: OpenSSL 3 hides TLS 1.0/1.1 behind security level 0.
        context.minimum_version = ssl.TLSVersion.TLSv1
        context.maximum_version = max_version
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
    leaf.configure_cert(context)
    return context


# Fixed dates, like trustme's own (2000 to 3000): OpenSSL checks validity against the OS clock, which
# a date-shifted test run (pytest --clock-at) does not move.
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
FAR_AHEAD = datetime(3000, 1, 1, tzinfo=UTC)


def expired_leaf(ca: trustme.CA) -> trustme.LeafCert:
    return ca.issue_cert("127.0.0.1", "localhost", not_before=LONG_AGO, not_after=LONG_AGO + timedelta(days=365))


def self_signed_context() -> ssl.SSLContext:
    """A server whose certificate signs itself: nobody vouches for it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(LONG_AGO)
            .not_valid_after(FAR_AHEAD)
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as folder:
        cert_path = f"{folder}/cert.pem"
        key_path = f"{folder}/key.pem"
        with open(cert_path, "wb") as out:
            out.write(cert.public_bytes(serialization.Encoding.PEM))
        with open(key_path, "wb") as out:
            out.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()))
        context.load_cert_chain(cert_path, key_path)
    return context
