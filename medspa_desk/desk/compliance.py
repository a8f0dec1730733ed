"""Compliance: the binder a manager hands an auditor, the whole practice's export at a contract's end, the
audit viewer, a client's access report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from uuid import UUID

from medspa_desk.compliance.access_report import AccessReport, gather_access_report
from medspa_desk.compliance.audit_trail import (
    AUDIT_ENTITY,
    PAGE_ROWS,
    ChainStatus,
    ServerLink,
    TrailFilter,
    TrailFilterError,
    TrailPage,
    TrailRow,
    chain_status,
    every_row,
    read_page,
)
from medspa_desk.compliance.binder import binder_pdf, gather_facts
from medspa_desk.compliance.exports import write_export
from medspa_desk.compliance.practice_export import (
    PRACTICE_EXPORT_ENTITY,
    PracticeExport,
    Progress,
    practice_trail,
    write_practice_export,
)
from medspa_desk.compliance.trail_pdf import access_report_pdf, audit_trail_pdf
from medspa_desk.desk.evidence import disclosures_in
from medspa_desk.records import AuditAction, Client, Location, utc_now
from medspa_desk.rules import UseCase
from medspa_desk.store import Store
from medspa_desk.store.actor import Actor
from medspa_desk.sync.errors import ConnectionTrouble, ServerTrouble

BINDER_ENTITY = "compliance_binder"
ACCESS_REPORT_ENTITY = "access_report"


def save_compliance_binder(store: Store, *, actor: Actor, location: Location, path: Path,
                           now: datetime | None = None) -> Path:
    """The ten Security Rule line items with this practice's evidence, as a PDF at ``path``; audited."""
    store.permit(actor, UseCase.MAKE_COMPLIANCE_BINDER, entity=BINDER_ENTITY)
    facts = gather_facts(store, location=location, now=now or utc_now())
    return write_export(store, data=binder_pdf(facts), path=path, actor=actor, entity=BINDER_ENTITY,
                        entity_id=None, detail="binder")


def fetch_practice_trail(link: ServerLink | None) -> bytes | None:
    """The practice's audit trail for :func:`export_practice`, from the server; None when it cannot be
    reached (the export then says so). Network pool only: the database worker never waits on the server."""
    return practice_trail(link)


def export_practice(store: Store, *, actor: Actor, location: Location, folder: Path, server_trail: bytes | None,
                    now: datetime | None = None, progress: Progress | None = None,
                    keep_going: Callable[[], bool] = lambda: True) -> PracticeExport:
    """Every client's record (FHIR bundles as NDJSON and readable PDFs), the practice's audit trail
    (``server_trail``, from :func:`fetch_practice_trail`) and a manifest of sizes and SHA-256s, into a new
    empty ``folder``: what the practice takes with it at the end of a contract. Managers and admins only;
    audited (one export per client and one for the whole)."""
    store.permit(actor, UseCase.EXPORT_WHOLE_PRACTICE, entity=PRACTICE_EXPORT_ENTITY)
    return write_practice_export(store, actor=actor, location=location, folder=folder, server_trail=server_trail,
                                 now=now, progress=progress, keep_going=keep_going)


# --- the audit viewer and a client's access report ------------------------------------------

TRAIL_PDF_MOST = 20_000  # rows in one PDF; more: narrow the filter (the CSV has no such bound)
NEEDS_SERVER = ("Exporting the practice's trail needs the server, which cannot be reached now. "
                "Connect and try again; the viewer shows this workstation's own events meanwhile.")


def _viewed(store: Store, actor: Actor, *, detail: str, entity: str = AUDIT_ENTITY,
            entity_id: UUID | None = None) -> None:
    store.note(actor, AuditAction.VIEW, entity=entity, entity_id=entity_id, detail=detail[:500])


def _where(page: TrailPage) -> str:
    return "server" if page.online else "offline"


def view_audit_page(store: Store, *, actor: Actor, link: ServerLink | None, chosen: TrailFilter,
                    after: int = 0, limit: int = PAGE_ROWS) -> TrailPage:
    """One page of the practice's trail as the manager filtered it; the view is audited."""
    store.permit(actor, UseCase.READ_AUDIT_TRAIL, entity=AUDIT_ENTITY)
    page = read_page(store, link=link, chosen=chosen, after=after, limit=limit)
    _viewed(store, actor, detail=f"rows={len(page.rows) + len(page.unsent)};{_where(page)};{chosen.words()}")
    return page


