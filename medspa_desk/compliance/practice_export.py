"""The whole practice handed back at the end of a contract (the BAA's return of the practice's records).

Into a new, empty folder, client by client so only one record is in memory at a time:

- ``clients.ndjson``: one FHIR R4 Bundle per line per client, the bundle the right-of-access export
  builds (``right_of_access.bundle_json``);
- ``records/<name>-<id>.pdf``: each client's readable record, the right-of-access PDF;
- ``audit-trail.csv``: the practice's trail as the server exports it (the audit viewer's CSV), and
  ``audit-trail-this-workstation.csv``: this desk's events the server does not hold yet; offline, this
  desk's whole trail instead, and the result says plainly that the practice's trail is missing;
- ``SHA256SUMS`` (for ``sha256sum -c``) and, last, ``manifest.json``: every other file with its size and
  SHA-256, the counts, who exported, when (UTC and practice time), the app's version.

Every file is written through a 0600 temp name and renamed when whole; the manifest is written last, so
a folder without one is not a finished export. On any failure (or when ``keep_going`` says stop) what was
written is removed, the folder too if the export made it, and the failure is audited.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from uuid import UUID

from medspa_desk.audit import CSV_COLUMNS, spreadsheet_safe
from medspa_desk.compliance.audit_trail import ServerLink
from medspa_desk.compliance.fhir import ClientRecord
from medspa_desk.compliance.record_pdf import record_pdf, signed_consent_pdfs
from medspa_desk.compliance.right_of_access import bundle_json, gather_client_record
from medspa_desk.desk.errors import DeskRefusal
from medspa_desk.records import AuditAction, AuditEvent, Client, Location, utc_now
from medspa_desk.store.actor import Actor
from medspa_desk.store.files import atomic_file
from medspa_desk.sync.errors import ConnectionTrouble, ServerTrouble
from medspa_desk.version import APP_VERSION

if TYPE_CHECKING:  # annotations only
    from medspa_desk.store import Store

PRACTICE_EXPORT_ENTITY = "practice_export"
CLIENT_DETAIL = "practice_export"  # each client's own export event (their access report shows it)
BUNDLES = "clients.ndjson"
RECORDS = "records"
SERVER_TRAIL = "audit-trail.csv"
DESK_TRAIL = "audit-trail-this-workstation.csv"
SUMS = "SHA256SUMS"
MANIFEST = "manifest.json"
TRAIL_PAGE = 1000
NO_SERVER_TRAIL = ("The server could not be reached, so the practice's audit trail is NOT in this export: only "
                   f"this workstation's own events are ({DESK_TRAIL}). Export again when connected, or save the "
                   "trail as CSV from Compliance > Audit trail.")

Progress = Callable[[int, int], None]  # (clients written, clients in all)


class ExportRefused(DeskRefusal):
    """The export cannot start or did not finish; the message says why and what to do."""


@dataclass(frozen=True)
class WrittenFile:
    path: str  # relative to the export's folder, with forward slashes
    size: int
    sha256: str


@dataclass(frozen=True)
class PracticeExport:
    """What was written: where, how much, and whether the server's trail is in it."""

    folder: Path
    manifest: Path
    counts: dict[str, int]
    files: tuple[WrittenFile, ...]
    trail_from_server: bool
    note: str = ""  # plain words when the practice's trail could not be included

    @property
    def clients(self) -> int:
        return self.counts["clients"]


@dataclass
class _Folder:
    """The export's folder and what has been written into it (to list, or to remove on failure)."""

    root: Path
    made: bool
    files: list[WrittenFile] = field(default_factory=list)

    def write(self, name: str, body: Callable[[_Hashing], object]) -> WrittenFile:
        """``body`` writes the file's bytes; they are counted and hashed on the way to the disk."""
        target = self.root / name
        target.parent.mkdir(mode=0o700, exist_ok=True)
        with atomic_file(target) as handle:
            hashed = _Hashing(handle)
            body(hashed)
        written = WrittenFile(path=name, size=hashed.size, sha256=hashed.digest.hexdigest())
        self.files.append(written)
        return written

    def write_bytes(self, name: str, data: bytes) -> WrittenFile:
        """A file whose bytes are already in memory (a PDF, the manifest)."""
        return self.write(name, lambda out: out.write(data))

    def remove(self) -> None:
        if self.made:
            shutil.rmtree(self.root, ignore_errors=True)
            return
        for written in self.files:
            (self.root / written.path).unlink(missing_ok=True)
        records = self.root / RECORDS
        if records.is_dir() and not any(records.iterdir()):
            records.rmdir()


