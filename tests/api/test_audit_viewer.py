"""The Compliance menu's audit viewer and a client's access report, through the desk's use cases and the live API.

A manager's workstation signs in the app's own way; the app's own actions make the events; the report is
checked against the server's rows read straight from its database, plus the desk's events not yet sent.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pypdfium2
import pytest
import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_desk.compliance.access_report import client_records
from medspa_desk.compliance.audit_trail import (
    OFFLINE_NOTE,
    ServerLink,
    TrailFilter,
    TrailFilterError,
)
from medspa_desk.desk import clients, compliance, copies
from medspa_desk.records import AuditAction, Client, Role
from medspa_desk.rules import NotPermitted
from medspa_desk.session import DeskSession
from medspa_desk.sync.api import CentralApi
from medspa_desk.sync.transport import make_client
from tests.support.desk_sessions import signed_in_desk
from tests.support.fault_proxy import proxy_in_front_of
from tests.support.live_api import LiveApi


def _unique(last_name: str) -> str:
    """A last name no other test on the shared server used: a look-alike would be asked about as a duplicate."""
    return f"{last_name}-{secrets.token_hex(3)}"

def _sign_in(live_api: LiveApi, directory: Path, role: Role) -> DeskSession:
    return signed_in_desk(live_api, directory, live_api.fresh(role))


@pytest.fixture
def manager_desk(live_api: LiveApi, tmp_path: Path) -> Iterator[DeskSession]:
    session = _sign_in(live_api, tmp_path / "desk", Role.MANAGER)
    try:
        yield session
    finally:
        session.sign_out()


def _on_store(session: DeskSession, task: Any) -> Any:
    assert session.sync is not None
    return session.sync.with_store(task)


def _server_ids(live_api: LiveApi, records: set[UUID], *, since: datetime, until: datetime) -> set[UUID]:
    a = t.audit.c
    with live_api.database.transaction(live_api.tenant.id) as conn:
        return set(conn.execute(sa.select(a.id).where(a.tenant_id == live_api.tenant.id, a.entity_id.in_(records),
                                                      a.at >= since, a.at < until)).scalars())


def _server_verify_rows(live_api: LiveApi) -> list[str]:
    """The server's own audit rows of its chain walks (the verify route audits itself)."""
    a = t.audit.c
    with live_api.database.transaction(live_api.tenant.id) as conn:
        return list(conn.execute(sa.select(a.detail).where(a.tenant_id == live_api.tenant.id, a.entity == "audit",
                                                           a.detail.like("verify;%")).order_by(a.seq)).scalars())