def view_chain_status(store: Store, *, actor: Actor, link: ServerLink) -> ChainStatus:
    """The server's signed checkpoint of the chain and this desk's own check; audited."""
    store.permit(actor, UseCase.READ_AUDIT_TRAIL, entity=AUDIT_ENTITY)
    status = chain_status(store, link=link)
    _viewed(store, actor, detail=f"chain;seq={status.seq}")
    return status


def _export_refused(store: Store, actor: Actor, *, detail: str) -> None:
    store.note(actor, AuditAction.EXPORT, entity=AUDIT_ENTITY, outcome="failed", detail=detail)


def export_audit_csv(store: Store, *, actor: Actor, link: ServerLink | None, chosen: TrailFilter,
                     path: Path) -> Path:
    """The filtered trail as the server's CSV (formula-like cells neutralised), written and audited."""
    store.permit(actor, UseCase.EXPORT_AUDIT_TRAIL, entity=AUDIT_ENTITY)
    chosen.check()
    try:
        data = None if link is None else link.api.audit_csv(params=chosen.params(),
                                                            access_token=link.access_token())
    except (ConnectionTrouble, ServerTrouble):
        data = None
    if data is None:
        _export_refused(store, actor, detail="csv;offline")
        raise TrailFilterError(NEEDS_SERVER)
    return write_export(store, data=data, path=path, actor=actor, entity=AUDIT_ENTITY, entity_id=None,
                        detail=f"csv;{chosen.words()}"[:500])


def _names(store: Store) -> dict[UUID, str]:
    return {u.id: u.display_name or u.username for u in store.users()}


def export_audit_pdf(store: Store, *, actor: Actor, link: ServerLink | None, chosen: TrailFilter, path: Path,
                     location: Location, now: datetime | None = None) -> Path:
    """The filtered trail as a readable PDF (this desk's unsent events marked), written and audited."""
    store.permit(actor, UseCase.EXPORT_AUDIT_TRAIL, entity=AUDIT_ENTITY)
    rows: list[TrailRow] = []
    note = ""
    for page in every_row(store, link=link, chosen=chosen, most=TRAIL_PDF_MOST + 1):
        rows += [*page.rows, *page.unsent]
        note = page.note or note
    if len(rows) > TRAIL_PDF_MOST:
        _export_refused(store, actor, detail=f"pdf;too_many;{chosen.words()}"[:500])
        raise TrailFilterError(f"More than {TRAIL_PDF_MOST:,} events match; a PDF that long helps nobody. "
                               "Narrow the dates or the filter, or export CSV instead.")
    data = audit_trail_pdf(rows, practice=location.name, zone=location.zone, filter_words=chosen.words(),
                           names=_names(store), generated_at=now or utc_now(), note=note)
    return write_export(store, data=data, path=path, actor=actor, entity=AUDIT_ENTITY, entity_id=None,
                        detail=f"pdf;rows={len(rows)};{chosen.words()}"[:500])


def view_access_report(store: Store, *, actor: Actor, link: ServerLink | None, client_id: UUID,
                       since: datetime, until: datetime, location: Location) -> AccessReport:
    """Everyone who viewed, changed, printed or exported the client's record in the period, and the
    disclosures made outside treatment, payment and operations (the accounting); audited."""
    store.permit(actor, UseCase.MAKE_ACCESS_REPORT, entity=Client.entity, entity_id=client_id)
    report = gather_access_report(store, link=link, client_id=client_id, since=since, until=until)
    report = replace(report, disclosures=disclosures_in(store, client_id=client_id, since=since, until=until,
                                                        location=location))
    _viewed(store, actor, entity=ACCESS_REPORT_ENTITY, entity_id=client_id,
            detail=f"rows={len(report.rows)};disclosures={len(report.disclosures)};"
                   f"{'server' if report.online else 'offline'}")
    return report


def save_access_report(store: Store, *, actor: Actor, report: AccessReport, location: Location, path: Path,
                       now: datetime | None = None) -> Path:
    """The report as a PDF for the client, written and audited as an export of their record."""
    store.permit(actor, UseCase.MAKE_ACCESS_REPORT, entity=Client.entity, entity_id=report.client_id)
    client = store.client(report.client_id, actor=actor)
    data = access_report_pdf(report, client=client, practice=location.name, zone=location.zone,
                             names=_names(store), generated_at=now or utc_now())
    return write_export(store, data=data, path=path, actor=actor, entity=ACCESS_REPORT_ENTITY,
                        entity_id=report.client_id, detail=f"access_report_pdf;rows={len(report.rows)}")
