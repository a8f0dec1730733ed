"""A throwaway certificate authority and a server certificate for 127.0.0.1 and localhost.

    ca = make_tls(tmp_path)           # writes ca.pem, server.pem, server-key.pem
    httpx.get(url, verify=str(ca.ca_path))
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass(frozen=True)
class TlsFiles:
    ca_path: Path  # the CA certificate clients should trust (pin)
    cert_path: Path  # the server certificate chain
    key_path: Path  # the server's private key


def make_tls(directory: Path, *, names: tuple[str, ...] = ("127.0.0.1", "localhost")) -> TlsFiles:
    directory.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    server = ca.issue_cert(*names)
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server-key.pem")
    ca.cert_pem.write_to_path(str(files.ca_path))
    server.private_key_pem.write_to_path(str(files.key_path))
    with files.cert_path.open("wb") as out:
        for blob in server.cert_chain_pems:
            out.write(blob.bytes())
    files.key_path.chmod(0o600)
    return files