def test_the_access_report_lists_exactly_the_events_on_the_clients_record(
        live_api: LiveApi, manager_desk: DeskSession, tmp_path: Path) -> None:
    session, actor = manager_desk, manager_desk.actor
    maria = Client(first_name="Maria", last_name=_unique("Okafor"), birth_date=date(1988, 4, 2))
    other = Client(first_name="Ana", last_name=_unique("Ruiz"), birth_date=date(1990, 1, 2))
    since = datetime.now(UTC) - timedelta(days=1)

    def act(store: Any) -> None:
        clients.add_client(store, actor=actor, client=maria)
        clients.add_client(store, actor=actor, client=other)
        store.client(maria.id, actor=actor)
        store.client_timeline(maria.id, actor=actor)
        store.client(other.id, actor=actor)
        copies.record_printing(store, actor=actor, form=copies.PrintedForm(entity="client", entity_id=maria.id,
                                                                            detail="profile"))
    _on_store(session, act)
    assert session.sync is not None
    session.sync.run_once()  # the events so far reach the server
    _on_store(session, lambda store: store.client(maria.id, actor=actor))  # on the desk, or sent by now
    until = datetime.now(UTC) + timedelta(minutes=1)

    report = _on_store(session, lambda store: compliance.view_access_report(
        store, actor=actor, link=session.server_link(), client_id=maria.id, since=since, until=until,
        location=session.location))

    records = _on_store(session, lambda store: set(client_records(store, maria.id)))
    unsent = _on_store(session, lambda store: {e.id for e in store.unsent_audit(10_000) if e.entity_id in records})
    # The report's own view of the trail is audited after it was read: not in it, in the next one.
    own = _on_store(session, lambda store: {e.id for e in store.audit.events(limit=100_000)
                                            if e.entity == compliance.ACCESS_REPORT_ENTITY})
    expected = (_server_ids(live_api, records, since=since, until=until) | unsent) - own
    assert len(own) == 1
    assert {row.event_id for row in report.rows} == expected
    assert report.online and report.complete
    # The desk's sync may send the last view at any moment: marked "not yet sent" only while it waits.
    desk_events = _on_store(session, lambda store: {e.id for e in store.audit.events(limit=100_000)})
    assert {r.event_id for r in report.rows if r.unsent} <= desk_events
    actions = {row.action for row in report.rows}
    assert {AuditAction.VIEW, AuditAction.PRINT} <= actions
    assert all(row.record_id in records for row in report.rows)
    assert all(row.workstation_id is None or row.workstation_id == session.actor.device_id for row in report.rows)

    pdf = _on_store(session, lambda store: compliance.save_access_report(
        store, actor=actor, report=report, location=session.location, path=tmp_path / "access.pdf"))
    words = "".join(page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(pdf))
    assert "Maria Okafor" in words and "printed the profile" in words and "viewed the profile" in words
    audited = _on_store(session, lambda store: [e for e in store.audit.events(limit=100_000)
                                                if e.entity == compliance.ACCESS_REPORT_ENTITY])
    assert [(e.action, e.entity_id) for e in audited] == [(AuditAction.VIEW, maria.id), (AuditAction.EXPORT, maria.id)]


def test_the_viewer_filters_pages_exports_and_audits_each_view(
        live_api: LiveApi, manager_desk: DeskSession, tmp_path: Path) -> None:
    session, actor = manager_desk, manager_desk.actor
    maria = Client(first_name="Maria", last_name=_unique("Okafor"), birth_date=date(1988, 4, 2))

    def act(store: Any) -> None:
        clients.add_client(store, actor=actor, client=maria)
        for _ in range(5):
            store.client(maria.id, actor=actor)
    _on_store(session, act)
    assert session.sync is not None
    session.sync.run_once()
    link = session.server_link()
    assert link is not None
    chosen = TrailFilter(record_ids=(maria.id,), actions=(AuditAction.VIEW,), workstation_id=actor.device_id,
                         person_id=actor.user_id, since=datetime.now(UTC) - timedelta(hours=1))

    first = _on_store(session, lambda s: compliance.view_audit_page(s, actor=actor, link=link, chosen=chosen,
                                                                    limit=3))
    rest = _on_store(session, lambda s: compliance.view_audit_page(s, actor=actor, link=link, chosen=chosen,
                                                                   after=first.next_after, limit=3))
    assert first.online and first.has_more and len(first.rows) == 3
    assert not rest.has_more and len(rest.rows) == 2 and rest.rows[0].seq > first.rows[-1].seq
    assert all(r.action is AuditAction.VIEW and r.record_id == maria.id for r in (*first.rows, *rest.rows))

    status = _on_store(session, lambda s: compliance.view_chain_status(s, actor=actor, link=link))
    assert status.seq >= rest.rows[-1].seq and len(status.signature) == 64 and status.local_ok
    # The server walked the whole chain: verified through its newest event, at least the ones just read.
    assert status.verified is not None and status.verified.ok and status.verified.rows >= status.seq
    assert status.verified.verified_through_seq >= rest.rows[-1].seq
    assert "The server walked the whole chain" in status.words() and "events verified through event" in status.words()
    verified_row = _server_verify_rows(live_api)
    assert verified_row and verified_row[-1].startswith("verify;rows=")

    csv_path = _on_store(session, lambda s: compliance.export_audit_csv(s, actor=actor, link=link, chosen=chosen,
                                                                        path=tmp_path / "trail.csv"))
    exported = list(csv.DictReader(io.StringIO(csv_path.read_text(), newline="")))
    assert [row["seq"] for row in exported] == [str(r.seq) for r in (*first.rows, *rest.rows)]
    pdf_path = _on_store(session, lambda s: compliance.export_audit_pdf(
        s, actor=actor, link=link, chosen=chosen, path=tmp_path / "trail.pdf", location=session.location))
    assert pdf_path.read_bytes().startswith(b"%PDF")

    mine = _on_store(session, lambda s: [e for e in s.audit.events(limit=100_000) if e.entity == "audit"])
    assert [(e.action, e.detail.split(";")[0]) for e in mine] == [
        (AuditAction.VIEW, "rows=3"), (AuditAction.VIEW, "rows=2"), (AuditAction.VIEW, "chain"),
        (AuditAction.EXPORT, "csv"), (AuditAction.EXPORT, "pdf")]


