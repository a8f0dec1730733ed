"""The end of a contract (issue 18 item 5) on a two-desk practice, on both databases.

Manager A exports the whole practice and asks for its destruction; manager B, on the other desk,
confirms. The server keeps no row of the practice; both desks, on their next contact, erase their data
key and store files and confirm; the certificate made again afterwards says both confirmed. Every step
is the use case the End of contract dialog calls, on real desk sessions signed in over TLS.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pypdfium2
import pytest
import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_desk.desk import clients, compliance
from medspa_desk.desk.end_of_contract import (
    CERTIFICATE,
    DESTRUCTION_AUDIT,
    RECEIPT,
    EndOfContractDesk,
    ExportNotReady,
    refresh_certificate,
)
from medspa_desk.protocol import CertificateRequest, WipeConfirmation
from medspa_desk.records import Client, Role
from medspa_desk.rules import NotPermitted
from medspa_desk.session import DeskSession
from medspa_desk.sync.api import CentralApi
from medspa_desk.sync.errors import PracticeDestroyed, ServerRefused, SignInNeeded
from medspa_desk.sync.transport import make_client
from tests.api.desk import Desk
from tests.support.desk_sessions import signed_in_desk
from tests.support.live_api import LiveApi
from tests.support.sync_desks import secret_service, wait_until

__all__ = ["secret_service"]


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveApi]:
    with LiveApi.start(tmp_path / "api", backend=request.param) as api:
        yield api


def _on_store(session: DeskSession, task: Any) -> Any:
    assert session.sync is not None
    return session.sync.with_store(task)


def _leave(session: DeskSession) -> None:
    with contextlib.suppress(Exception):  # a wiped desk has nothing left to sign out of
        session.sign_out()


def _rows_left(live: LiveApi, practice_id: UUID) -> dict[str, int]:
    """Rows carrying the practice's id in every table of the live database that has a tenant_id column
    (read from the database itself, not from the code's table list), and the practice's own row."""
    left: dict[str, int] = {}
    with live.database.transaction(practice_id, write=False) as conn:
        inspector = sa.inspect(conn)
        for table in inspector.get_table_names():
            if "tenant_id" in {c["name"] for c in inspector.get_columns(table)}:
                count = conn.execute(sa.text(f"SELECT count(*) FROM {table} WHERE tenant_id = :p"),  # noqa: S608
                                     {"p": practice_id if live.backend == "postgresql" else practice_id.hex}).scalar()
                if count:
                    left[table] = count
        if conn.execute(sa.select(sa.func.count()).select_from(t.tenants)
                        .where(t.tenants.c.id == practice_id)).scalar():
            left["tenants"] = 1
    return left


def _files_in(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())


def _pdf_words(path: Path) -> str:
    return "".join(page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(path))


def _export(session: DeskSession, folder: Path) -> Path:
    fetched = compliance.fetch_practice_trail(session.server_link())
    done = _on_store(session, lambda store: compliance.export_practice(
        store, actor=session.actor, location=session.location, folder=folder, server_trail=fetched))
    return done.folder


def test_destruction_on_a_two_desk_practice_leaves_no_row_on_the_server_and_no_file_on_either_desk(
        live: LiveApi, tmp_path: Path, secret_service: None) -> None:
    practice_id = live.tenant.id
    a = signed_in_desk(live, tmp_path / "desk-a", live.fresh(Role.MANAGER))
    b = signed_in_desk(live, tmp_path / "desk-b", live.fresh(Role.MANAGER))
    try:
        client = Client(first_name="Maria", last_name="Okafor", birth_date=date(1988, 4, 2))
        _on_store(a, lambda store: clients.add_client(store, actor=a.actor, client=client))
        assert a.sync is not None
        a.sync.run_once()
        handover = _export(a, tmp_path / "handover")
        manifest_sha = hashlib.sha256((handover / "manifest.json").read_bytes()).hexdigest()

        asked = EndOfContractDesk(a, role=a.actor.role).ask(export_folder=handover, reason="The contract ended")
        assert asked.request_id is not None and asked.export_sha256 == manifest_sha
        with pytest.raises(ServerRefused, match="cannot also confirm"):
            EndOfContractDesk(a, role=a.actor.role).confirm(request_id=asked.request_id,
                                                            practice_name=live.tenant.name, folder=handover,
                                                            zone=a.location.zone)
        seen = EndOfContractDesk(b, role=b.actor.role).pending()
        assert (seen.request_id, seen.export_sha256, seen.export_counts["clients"]) == (
            asked.request_id, manifest_sha, 1)

        assert seen.request_id is not None
        saved = EndOfContractDesk(b, role=b.actor.role).confirm(
            request_id=seen.request_id, practice_name=live.tenant.name.upper(), folder=handover, zone=b.location.zone)

        assert _rows_left(live, practice_id) == {}
        deleted = saved.certificate.deleted
        assert deleted["tenants"] == 1 and deleted["records"] >= 2 and deleted["audit"] > 0
        assert len(saved.certificate.workstations) == 2  # the two desks, neither confirmed yet
        assert "0 of 2 workstations have confirmed their wipe" in _pdf_words(handover / CERTIFICATE)
        outcomes = [(e.action, e.outcome) for e in saved.certificate.events]
        assert ("destruction", "same_manager") in outcomes and outcomes[-1] == ("destruction", "ok")
        kept = json.loads((handover / DESTRUCTION_AUDIT).read_text("utf-8"))
        assert [e["outcome"] for e in kept["events"]] == [o for _a, o in outcomes]

        # Each desk, on its next contact, erases what it holds and confirms.
        for desk, directory in ((a, tmp_path / "desk-a"), (b, tmp_path / "desk-b")):
            assert desk.sync is not None
            wait_until(lambda d=directory: _files_in(d) == [], timeout_s=60,
                       what=f"the wipe of {directory.name} (left: {_files_in(directory)})")
        # Made again from the receipt alone, as the dialog's button and --certificate-of-destruction do.
        wait_until(lambda: refresh_certificate(handover).confirmed == 2, timeout_s=30,
                   what="both workstations' confirmations")
        final = refresh_certificate(handover)
        assert all(w.wiped_at is not None for w in final.certificate.workstations)
        words = _pdf_words(handover / CERTIFICATE)
        total = len(final.certificate.workstations)
        assert f"{total} of {total} workstations have confirmed their wipe" in words
        assert "Every workstation has confirmed" in words and "NIST SP 800-88" in words
        assert manifest_sha in words.replace("\r", "").replace("\n", "")
        assert _rows_left(live, practice_id) == {}
    finally:
        _leave(a)
        _leave(b)


def test_destruction_is_refused_without_an_export_to_a_non_manager_and_with_the_wrong_name(
        live: LiveApi, tmp_path: Path, secret_service: None) -> None:
    manager = signed_in_desk(live, tmp_path / "desk-m", live.fresh(Role.MANAGER))
    other = signed_in_desk(live, tmp_path / "desk-o", live.fresh(Role.MANAGER))
    try:
        desk = EndOfContractDesk(manager, role=manager.actor.role)
        with pytest.raises(ExportNotReady, match="No finished practice export"):
            desk.ask(export_folder=tmp_path, reason="")
        handover = _export(manager, tmp_path / "handover")
        (handover / "clients.ndjson").write_text("changed\n", "utf-8")
        with pytest.raises(ExportNotReady, match="not intact"):
            desk.ask(export_folder=handover, reason="")
        handover = _export(manager, tmp_path / "handover-2")
        asked = desk.ask(export_folder=handover, reason="Moving to another system")
        with pytest.raises(NotPermitted):
            EndOfContractDesk(other, role=Role.FRONT_DESK).pending()
        with Desk.sign_in(live, live.fresh(Role.FRONT_DESK)) as front_desk:  # the server refuses it too
            answer = front_desk.post("/practice/destruction/confirm", json={
                "request_id": str(asked.request_id), "practice_name": live.tenant.name,
                "certificate_key_sha256": "0" * 64})
        assert (answer.status_code, answer.json()["code"]) == (403, "forbidden")
        assert asked.request_id is not None
        with pytest.raises(ServerRefused, match="does not match"):
            EndOfContractDesk(other, role=other.actor.role).confirm(
                request_id=asked.request_id, practice_name="Another practice", folder=handover,
                zone=other.location.zone)
        assert not (handover / RECEIPT).exists()  # refused: nothing destroyed, no receipt left behind
        with live.database.transaction(live.tenant.id, write=False) as conn:
            refused = conn.execute(sa.select(t.audit.c.outcome).where(
                t.audit.c.tenant_id == live.tenant.id, t.audit.c.entity == "practice")
                .order_by(t.audit.c.seq)).scalars().all()
        assert refused == ["ok", "name_mismatch"]
        with live.database.transaction(live.tenant.id, write=False) as conn:
            denied = conn.execute(sa.select(t.audit.c.detail).where(
                t.audit.c.tenant_id == live.tenant.id, t.audit.c.action == "access_denied")).scalars().all()
        assert "practice.destroy" in denied
        assert _rows_left(live, live.tenant.id) != {}  # nothing destroyed
    finally:
        _leave(manager)
        _leave(other)


def test_a_desk_everyone_signed_out_of_wipes_itself_at_its_next_sign_in_and_confirms(
        live: LiveApi, tmp_path: Path, secret_service: None) -> None:
    asking = live.fresh(Role.MANAGER)
    a = signed_in_desk(live, tmp_path / "desk-a", asking)
    b = signed_in_desk(live, tmp_path / "desk-b", live.fresh(Role.MANAGER))
    try:
        handover = _export(a, tmp_path / "handover")
        asked = EndOfContractDesk(a, role=a.actor.role).ask(export_folder=handover, reason="The contract ended")
        a.sign_out()  # no token left on desk A for the server to refuse
        assert asked.request_id is not None
        EndOfContractDesk(b, role=b.actor.role).confirm(request_id=asked.request_id, practice_name=live.tenant.name,
                                                        folder=handover, zone=b.location.zone)
        assert _files_in(tmp_path / "desk-a") != []

        # Forged: another's device id with a wrong secret, a certificate asked for with a wrong key.
        api = CentralApi(make_client(live.base_url, ca_path=live.ca_path, pin_ca=True))
        try:
            with pytest.raises(SignInNeeded, match="could not prove"):
                api.confirm_wipe(WipeConfirmation(device_id=b.config.device_id, device_secret="x" * 43))
            with pytest.raises(ServerRefused, match="No certificate of destruction matches"):
                api.destruction_certificate(CertificateRequest(practice_id=live.tenant.id, certificate_key="y" * 43))
        finally:
            api.close()

        with pytest.raises(PracticeDestroyed, match="erased"):
            signed_in_desk(live, tmp_path / "desk-a", asking)
        assert _files_in(tmp_path / "desk-a") == []
        wait_until(lambda: _files_in(tmp_path / "desk-b") == [], timeout_s=60, what="the wipe of desk B")
        final = refresh_certificate(handover)
        assert final.confirmed == 2 and _rows_left(live, live.tenant.id) == {}
        refused = {(e.action, e.outcome) for e in final.certificate.events}
        assert {("workstation_wiped", "invalid_device_secret"), ("certificate", "wrong_key")} <= refused
    finally:
        _leave(a)
        _leave(b)
