"""A client's whole record as one readable PDF: the right of access's copy for a person to read.

A summary first (who, how to reach them, allergies and alerts, every visit with
its service, provider and status, and a list of what follows), then every
treatment record, every signed consent and every intake, each as the same
document the desk prints for it (signatures, seals and addenda included),
joined in one file with PDFium. Photos are listed by date and kind; the
images themselves travel in the FHIR bundle.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from uuid import UUID

import pypdfium2
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from medspa_desk.clinical.treatment_pdf import treatment_pdf
from medspa_desk.compliance.fhir import ClientRecord
from medspa_desk.desk.comms import CHANNEL_WORDS, HOW_WORDS, PURPOSE_WORDS
from medspa_desk.documents.pdf import consent_pdf, format_moment, intake_pdf
from medspa_desk.documents.pdf_layout import render, spacer, styles, text
from medspa_desk.documents.questionnaire import Questionnaire, shipped_questionnaire

STATUS_WORDS = {"booked": "Booked", "confirmed": "Confirmed", "arrived": "Arrived", "in_room": "In a room",
                "completed": "Completed", "cancelled": "Cancelled", "no_show": "No-show"}


def _table(rows: list[list[str]], widths: Sequence[float] | None = None) -> Table:
    s = styles()
    cells = [[Paragraph(text(cell), s.cell) for cell in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, 0), 0.5, "#888888"),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 3), ("TOPPADDING", (0, 0), (-1, -1), 3)]))
    return table


def _summary(record: ClientRecord, *, generated_at: datetime, parts: list[str]) -> bytes:
    s, c, zone = styles(), record.client, record.location.zone
    facts = [["", ""], ["Name", c.full_name + (f" ({c.preferred_name})" if c.preferred_name else "")],
             ["Date of birth", f"{c.birth_date:%B %-d, %Y}"], ["Phone", c.phone or "None on file"],
             ["Email", c.email or "None on file"], ["Address", c.address or "None on file"],
             ["Emergency contact", c.emergency_contact or "None on file"],
             ["Allergies", c.allergies or "None recorded"], ["Alerts", c.alerts or "None recorded"]]
    visits = [["When", "Service", "Provider", "Status"]] + [
        [format_moment(a.starts_at, zone),
         record.services[a.service_id].name if a.service_id in record.services else "Service",
         record.providers.get(a.provider_id, "Provider"), STATUS_WORDS.get(a.status.value, a.status.value)]
        for a in sorted(record.appointments, key=lambda a: a.starts_at)]
    preferences = [["Given", "Channel", "Purpose", "Agreed", "How", "Wording", "Recorded by"]] + [
        [format_moment(e.given_at, zone), CHANNEL_WORDS[e.channel], PURPOSE_WORDS[e.purpose], "yes" if e.agreed else "no",
         HOW_WORDS[e.given_how], e.text_version, e.recorded_by_name] for e in record.contact_preferences]
    photos = [[format_moment(p.taken_at, zone), f"{p.kind.capitalize()} photo", p.media_type,
               f"{len(p.image) // 1024} KiB"] for p in record.photos]
    story: list[Flowable] = [
        Paragraph(f"Client record — {text(c.full_name)}", s.title),
        Paragraph(text(f"A copy of everything {record.location.name} holds about this client, made "
                       f"{format_moment(generated_at, zone)}."), s.body),
        spacer(8), _table(facts[1:], widths=[130, 360]), spacer(10),
        Paragraph("Visits", s.heading),
        _table(visits, widths=[150, 150, 120, 70]) if len(visits) > 1 else Paragraph("No visits.", s.body),
        spacer(10), Paragraph("Communication preferences (every yes and no, oldest first)", s.heading),
        _table(preferences, widths=[95, 50, 70, 40, 80, 75, 80]) if len(preferences) > 1
        else Paragraph("None recorded.", s.body),
        spacer(10), Paragraph("What follows", s.heading),
        *([Paragraph(text(f"• {part}"), s.body) for part in parts] or [Paragraph("Nothing else.", s.body)]),
    ]
    if photos:
        story += [spacer(10), Paragraph("Photos (the images are in the electronic copy)", s.heading),
                  _table([["Taken", "Kind", "Format", "Size"], *photos], widths=[150, 120, 120, 100])]
    return render(story, header=record.location.name, title=f"Client record — {c.full_name}",
                  footer=f"Client record · {c.initials}")


def signed_consent_pdfs(record: ClientRecord) -> dict[UUID, bytes]:
    """Each of the record's signed consents drawn as its PDF, by id: drawn once for an export, so the
    readable record and the FHIR bundle (the Consent's source attachment) carry the same document."""
    c, zone, practice = record.client, record.location.zone, record.location.name
    return {consent.id: consent_pdf(consent, client=c, practice_name=practice, zone=zone)
            for consent in record.consents}


def record_pdf(record: ClientRecord, *, generated_at: datetime, questionnaire: Questionnaire | None = None,
               consent_pdfs: Mapping[UUID, bytes] | None = None) -> bytes:
    """The summary, then every treatment, consent and intake, as one PDF.

    ``consent_pdfs`` (:func:`signed_consent_pdfs`) when the caller has drawn them already.
    """
    c, zone, practice = record.client, record.location.zone, record.location.name
    drawn = consent_pdfs if consent_pdfs is not None else signed_consent_pdfs(record)
    questionnaire = questionnaire or shipped_questionnaire()
    documents: list[tuple[str, bytes]] = []
    for t in sorted(record.treatments, key=lambda t: t.performed_at):
        service = record.services[t.service_id].name if t.service_id in record.services else "Treatment"
        provider = record.providers.get(t.provider_id, "Provider")
        documents.append((f"Treatment record: {service}, {format_moment(t.performed_at, zone)}",
                          treatment_pdf(t, client=c, practice_name=practice, zone=zone, provider_name=provider,
                                        service_name=service, signer_name=provider if t.signed_at else "",
                                        product_names={p.id: p.name for p in record.products.values()})))
    for consent in sorted(record.consents, key=lambda c: c.signed_at):
        documents.append((f"Signed consent: {consent.title}, {format_moment(consent.signed_at, zone)}",
                          drawn[consent.id]))
    for intake in sorted(record.intakes, key=lambda f: f.submitted_at):
        if (intake.questionnaire_id, intake.questionnaire_version) != (questionnaire.id, questionnaire.version):
            continue  # answered on another questionnaire version: in the electronic copy
        documents.append((f"Health questionnaire, {format_moment(intake.submitted_at, zone)}",
                          intake_pdf(intake, client=c, questionnaire=questionnaire, findings=(),
                                     practice_name=practice, zone=zone)))
    whole = pypdfium2.PdfDocument(_summary(record, generated_at=generated_at, parts=[n for n, _ in documents]))
    try:
        for _name, pdf in documents:
            part = pypdfium2.PdfDocument(pdf)
            try:
                whole.import_pages(part)
            finally:
                part.close()
        out = io.BytesIO()
        whole.save(out)
        return out.getvalue()
    finally:
        whole.close()
