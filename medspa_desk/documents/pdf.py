"""The practice's printable documents, rendered to PDF bytes in memory.

- ``consent_pdf``: a signed consent as the client signed it;
- ``intake_pdf``: an intake summary with the contraindication flags on top;
- ``day_sheet_pdf``: the day's appointments, with a privacy option that
  prints initials instead of names (for a sheet left at the front desk).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER, landscape
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Table, TableStyle

from medspa_desk.documents.pdf_layout import (
    MUTED,
    fonts,
    markdown_flowables,
    render,
    spacer,
    styles,
    text,
    whose,
)
from medspa_desk.documents.pdf_signature import SignatureDrawing
from medspa_desk.documents.questionnaire import (
    Question,
    Questionnaire,
    QuestionType,
    visible_questions,
)
from medspa_desk.documents.rules import Finding, Outcome
from medspa_desk.documents.sealing import verify_signed
from medspa_desk.records import (
    Appointment,
    Client,
    IntakeForm,
    Location,
    Provider,
    Room,
    Service,
    SignedConsent,
)
from medspa_desk.scheduling import format_price
from medspa_desk.time_words import time_of_day, time_span

_OUTCOME_WORDS = {Outcome.BLOCK: "Do not treat", Outcome.PROVIDER_REVIEW: "Provider review",
                  Outcome.WARN: "Note"}
_OUTCOME_COLOURS = {Outcome.BLOCK: "#b3261e", Outcome.PROVIDER_REVIEW: "#9a6700", Outcome.WARN: "#39536b"}


def format_moment(moment: datetime, zone: ZoneInfo) -> str:
    """A signed time as the location reads it, with its zone's short name (e.g. 'at 2:05 PM EDT')."""
    local = moment.astimezone(zone)
    return f"{local:%B %-d, %Y} at {time_of_day(local)} {local.tzname()}"


def _facts(rows: Sequence[tuple[str, str]]) -> Table:
    s = styles()
    table = Table([[Paragraph(text(label), s.small), Paragraph(text(value), s.cell)] for label, value in rows],
                  colWidths=[1.5 * inch, None], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 2), ("TOPPADDING", (0, 0), (-1, -1), 1)]))
    return table


def _seal_block(form: IntakeForm | SignedConsent) -> list[Flowable]:
    s = styles()
    check = verify_signed(form)
    story: list[Flowable] = [Paragraph("SHA-256 of the signed content:", s.small),
                             Paragraph(form.content_sha256, s.mono)]
    if not check.intact:
        story.append(Paragraph(f"<font color='#b3261e'>{text(check.message)}</font>", s.body))
    return story


def consent_pdf(consent: SignedConsent, *, client: Client, practice_name: str, zone: ZoneInfo,
                practice_contact: str = "", visit: str = "") -> bytes:
    """The signed consent: who signed which version of which text, when, with what signature.

    ``practice_contact`` (address and phone) goes under the title; ``visit`` names the
    treatment, provider and date the consent was signed for, when it was signed at a visit.
    """
    if consent.client_id != client.id:
        raise ValueError("this consent belongs to a different client than the one given")
    s = styles()
    story: list[Flowable] = [
        Paragraph(text(consent.title), s.title),
        *([Paragraph(text(f"{practice_name} · {practice_contact}"), s.small)] if practice_contact else []),
        _facts([("Client", client.full_name), ("Date of birth", f"{client.birth_date:%B %-d, %Y}"),
                *([("Visit", visit)] if visit else []),
                ("Form", f"{consent.title}, version {consent.template_version}")]),
        spacer(8),
        *markdown_flowables(consent.body),
        spacer(10),
    ]
    signed = [Paragraph("Signature", s.heading),
              SignatureDrawing(consent.signature, max_width=3.2 * inch, max_height=1.1 * inch),
              spacer(4),
              _facts([("Signed by", consent.signer_name), ("Signed", format_moment(consent.signed_at, zone)),
                      ("Witness", consent.witness_name or "None required")]),
              spacer(4), *_seal_block(consent)]
    story.append(KeepTogether(signed))
    return render(story, header=practice_name, title=consent.title,
                  footer=f"Consent, version {consent.template_version} · "
                         f"{whose(client.full_name, client.birth_date)} · SHA-256 {consent.content_sha256[:12]}…")


