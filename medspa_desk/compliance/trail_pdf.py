"""The audit trail and a client's access report as PDFs a person can read.

Names come from this desk's list of staff (an id it does not know prints as
"someone (id …)"); workstations print by the start of their id. Times are the
location's, with the zone spelled out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import LETTER, landscape
from reportlab.platypus import Flowable, Paragraph

from medspa_desk.compliance.access_report import RECORD_WORDS, AccessReport
from medspa_desk.compliance.audit_trail import TrailRow
from medspa_desk.compliance.record_pdf import _table as table
from medspa_desk.documents.pdf_layout import render, spacer, styles, text
from medspa_desk.records import AuditAction, Client
from medspa_desk.time_words import time_of_day

DOING = {AuditAction.VIEW: "viewed", AuditAction.CREATE: "created", AuditAction.UPDATE: "changed",
         AuditAction.DELETE: "deleted", AuditAction.SIGN: "signed", AuditAction.PRINT: "printed",
         AuditAction.EXPORT: "exported", AuditAction.OVERRIDE: "overrode a missing form for",
         AuditAction.RESOLVE_CONFLICT: "settled a conflict on", AuditAction.ACCESS_DENIED: "was refused"}


def _moment(moment: datetime, zone: ZoneInfo) -> str:
    """The date and the desk's clock style (as the screens write times), with the zone's abbreviation."""
    local = moment.astimezone(zone)
    return f"{local:%Y-%m-%d} {time_of_day(local)} {local.tzname()}"


def person_words(person_id: UUID | None, names: Mapping[UUID, str]) -> str:
    if person_id is None:
        return "the system"
    return names.get(person_id) or f"someone (id {str(person_id)[:8]})"


def workstation_words(workstation_id: UUID | None) -> str:
    return f"workstation {str(workstation_id)[:8]}" if workstation_id else "the server"


def _trail_rows(rows: Sequence[TrailRow], *, names: Mapping[UUID, str], zone: ZoneInfo) -> list[list[str]]:
    return [[_moment(r.at, zone) + (" (not yet sent)" if r.unsent else ""), person_words(r.person_id, names),
             workstation_words(r.workstation_id), r.action.value.replace("_", " "),
             f"{r.entity} {str(r.record_id)[:8]}" if r.record_id else r.entity, r.outcome, r.detail]
            for r in rows]


def audit_trail_pdf(rows: Sequence[TrailRow], *, practice: str, zone: ZoneInfo, filter_words: str,
                    names: Mapping[UUID, str], generated_at: datetime, note: str = "") -> bytes:
    s = styles()
    story: list[Flowable] = [
        Paragraph("Audit trail", s.title),
        Paragraph(text(f"{practice}: {len(rows):,} events, made {_moment(generated_at, zone)}. "
                       f"Filter: {filter_words or 'none'}."), s.body)]
    if note:
        story.append(Paragraph(text(note), s.body))
    header = ["When", "Who", "Workstation", "Did", "Record", "Outcome", "Detail"]
    story += [spacer(6), table([header, *_trail_rows(rows, names=names, zone=zone)],
                               widths=[105, 95, 85, 65, 90, 50, 200]) if rows
              else Paragraph("No events match this filter.", s.body)]
    return render(story, header=practice, title="Audit trail", footer="Audit trail", pagesize=landscape(LETTER))


def access_report_pdf(report: AccessReport, *, client: Client, practice: str, zone: ZoneInfo,
                      names: Mapping[UUID, str], generated_at: datetime) -> bytes:
    """The report for the client: who opened, changed, printed or sent out their record, and when."""
    s = styles()
    lines = [[_moment(r.at, zone), person_words(r.person_id, names), workstation_words(r.workstation_id),
              f"{DOING.get(r.action, r.action.value.replace('_', ' '))} the "
              f"{RECORD_WORDS.get(report.kinds.get(r.record_id, r.entity) if r.record_id else r.entity, 'record')}"
              + (" (not yet sent to the server)" if r.unsent else "")] for r in report.rows]
    story: list[Flowable] = [
        Paragraph(f"Who accessed the record of {text(client.full_name)}", s.title),
        Paragraph(text(f"Every time someone at {practice} viewed, changed, printed or sent out this record "
                       f"(the profile, visits, signed consents, health questionnaires, treatment records and "
                       f"photos) from {_moment(report.since, zone)} to {_moment(report.until, zone)}. "
                       f"Made {_moment(generated_at, zone)}."), s.body)]
    if not report.online:
        story.append(Paragraph(text("The practice's server could not be reached: this lists only what was done "
                                    "on the workstation that made the report."), s.body))
    if not report.complete:
        story.append(Paragraph(text("Only the first events are listed; ask for a shorter period to see all."),
                               s.body))
    story += [spacer(6), table([["When", "Who", "From", "What"], *lines], widths=[110, 120, 100, 160]) if lines
              else Paragraph("Nobody accessed this record in this period.", s.body)]
    story += [spacer(10), Paragraph("Disclosures outside treatment, payment and operations", s.heading),
              Paragraph(text("Every time the practice gave this client's information to someone else for another "
                             "purpose (45 CFR 164.528), as the practice recorded it."), s.body), spacer(4)]
    story.append(table([["Date", "To whom", "What was disclosed", "Why", "Recorded by"],
                        *[[f"{d.disclosed_on:%Y-%m-%d}", f"{d.recipient}, {d.recipient_address}", d.what, d.purpose,
                           person_words(d.recorded_by, names)] for d in report.disclosures]],
                       widths=[60, 120, 130, 110, 70]) if report.disclosures
                 else Paragraph("No disclosures were recorded in this period.", s.body))
    return render(story, header=practice, title=f"Access report — {client.full_name}",
                  footer=f"Access report · {client.initials}")
