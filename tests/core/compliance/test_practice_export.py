"""The whole practice handed back at the end of a contract: every client's FHIR bundle and PDF, this desk's
trail, and a manifest whose sizes and SHA-256s match the files (offline here: no server's trail)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID

import pytest
from fhir.resources.R4B.bundle import Bundle
from PIL import Image

from medspa_demo.model import Practice
from medspa_desk.compliance.practice_export import (
    BUNDLES,
    CLIENT_DETAIL,
    DESK_TRAIL,
    MANIFEST,
    NO_SERVER_TRAIL,
    PRACTICE_EXPORT_ENTITY,
    SUMS,
    ExportRefused,
    PracticeExport,
)
from medspa_desk.desk.compliance import export_practice
from medspa_desk.records import AuditAction, AuditEvent, Client
from medspa_desk.rules import NotPermitted, UseCase
from medspa_desk.store import Store
from medspa_desk.store.photos import PhotoKind, add_photo
from tests.core.clinical.conftest import actor_for

NOW = datetime(2031, 3, 9, 17, 45, tzinfo=UTC)  # the test's clock, not the calendar's


@pytest.fixture(scope="module")
def practice(demo: Practice) -> Practice:
    """The demo practice with a client's history as a real one has it: the demo fills a few clients' diaries
    with dozens of treatments each, and every treatment is a page of PDF. Each client keeps up to two
    treatments (signed, with products and lots where there are), the visits they were charted in and two
    more, one signed consent and their intake."""
    kept_treatments = []
    for client in demo.clients:
        own = sorted((t for t in demo.treatments if t.client_id == client.id),
                     key=lambda t: (not (t.products and t.signed_at), t.performed_at))
        kept_treatments += own[:2]
    charted = {t.appointment_id for t in kept_treatments}
    visits = []
    for client in demo.clients:
        own = [a for a in demo.appointments if a.client_id == client.id]
        visits += [a for a in own if a.id in charted] + [a for a in own if a.id not in charted][:2]
    consents = []
    for client in demo.clients:
        consents += [c for c in demo.consents if c.client_id == client.id][:1]
    return replace(demo, appointments=visits, treatments=kept_treatments, consents=consents)


def _open_store(folder: Path, practice: Practice) -> Store:
    opened = Store.open(folder / "desk.db", bytearray(os.urandom(32)), create=True)
    opened.import_records(practice.all_records())
    return opened


@pytest.fixture
def store(tmp_path: Path, practice: Practice) -> Iterator[Store]:
    with _open_store(tmp_path, practice) as opened:
        yield opened


@dataclass(frozen=True)
class Exported:
    store: Store
    folder: Path
    done: PracticeExport
    progress: list[tuple[int, int]]
    events: list[AuditEvent]  # what the export audited


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, practice: Practice) -> Iterator[Exported]:
    """One export of the practice (with a photo), shared by the tests that only read what it wrote."""
    folder = tmp_path_factory.mktemp("practice")
    manager = actor_for(practice, "manager")
    with _open_store(folder, practice) as opened:
        treated = next(t for t in practice.treatments if t.products and t.signed_at)
        add_photo(opened, client_id=treated.client_id, treatment_id=treated.id, kind=PhotoKind.AFTER,
                  image=_png(), actor=actor_for(practice, "mpatel"))
        before = opened.audit.count()
        progress: list[tuple[int, int]] = []
        done = export_practice(opened, actor=manager, location=practice.location, folder=folder / "handover",
                               server_trail=None, now=NOW, progress=lambda n, total: progress.append((n, total)))
        yield Exported(store=opened, folder=folder / "handover", done=done, progress=progress,
                       events=opened.audit.events(after_position=before))


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.frombytes("RGB", (16, 16), os.urandom(16 * 16 * 3)).save(buffer, format="PNG")
    return buffer.getvalue()


def _export(store, practice, actor, folder: Path, **kwargs):
    return export_practice(store, actor=actor, location=practice.location, folder=folder, server_trail=None, now=NOW,
                           **kwargs)


def test_the_whole_practice_exports_every_client_as_a_valid_bundle_and_a_pdf_with_a_manifest_that_checks(
        exported, practice):
    store, folder, done, progress = exported.store, exported.folder, exported.done, exported.progress
    manager = actor_for(practice, "manager")

    on_file = {UUID(i) for (i,) in store.select("SELECT id FROM clients WHERE deleted = 0")}
    lines = (folder / BUNDLES).read_bytes().splitlines()
    bundles = [Bundle.model_validate_json(line) for line in lines]  # each line a whole R4B bundle
    patients = [UUID(e.resource.id) for b in bundles for e in b.entry if e.resource.__resource_type__ == "Patient"]
    assert len(patients) == len(lines) == len(on_file) and set(patients) == on_file
    assert progress[-1] == (len(on_file), len(on_file)) and len(progress) == len(on_file)

    manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    counts = manifest["counts"]
    assert counts["clients"] == done.clients == len(on_file)
    assert counts["appointments"] == len(practice.appointments)
    assert counts["treatments"] == len(practice.treatments)
    assert counts["consents"] == len(practice.consents) and counts["intakes"] == len(practice.intakes)
    assert counts["photos"] == 1
    listed = {f["path"]: f for f in manifest["files"]}
    pdfs = [p for p in listed if p.startswith("records/")]
    assert len(pdfs) == len(on_file) and all(p.endswith(".pdf") for p in pdfs)
    on_disk = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
    assert on_disk == set(listed) | {MANIFEST}  # nothing half-written, nothing unlisted
    for path, entry in listed.items():
        data = (folder / path).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["bytes"], entry["sha256"]), path
        assert (folder / path).stat().st_mode & 0o077 == 0
    assert (folder / next(iter(pdfs))).read_bytes().startswith(b"%PDF")
    sums = (folder / SUMS).read_text("utf-8").splitlines()
    assert sorted(sums) == sorted(f"{e['sha256']}  {p}" for p, e in listed.items() if p != SUMS)
    checked = subprocess.run(["sha256sum", "--check", "--strict", SUMS], cwd=folder, capture_output=True, text=True)
    assert checked.returncode == 0 and checked.stdout.count(": OK") == len(listed) - 1  # as docs/hipaa.md says

    assert manifest["exported_by"]["user_id"] == str(manager.user_id) and manifest["exported_by"]["name"]
    assert manifest["exported_at_utc"] == "2031-03-09T17:45:00+00:00"
    assert manifest["exported_at_practice_time"] == NOW.astimezone(practice.location.zone).isoformat()
    assert manifest["app_version"]
    # Offline: the practice's trail is missing and the export says so; this desk's own trail is there.
    assert not done.trail_from_server and done.note == NO_SERVER_TRAIL == manifest["audit_trail"]["note"]
    with (folder / DESK_TRAIL).open(newline="", encoding="utf-8") as trail:
        rows = list(csv.DictReader(trail))
    assert counts["audit_rows"] == len(rows) > 0
    views = {UUID(r["entity_id"]) for r in rows if r["action"] == "view" and r["entity"] == "client"}
    assert on_file <= views  # the export's own reading of every record is in the trail it carries


def test_the_export_is_audited_once_for_the_practice_and_once_for_each_client(exported, practice):
    manager = actor_for(practice, "manager")

    exports = [e for e in exported.events if e.action is AuditAction.EXPORT]
    whole = [e for e in exports if e.entity == PRACTICE_EXPORT_ENTITY]
    clients = len(practice.clients)
    assert [(e.outcome, e.actor_user_id) for e in whole] == [("ok", manager.user_id)]
    assert whole[0].detail.startswith(f"clients={clients};") and whole[0].detail.endswith(";offline")
    per_client = [e for e in exports if e.entity == "client"]
    assert {e.entity_id for e in per_client} == {c.id for c in practice.clients}
    assert {e.detail for e in per_client} == {CLIENT_DETAIL}


@pytest.mark.parametrize("who", ["frontdesk", "mpatel"])
def test_the_front_desk_and_providers_may_not_export_the_practice_and_the_refusal_is_audited(
        store, practice, who, tmp_path):
    actor = actor_for(practice, who)
    before = store.audit.count()

    with pytest.raises(NotPermitted, match="manager"):
        _export(store, practice, actor, tmp_path / "handover")

    assert not (tmp_path / "handover").exists()
    events = store.audit.events(after_position=before)
    assert [(e.action, e.outcome, e.detail, e.actor_user_id) for e in events] == [
        (AuditAction.ACCESS_DENIED, "refused", UseCase.EXPORT_WHOLE_PRACTICE.value, actor.user_id)]


def test_a_folder_with_files_in_it_is_refused_and_left_as_it_was(store, practice, tmp_path):
    folder = tmp_path / "Documents"
    folder.mkdir()
    (folder / "taxes.xlsx").write_bytes(b"the manager's own file")
    before = store.audit.count()

    with pytest.raises(ExportRefused, match=r"already has files in it.*Choose an empty folder"):
        _export(store, practice, actor_for(practice, "manager"), folder)

    assert [p.name for p in folder.iterdir()] == ["taxes.xlsx"]
    assert (folder / "taxes.xlsx").read_bytes() == b"the manager's own file"
    events = store.audit.events(after_position=before)
    assert [(e.action, e.entity, e.outcome) for e in events] == [
        (AuditAction.EXPORT, PRACTICE_EXPORT_ENTITY, "failed")]


def test_an_export_stopped_half_way_leaves_nothing_behind_and_is_audited_as_failed(store, practice, tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    written: list[int] = []
    before = store.audit.count()

    with pytest.raises(ExportRefused, match="stopped"):
        _export(store, practice, actor_for(practice, "manager"), folder, progress=lambda n, _total: written.append(n),
                keep_going=lambda: len(written) < 5)

    assert written == [1, 2, 3, 4, 5]
    assert list(folder.iterdir()) == []  # the chosen folder stays, empty: no PDF, no temp file
    exports = [e for e in store.audit.events(after_position=before) if e.action is AuditAction.EXPORT]
    assert [(e.entity, e.outcome, e.detail) for e in exports] == [
        (PRACTICE_EXPORT_ENTITY, "failed", "stopped;files=5")]  # and no client counted as exported


def test_a_few_hundred_clients_export_one_line_each(store, practice, tmp_path):
    manager = actor_for(practice, "manager")
    added = [Client(first_name=f"Guest{n}", last_name="Walk-in", birth_date=date(1990, 1, 1))
             for n in range(240)]
    store.add_clients(added, actor=manager, detail="test")

    done = _export(store, practice, manager, tmp_path / "handover")

    ids = set()
    with (tmp_path / "handover" / BUNDLES).open("rb") as lines:
        for line in lines:
            ids.add(Bundle.model_validate_json(line).id)
    assert done.clients == len(ids) == len(practice.clients) + 240


def test_an_export_without_the_servers_trail_or_with_a_file_outside_it_cannot_ground_a_destruction(
        exported, tmp_path):
    import shutil

    from medspa_desk.desk.end_of_contract import ExportNotReady, check_export

    with pytest.raises(ExportNotReady, match="does not hold the practice's audit trail"):
        check_export(exported.folder)  # made offline: the trail the destruction deletes is not in it
    copy = Path(shutil.copytree(exported.folder, tmp_path / "copy"))
    manifest = json.loads((copy / MANIFEST).read_text("utf-8"))
    manifest["audit_trail"]["practice_trail_from_server"] = True
    outside = tmp_path / "outside.txt"
    outside.write_text("x", "utf-8")
    manifest["files"].append({"path": "../outside.txt", "bytes": 1, "sha256": hashlib.sha256(b"x").hexdigest()})
    (copy / MANIFEST).write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(ExportNotReady, match=r"not intact: \.\./outside\.txt"):
        check_export(copy)
    manifest["files"].pop()
    (copy / MANIFEST).write_text(json.dumps(manifest), "utf-8")
    proof = check_export(copy)
    assert proof.counts["clients"] == exported.done.clients
    assert proof.manifest_sha256 == hashlib.sha256((copy / MANIFEST).read_bytes()).hexdigest()