def test_offline_the_viewer_shows_this_desks_trail_with_a_note_and_refuses_the_csv(
        live_api: LiveApi, manager_desk: DeskSession, tmp_path: Path) -> None:
    session, actor = manager_desk, manager_desk.actor
    maria = Client(first_name="Maria", last_name=_unique("Okafor"), birth_date=date(1988, 4, 2))
    _on_store(session, lambda s: clients.add_client(s, actor=actor, client=maria))
    _on_store(session, lambda s: s.client(maria.id, actor=actor))
    chosen = TrailFilter(record_ids=(maria.id,))

    page = _on_store(session, lambda s: compliance.view_audit_page(s, actor=actor, link=None, chosen=chosen))
    assert not page.online and page.note == OFFLINE_NOTE
    desk_events = _on_store(session, lambda s: [e.id for e in s.audit.events(limit=100_000)
                                                if e.entity_id == maria.id])
    assert [r.event_id for r in page.rows] == desk_events and len(desk_events) >= 2
    # Sync only ever moves an event from waiting to sent: one shown as sent is not waiting now.
    waiting = _on_store(session, lambda s: {e.id for e in s.unsent_audit(10_000)})
    assert not {r.event_id for r in page.rows if not r.unsent} & waiting
    with pytest.raises(TrailFilterError, match="needs the server"):
        _on_store(session, lambda s: compliance.export_audit_csv(s, actor=actor, link=None, chosen=chosen,
                                                                 path=tmp_path / "x.csv"))
    failed = _on_store(session, lambda s: [e for e in s.audit.events(limit=100_000)
                                           if e.entity == "audit" and e.action is AuditAction.EXPORT])
    assert [(e.outcome, e.detail) for e in failed] == [("failed", "csv;offline")]


def test_a_period_longer_than_six_years_or_backwards_is_refused_in_plain_words(
        manager_desk: DeskSession) -> None:
    actor, now = manager_desk.actor, datetime.now(UTC)
    for since, until, words in ((now - timedelta(days=6 * 366), now, "at most six years"),
                                (now, now - timedelta(days=1), "before the start")):
        with pytest.raises(TrailFilterError, match=words):
            _on_store(manager_desk, lambda s, a=since, b=until: compliance.view_access_report(
                s, actor=actor, link=None, client_id=actor.user_id, since=a, until=b, location=manager_desk.location))


def test_the_front_desk_is_refused_the_viewer_and_the_refusal_is_audited(live_api: LiveApi, tmp_path: Path) -> None:
    session = _sign_in(live_api, tmp_path / "front", Role.FRONT_DESK)
    try:
        with pytest.raises(NotPermitted, match="manager"):
            _on_store(session, lambda s: compliance.view_audit_page(s, actor=session.actor, link=session.server_link(),
                                                                    chosen=TrailFilter()))
        denied = _on_store(session, lambda s: [e for e in s.audit.events(limit=100_000)
                                               if e.action is AuditAction.ACCESS_DENIED])
        assert [e.detail for e in denied] == ["read_audit_trail"]
    finally:
        session.sign_out()