class _Hashing:
    """Counts and hashes what passes through to the real file."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.handle.write(data)


def open_empty_folder(folder: Path) -> _Folder:
    """The folder to export into: made now (0700), or one that exists and holds nothing."""
    folder = Path(folder)
    if folder.exists():
        if not folder.is_dir():
            raise ExportRefused(f"{folder} is a file, not a folder. Choose or make an empty folder for the export.")
        if any(folder.iterdir()):
            raise ExportRefused(f"The folder {folder} already has files in it, and the export will not mix "
                                "the practice's records with them. Choose an empty folder, or make a new one.")
        return _Folder(folder, made=False)
    try:
        folder.mkdir(mode=0o700)
    except OSError as exc:
        raise ExportRefused(f"The folder {folder} could not be made ({exc.strerror or type(exc).__name__}). "
                            "Choose a folder on a disk this workstation can write to.") from None
    return _Folder(folder, made=True)


def client_ids(store: Store) -> list[UUID]:
    """Every client on file, by name (ids only: the records are read one at a time)."""
    rows = store.select("SELECT id FROM clients WHERE deleted = 0 ORDER BY last_name, first_name, id")
    return [UUID(client_id) for (client_id,) in rows]


def record_file_name(client: Client) -> str:
    """``records/<last>-<first>-<id>.pdf``: readable in a file list, unique by the id."""
    def plain(name: str) -> str:
        return "".join(ch if ch.isalnum() else "_" for ch in name.strip())[:40] or "client"
    return f"{RECORDS}/{plain(client.last_name)}-{plain(client.first_name)}-{client.id}.pdf"


def _desk_trail_rows(store: Store, *, unsent_only: bool) -> Iterator[AuditEvent]:
    after = 0
    while page := store.audit_events_after(after, limit=TRAIL_PAGE):
        for position, event, unsent in page:
            after = position
            if unsent or not unsent_only:
                yield event


def _write_desk_trail(out: _Hashing, events: Iterator[AuditEvent]) -> int:
    """This desk's events in the server's CSV columns (the server-only cells left empty); rows written."""
    rows = 0
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(CSV_COLUMNS)
    for event in events:
        cells = {"id": event.id, "at": event.at.isoformat(), "actor_user_id": event.actor_user_id,
                 "device_id": event.device_id, "action": event.action.value, "entity": event.entity,
                 "entity_id": event.entity_id, "outcome": event.outcome, "detail": event.detail}
        writer.writerow([spreadsheet_safe("" if cells.get(c) is None else str(cells[c])) for c in CSV_COLUMNS])
        rows += 1
        if text.tell() > 1 << 20:
            out.write(text.getvalue().encode("utf-8"))
            text.seek(0)
            text.truncate()
    out.write(text.getvalue().encode("utf-8"))
    return rows


def _csv_rows(data: bytes) -> int:
    return max(0, sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8")))) - 1)


def practice_trail(link: ServerLink | None) -> bytes | None:
    """The practice's whole trail as the server's CSV, or None when the server cannot be reached.

    Network only (the network pool): fetched before the export's store work starts, so a slow server
    never holds the database worker, and a trail the server will not give is known before the long part.
    """
    if link is None:
        return None
    try:
        return link.api.audit_csv(params={}, access_token=link.access_token())
    except (ConnectionTrouble, ServerTrouble):
        return None


def _counts(record: ClientRecord) -> dict[str, int]:
    return {"appointments": len(record.appointments), "treatments": len(record.treatments),
            "consents": len(record.consents), "intakes": len(record.intakes), "photos": len(record.photos)}


def write_practice_export(store: Store, *, actor: Actor, location: Location, folder: Path,
                          server_trail: bytes | None, now: datetime | None = None, progress: Progress | None = None,
                          keep_going: Callable[[], bool] = lambda: True) -> PracticeExport:
    """Write the export (see the module's note); audited as one export of the practice and one per client.

    ``server_trail`` is :func:`practice_trail`'s answer (None: the server could not be reached). The
    caller has checked the clinic's table (``medspa_desk.desk.compliance.export_practice``).
    """
    at = now or utc_now()
    try:
        target = open_empty_folder(folder)
    except ExportRefused as refusal:
        store.note(actor, AuditAction.EXPORT, entity=PRACTICE_EXPORT_ENTITY, outcome="failed",
                   detail="folder_refused")
        raise refusal from None
    try:
        return _write_all(store, target, actor=actor, location=location, server_trail=server_trail, at=at,
                          progress=progress, keep_going=keep_going)
    except BaseException as exc:
        target.remove()
        reason = "stopped" if isinstance(exc, _Stopped) else type(exc).__name__
        store.note(actor, AuditAction.EXPORT, entity=PRACTICE_EXPORT_ENTITY, outcome="failed",
                   detail=f"{reason};files={len(target.files)}")
        if isinstance(exc, _Stopped):
            raise ExportRefused("The export was stopped before it finished; nothing was left in the folder.") from None
        if isinstance(exc, OSError):
            raise ExportRefused(f"The export could not be written to {folder} ({exc.strerror or type(exc).__name__})"
                                "; nothing was left there. Check the disk has room, or choose another folder.") from None
        raise


class _Stopped(Exception):
    pass


def _write_all(store: Store, target: _Folder, *, actor: Actor, location: Location, server_trail: bytes | None,
               at: datetime, progress: Progress | None, keep_going: Callable[[], bool]) -> PracticeExport:
    counts = {"clients": 0, "appointments": 0, "treatments": 0, "consents": 0, "intakes": 0, "photos": 0}
    if server_trail is not None:
        target.write_bytes(SERVER_TRAIL, server_trail)
    ids = client_ids(store)
    exported: list[UUID] = []
    with atomic_file(target.root / BUNDLES) as bundles:
        hashed = _Hashing(bundles)
        for number, client_id in enumerate(ids, start=1):
            if not keep_going():
                raise _Stopped
            record = gather_client_record(store, client_id=client_id, actor=actor, location=location)
            consents = signed_consent_pdfs(record)  # drawn once for both copies
            hashed.write(bundle_json(record, now=at, one_line=True, consent_pdfs=consents) + b"\n")
            pdf = record_pdf(record, generated_at=at, consent_pdfs=consents)
            target.write_bytes(record_file_name(record.client), pdf)
            counts["clients"] += 1
            for kind, n in _counts(record).items():
                counts[kind] += n
            exported.append(client_id)
            if progress is not None:
                progress(number, len(ids))
    target.files.insert(0, WrittenFile(path=BUNDLES, size=hashed.size, sha256=hashed.digest.hexdigest()))
    # Each client's export is audited once every file is whole: their access report shows it.
    with store.transaction():
        for client_id in exported:
            store.note(actor, AuditAction.EXPORT, entity=Client.entity, entity_id=client_id, detail=CLIENT_DETAIL)
    desk_rows = 0

    def desk_trail(out: _Hashing) -> None:
        nonlocal desk_rows
        desk_rows = _write_desk_trail(out, _desk_trail_rows(store, unsent_only=server_trail is not None))

    target.write(DESK_TRAIL, desk_trail)
    counts["audit_rows"] = desk_rows + (_csv_rows(server_trail) if server_trail is not None else 0)
    note = "" if server_trail is not None else NO_SERVER_TRAIL
    sums = "".join(f"{f.sha256}  {f.path}\n" for f in target.files).encode("utf-8")
    target.write_bytes(SUMS, sums)
    listed = tuple(target.files)  # the sums file too: the manifest lists every other file
    manifest = _manifest(store, actor=actor, location=location, at=at, counts=counts, files=listed,
                         from_server=server_trail is not None, note=note)
    target.write_bytes(MANIFEST, manifest)
    store.note(actor, AuditAction.EXPORT, entity=PRACTICE_EXPORT_ENTITY,
               detail=f"clients={counts['clients']};files={len(listed)};audit_rows={counts['audit_rows']};"
                      f"{'server' if server_trail is not None else 'offline'}")
    return PracticeExport(folder=target.root, manifest=target.root / MANIFEST, counts=counts, files=listed,
                          trail_from_server=server_trail is not None, note=note)


def _manifest(store: Store, *, actor: Actor, location: Location, at: datetime, counts: dict[str, int],
              files: tuple[WrittenFile, ...], from_server: bool, note: str) -> bytes:
    names = {u.id: u.display_name or u.username for u in store.users()}
    document = {
        "export": "Medspa Desk practice export",
        "format": 1,
        "practice": location.name,
        "exported_by": {"user_id": str(actor.user_id), "name": names.get(actor.user_id, ""),
                        "role": actor.role.value,
                        "workstation_id": str(actor.device_id) if actor.device_id else None},
        "exported_at_utc": at.astimezone(UTC).isoformat(),
        "exported_at_practice_time": at.astimezone(location.zone).isoformat(),
        "practice_time_zone": location.time_zone,
        "app_version": APP_VERSION,
        "counts": counts,
        "audit_trail": {"practice_trail_from_server": from_server,
                        "files": ([SERVER_TRAIL] if from_server else []) + [DESK_TRAIL], "note": note},
        "files": [{"path": f.path, "bytes": f.size, "sha256": f.sha256} for f in files],
        "how_to_check": f"In this folder: sha256sum -c {SUMS} (every file listed here, with the same hashes)",
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
