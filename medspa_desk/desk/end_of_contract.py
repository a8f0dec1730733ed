"""The end of a contract (Compliance → End of contract): the practice's records returned, then destroyed.

1. A manager exports the whole practice (:func:`medspa_desk.desk.compliance.export_practice`).
2. The same or another manager asks for the destruction, naming the export's folder: its manifest is
   checked against every file it lists, and its SHA-256 and counts go to the server with the request.
3. A second, different manager confirms within 24 hours, typing the practice's name. The server deletes
   every row of the practice in one transaction and answers with the certificate; this desk writes it as
   a PDF into the export's folder, with the destruction's own audit events (the practice's trail is gone
   from the server; these events are kept for it here) and a receipt to make the certificate again.
4. Every workstation of the practice, on its next contact, is told the practice was destroyed, erases
   its data key and store files (the revocation's erase) and confirms. :func:`refresh_certificate` makes
   the certificate again with the confirmations so far.

The server enforces every rule (two different managers, the 24 hours, the name); the desk checks the
role first to say who may, and every refusal is audited (here and on the server). Network pool only.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from medspa_desk.compliance.destruction_certificate import certificate_pdf
from medspa_desk.compliance.practice_export import MANIFEST
from medspa_desk.desk.context import ReachesServer
from medspa_desk.desk.errors import DeskRefusal
from medspa_desk.protocol import (
    DESTRUCTION_REASON_MAX,
    MAX_EXPORT_COUNTS,
    CertificateRequest,
    DestructionCertificate,
    DestructionConfirm,
    DestructionPending,
    DestructionRequest,
)
from medspa_desk.records import Role, utc_now
from medspa_desk.rules import UseCase, may, require
from medspa_desk.store import Store
from medspa_desk.store.actor import Actor
from medspa_desk.store.files import atomic_file
from medspa_desk.sync import manager_api
from medspa_desk.sync.api import CentralApi
from medspa_desk.sync.errors import ConnectionTrouble, ServerTrouble, SyncError
from medspa_desk.sync.transport import ServerAddress, make_client

DESTRUCTION_ENTITY = "practice"
CERTIFICATE = "certificate-of-destruction.pdf"
DESTRUCTION_AUDIT = "destruction-audit.json"
RECEIPT = "destruction-receipt.json"
EXPORT_KIND = "Medspa Desk practice export"
READ_CHUNK = 1 << 20


class ExportNotReady(DeskRefusal):
    """The folder named is not a whole, intact practice export: the destruction is not asked for."""


@dataclass(frozen=True)
class ExportProof:
    """What the request sends of the export: its manifest's SHA-256 and its counts."""

    folder: Path
    manifest_sha256: str
    counts: dict[str, int]


class EndsContract(ReachesServer, Protocol):
    """The signed-in session End of contract uses: the server, and where it is."""

    @property
    def server_address(self) -> ServerAddress:
        ...


@dataclass(frozen=True)
class SavedCertificate:
    certificate: DestructionCertificate
    pdf: Path
    audit: Path
    receipt: Path

    @property
    def confirmed(self) -> int:
        return sum(1 for w in self.certificate.workstations if w.wiped_at is not None)


def may_destroy_practice(role: Role) -> bool:
    """Does the Compliance menu show End of contract to this person?"""
    return may(role, UseCase.DESTROY_PRACTICE)