def answer_words(question: Question, answer: object) -> str:
    """An answer as the client would read it back."""
    match question.type:
        case QuestionType.YES_NO:
            return "Yes" if answer else "No"
        case QuestionType.CHOICE:
            return question.label_for(str(answer))
        case QuestionType.MULTI_CHOICE:
            return "; ".join(question.label_for(str(v)) for v in answer) if isinstance(answer, list) else str(answer)
        case QuestionType.DATE:
            return f"{date.fromisoformat(str(answer)):%B %-d, %Y}"
    return str(answer)


# Treatment kinds as a client reads them on a printed summary.
CATEGORY_WORDS = {"neurotoxin": "Neurotoxin (e.g. Botox)", "dermal_filler": "Dermal filler", "laser": "Laser",
                  "ipl": "IPL (light therapy)", "chemical_peel": "Chemical peel", "microneedling": "Microneedling",
                  "iv_therapy": "IV therapy", "facial": "Facial", "consultation": "Consultation"}


def _findings_table(findings: Sequence[Finding]) -> Flowable:
    s = styles()
    if not findings:
        return Paragraph("No contraindication flags for the treatments booked.", s.body)
    rows = [[Paragraph(f"<font color='{_OUTCOME_COLOURS[f.outcome]}'><b>{_OUTCOME_WORDS[f.outcome]}</b></font>",
                       s.cell),
             Paragraph(text(CATEGORY_WORDS.get(f.category.value, f.category.value.replace("_", " ").capitalize())),
                       s.cell), Paragraph(text(f.reason), s.cell)]
            for f in findings]
    table = Table(rows, colWidths=[1.15 * inch, 1.1 * inch, None], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.25, MUTED),
                               ("LEFTPADDING", (0, 0), (-1, -1), 2)]))
    return table


def intake_pdf(intake: IntakeForm, *, client: Client, questionnaire: Questionnaire, findings: Sequence[Finding],
               practice_name: str, zone: ZoneInfo) -> bytes:
    """The intake as answered, flags first, so the provider sees what matters before the details."""
    if intake.client_id != client.id:
        raise ValueError("this intake belongs to a different client than the one given")
    if (intake.questionnaire_id, intake.questionnaire_version) != (questionnaire.id, questionnaire.version):
        raise ValueError(f"this intake was answered on {intake.questionnaire_id} version "
                         f"{intake.questionnaire_version}; load that questionnaire to print it")
    s = styles()
    story: list[Flowable] = [
        Paragraph(text(f"{questionnaire.title}: summary"), s.title),
        _facts([("Client", client.full_name), ("Date of birth", f"{client.birth_date:%B %-d, %Y}"),
                ("Questionnaire", f"{questionnaire.title}, version {questionnaire.version}"),
                ("Submitted", format_moment(intake.submitted_at, zone))]),
        Paragraph("Flags", s.heading), _findings_table(findings),
    ]
    shown = {q.id for q in visible_questions(questionnaire, intake.answers, on=intake.submitted_at.date())}
    for section in questionnaire.sections:
        rows = [[Paragraph(text(q.text), s.cell), Paragraph(text(answer_words(q, intake.answers[q.id])), s.cell)]
                for q in section.questions if q.id in shown and q.id in intake.answers]
        if not rows:
            continue
        table = Table(rows, colWidths=[3.6 * inch, None], hAlign="LEFT")
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d5dbe1")),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 2)]))
        story += [Paragraph(text(section.title), s.heading), table]
    signed: list[Flowable] = [Paragraph("Signed", s.heading)]
    if intake.signature is not None:
        signed.append(SignatureDrawing(intake.signature, max_width=3.2 * inch, max_height=1.1 * inch))
    signed += [_facts([("Signed by", intake.signer_name)]), spacer(4), *_seal_block(intake)]
    story.append(KeepTogether(signed))
    return render(story, header=practice_name, title=questionnaire.title,
                  footer=f"Health questionnaire, version {questionnaire.version} · {client.initials}")