def test_when_the_server_drops_off_the_viewer_falls_back_to_this_desks_trail_with_the_note(
        live_api: LiveApi, manager_desk: DeskSession) -> None:
    session, actor = manager_desk, manager_desk.actor
    maria = Client(first_name="Maria", last_name=_unique("Okafor"), birth_date=date(1988, 4, 2))
    _on_store(session, lambda s: clients.add_client(s, actor=actor, client=maria))
    link_token = session.server_link()
    assert link_token is not None
    with proxy_in_front_of(live_api) as proxy:
        api = CentralApi(make_client(proxy.url, ca_path=live_api.ca_path,
                                     timeout=httpx.Timeout(5.0, connect=5.0)))
        try:
            link = ServerLink(api=api, access_token=link_token.access_token)
            chosen = TrailFilter(record_ids=(maria.id,))
            online = _on_store(session, lambda s: compliance.view_audit_page(s, actor=actor, link=link,
                                                                             chosen=chosen))
            proxy.go_offline()
            offline = _on_store(session, lambda s: compliance.view_audit_page(s, actor=actor, link=link,
                                                                              chosen=chosen))
        finally:
            api.close()
    assert online.online and online.note == ""
    assert not offline.online and offline.note == OFFLINE_NOTE
    assert [r.record_id for r in offline.rows] == [maria.id] and offline.rows[0].action is AuditAction.CREATE
    views = _on_store(session, lambda s: [e.detail.split(";")[1] for e in s.audit.events(limit=100_000)
                                          if e.entity == "audit"])
    assert views == ["server", "offline"]


def test_the_whole_practices_export_carries_the_servers_trail_and_this_desks_unsent_events(
        live_api: LiveApi, manager_desk: DeskSession, tmp_path: Path) -> None:
    import json

    from medspa_desk.compliance.practice_export import DESK_TRAIL, SERVER_TRAIL

    session, actor = manager_desk, manager_desk.actor
    maria = Client(first_name="Maria", last_name=_unique("Okafor"), birth_date=date(1988, 4, 2))
    since = datetime.now(UTC) - timedelta(days=1)
    _on_store(session, lambda store: clients.add_client(store, actor=actor, client=maria))
    assert session.sync is not None
    session.sync.run_once()  # the client and its audit events reach the server
    sent = _server_ids(live_api, {maria.id}, since=since, until=datetime.now(UTC) + timedelta(minutes=1))
    assert sent

    # As the dialog does: the trail from the server first (the network pool), then the store's part.
    fetched = compliance.fetch_practice_trail(session.server_link())
    done = _on_store(session, lambda store: compliance.export_practice(
        store, actor=actor, location=session.location, folder=tmp_path / "handover", server_trail=fetched))

    assert done.trail_from_server and done.note == ""
    with (done.folder / SERVER_TRAIL).open(newline="", encoding="utf-8") as trail:
        server_rows = list(csv.DictReader(trail))
    assert sent <= {UUID(r["id"]) for r in server_rows}  # the practice's trail, as the viewer's CSV has it
    with (done.folder / DESK_TRAIL).open(newline="", encoding="utf-8") as trail:
        desk_rows = list(csv.DictReader(trail))
    assert not sent & {UUID(r["id"]) for r in desk_rows}  # only what the server does not hold yet
    exported_views = {UUID(r["entity_id"]) for r in desk_rows if r["action"] == "view" and r["entity_id"]}
    assert maria.id in exported_views  # the export's own reading of the record, not on the server yet
    manifest = json.loads(done.manifest.read_text("utf-8"))
    assert manifest["audit_trail"]["practice_trail_from_server"] is True
    assert manifest["counts"]["audit_rows"] == len(server_rows) + len(desk_rows)
    assert manifest["counts"]["clients"] == done.clients >= 1