def open_end_of_contract(store: Store, *, actor: Actor) -> None:
    """May this person open End of contract? Refused: audited, and told who may."""
    store.permit(actor, UseCase.DESTROY_PRACTICE, entity=DESTRUCTION_ENTITY)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(READ_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def check_export(folder: Path) -> ExportProof:
    """The export in ``folder``, checked: its manifest is there, and every file it lists has the size and
    SHA-256 it says. Anything else is refused in words that say what to do."""
    manifest = Path(folder) / MANIFEST
    again = "Export the whole practice again (Compliance > Export the whole practice) and choose its folder."
    try:
        document = json.loads(manifest.read_bytes())
    except (OSError, ValueError):
        raise ExportNotReady(f"No finished practice export in this folder (its {MANIFEST} is missing or "
                             f"unreadable). {again}") from None
    if not isinstance(document, dict) or document.get("export") != EXPORT_KIND:
        raise ExportNotReady(f"This folder's {MANIFEST} is not a Medspa Desk practice export. {again}")
    trail = document.get("audit_trail")
    if not isinstance(trail, dict) or trail.get("practice_trail_from_server") is not True:
        raise ExportNotReady("This export does not hold the practice's audit trail from the server (it was made "
                             f"while the server could not be reached), and the trail is destroyed too. {again}")
    listed_files = document.get("files")
    if not isinstance(listed_files, list) or not all(isinstance(f, dict) for f in listed_files):
        raise ExportNotReady(f"This folder's {MANIFEST} lists no files. {again}")
    root = Path(folder).resolve()
    for listed in listed_files:
        path = (root / str(listed.get("path", ""))).resolve()
        if (not path.is_relative_to(root) or not path.is_file() or path.stat().st_size != listed.get("bytes")
                or _sha256_of(path) != listed.get("sha256")):
            raise ExportNotReady(f"The export is not intact: {listed.get('path')} is missing or changed. {again}")
    stated = document.get("counts")
    counts = {str(k): v for k, v in (stated.items() if isinstance(stated, dict) else ())
              if re.fullmatch(r"[a-z_]{1,40}", str(k)) and isinstance(v, int) and 0 <= v <= 1_000_000_000}
    return ExportProof(folder=Path(folder), manifest_sha256=_sha256_of(manifest), counts=counts)


class EndOfContractDesk:
    """A manager's steps of the destruction, each one call to the server."""

    def __init__(self, session: EndsContract, *, role: Role) -> None:
        self.session = session
        self.role = role

    def pending(self) -> DestructionPending:
        """The request waiting for a second manager (``request_id`` None when none waits)."""
        require(self.role, UseCase.DESTROY_PRACTICE)
        return self.session.call_server(lambda api, token: manager_api.destruction_pending(api, access_token=token))

    def ask(self, *, export_folder: Path, reason: str) -> DestructionPending:
        """Ask for the destruction, after the export in ``export_folder`` (checked whole first)."""
        require(self.role, UseCase.DESTROY_PRACTICE)
        if len(reason) > DESTRUCTION_REASON_MAX:
            raise ExportNotReady(f"The reason is longer than {DESTRUCTION_REASON_MAX} characters; shorten it.")
        proof = check_export(export_folder)
        body = DestructionRequest(reason=reason.strip(), export_sha256=proof.manifest_sha256,
                                  export_counts=dict(list(proof.counts.items())[:MAX_EXPORT_COUNTS]))
        return self.session.call_server(
            lambda api, token: manager_api.request_destruction(api, body, access_token=token))

    def confirm(self, *, request_id: UUID, practice_name: str, folder: Path, zone: ZoneInfo,
                now: datetime | None = None) -> SavedCertificate:
        """Confirm a colleague's request: the server destroys the practice and answers with the certificate,
        written into ``folder`` (the export's) with the destruction's audit events and the receipt."""
        require(self.role, UseCase.DESTROY_PRACTICE)
        folder = Path(folder)
        if not folder.is_dir():
            raise ExportNotReady("Choose the folder of the practice's export: the certificate is saved beside it.")
        waiting = self.pending()
        key = secrets.token_urlsafe(32)
        body = DestructionConfirm(request_id=request_id, practice_name=practice_name[:200],
                                  certificate_key_sha256=hashlib.sha256(key.encode()).hexdigest())
        # The receipt first: should the answer be lost once the server has destroyed the practice, the
        # certificate is still made from it (Make the certificate again).
        receipt = _write_receipt(folder, practice_id=waiting.practice_id, key=key, zone=zone,
                                 server=self.session.server_address)
        try:
            cert = self.session.call_server(
                lambda api, token: manager_api.confirm_destruction(api, body, access_token=token))
        except SyncError as refused:
            if not isinstance(refused, ConnectionTrouble | ServerTrouble):  # refused: nothing was destroyed
                receipt.unlink(missing_ok=True)
            raise
        return save_certificate(cert, folder=folder, zone=zone, now=now or utc_now())


def _write_receipt(folder: Path, *, practice_id: UUID | None, key: str, zone: ZoneInfo,
                   server: ServerAddress) -> Path:
    receipt = folder / RECEIPT
    with atomic_file(receipt) as handle:
        handle.write((json.dumps({"practice_id": str(practice_id), "certificate_key": key, "time_zone": zone.key,
                                  "server": asdict(server)}, indent=2) + "\n").encode())
    return receipt


def save_certificate(cert: DestructionCertificate, *, folder: Path, zone: ZoneInfo, now: datetime) -> SavedCertificate:
    """The certificate PDF and the destruction's audit events (JSON), beside the receipt."""
    pdf = folder / CERTIFICATE
    with atomic_file(pdf) as handle:
        handle.write(certificate_pdf(cert, zone=zone, generated_at=now))
    audit = folder / DESTRUCTION_AUDIT
    events = [json.loads(e.model_dump_json()) for e in cert.events]
    with atomic_file(audit) as handle:
        handle.write((json.dumps({"practice": cert.practice, "practice_id": str(cert.practice_id),
                                  "events": events}, indent=2, ensure_ascii=False) + "\n").encode())
    return SavedCertificate(certificate=cert, pdf=pdf, audit=audit, receipt=folder / RECEIPT)


def refresh_certificate(folder: Path, *, now: datetime | None = None) -> SavedCertificate:
    """Make the certificate in ``folder`` again from the server's record, with the workstations that have
    confirmed their wipe since. No sign-in: the receipt saved at the confirmation holds the key and the
    server's address (``medspa-desk --certificate-of-destruction FOLDER``, or the End of contract dialog)."""
    try:
        receipt = json.loads((Path(folder) / RECEIPT).read_bytes())
        request = CertificateRequest(practice_id=receipt["practice_id"], certificate_key=receipt["certificate_key"])
        zone = ZoneInfo(str(receipt.get("time_zone", "UTC")))
        server = ServerAddress(**receipt["server"])
    except (OSError, ValueError, KeyError, TypeError, ValidationError):
        raise ExportNotReady(f"No receipt of a destruction in this folder ({RECEIPT}). Choose the folder where "
                             "the certificate was saved.") from None
    api = CentralApi(make_client(server.url, ca_path=server.ca_path, pin_ca=server.pin_ca, dev_mode=server.dev_mode))
    try:
        cert = api.destruction_certificate(request)
    finally:
        api.close()
    return save_certificate(cert, folder=Path(folder), zone=zone, now=now or utc_now())


__all__ = [
    "CERTIFICATE",
    "DESTRUCTION_AUDIT",
    "RECEIPT",
    "EndOfContractDesk",
    "EndsContract",
    "ExportNotReady",
    "ExportProof",
    "SavedCertificate",
    "ServerAddress",
    "check_export",
    "may_destroy_practice",
    "open_end_of_contract",
    "refresh_certificate",
    "save_certificate",
]