@dataclass(frozen=True)
class DaySheetRow:
    starts_at: datetime
    ends_at: datetime
    client: Client
    service_name: str
    provider_name: str
    room_name: str
    status: str
    flags: str = ""
    notes: str = ""  # the booking's notes (left off a privacy print: they may name the client)
    price_cents: int | None = None  # the service's price when the visit was booked (None: not recorded)


def day_sheet_rows(appointments: Sequence[Appointment], *, clients: Mapping[UUID, Client],
                   services: Mapping[UUID, Service], providers: Mapping[UUID, Provider],
                   rooms: Mapping[UUID, Room], flags: Mapping[UUID, str] | None = None) -> list[DaySheetRow]:
    """Rows for the day sheet from the day's appointments (cancelled ones left out), in time order."""
    flags = flags or {}
    return [DaySheetRow(starts_at=a.starts_at, ends_at=a.ends_at, client=clients[a.client_id],
                        service_name=services[a.service_id].name if a.service_id in services else "",
                        provider_name=providers[a.provider_id].display_name if a.provider_id in providers else "",
                        room_name=rooms[a.room_id].name if a.room_id is not None and a.room_id in rooms else "",
                        status=a.status.value.replace("_", " "), flags=flags.get(a.id, ""), notes=a.notes,
                        price_cents=a.price_cents)
            for a in sorted(appointments, key=lambda a: a.starts_at) if a.holds_slot]


def day_sheet_pdf(*, practice_name: str, location: Location, day: date, rows: Sequence[DaySheetRow],
                  initials_only: bool) -> bytes:
    """The printable schedule for one location and day; ``initials_only`` keeps client names off the page."""
    s = styles()
    zone = location.zone
    header = ["Time", "Client", "Service", "Price", "Provider", "Room", "Status", "Flags"]
    body = []
    for row in rows:
        who = row.client.initials if initials_only else f"{row.client.full_name}\n{row.client.phone}".strip()
        when = time_span(row.starts_at.astimezone(zone), row.ends_at.astimezone(zone))
        what = row.service_name if initials_only or not row.notes else f"{row.service_name}\nNote: {row.notes}"
        body.append([Paragraph(text(v), s.cell) for v in
                     (when, who, what, format_price(row.price_cents) or "—", row.provider_name, row.room_name,
                      row.status, row.flags)])
    bold = fonts().bold
    table = Table([[Paragraph(f"<font name='{bold}'>{h}</font>", s.cell) for h in header], *body],
                  colWidths=[1.2 * inch, 1.5 * inch, 1.2 * inch, 0.75 * inch, 1.1 * inch, 0.85 * inch, 0.85 * inch,
                             None],  # flags widest
                  repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, 0), 0.8, MUTED),
                               ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#d5dbe1")),
                               ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f4f6f8")]),
                               ("LEFTPADDING", (0, 0), (-1, -1), 3)]))
    privacy = "Initials only." if initials_only else "Contains client names: do not leave where clients can see it."
    story: list[Flowable] = [
        Paragraph(text(f"Day sheet: {location.name}, {day:%A, %B %-d, %Y}"), s.title),
        Paragraph(text(f"{len(rows)} appointments. Times in {zone.key}. {privacy}"), s.small), spacer(6),
        table if rows else Paragraph("No appointments.", s.body),
    ]
    return render(story, header=practice_name, title=f"Day sheet {day.isoformat()}",
                  footer=f"{location.name} · {day.isoformat()}", pagesize=landscape(LETTER))


__all__ = ["DaySheetRow", "answer_words", "consent_pdf", "day_sheet_pdf", "day_sheet_rows",
           "format_moment", "intake_pdf"]
