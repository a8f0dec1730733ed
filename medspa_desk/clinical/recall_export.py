"""A lot-recall list as CSV or PDF, written atomically and audited as an export.

CSV cells that a spreadsheet would run as a formula (starting with = + - @)
are prefixed with an apostrophe, so a crafted name cannot run in Excel.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, Table, TableStyle

from medspa_desk.audit import spreadsheet_safe
from medspa_desk.documents.pdf_layout import render, spacer, styles, text
from medspa_desk.store.errors import StoreError
from medspa_desk.store.files import write_atomic
from medspa_desk.store.recall import RecallCriteria, RecallHit, record_recall_export

# A table cell's left and right padding (reportlab's default, 6 pt each side).
CELL_PADDING = 12
CSV_COLUMNS = ("last_name", "first_name", "birth_date", "phone", "email", "address", "treated_on", "product", "lot")


class ExportFormat(StrEnum):
    CSV = "csv"
    PDF = "pdf"


def describe_criteria(criteria: RecallCriteria, *, product_names: Mapping[UUID, str], zone: ZoneInfo) -> str:
    parts = []
    if criteria.lot:
        parts.append(f"lot {criteria.lot}")
    if criteria.product_id is not None:
        parts.append(product_names.get(criteria.product_id, "the chosen product"))
    if criteria.since is not None:
        parts.append(f"from {criteria.since.astimezone(zone):%B %-d, %Y}")
    if criteria.until is not None:
        # The range ends at midnight after its last day: the page names that last day.
        last = (criteria.until.astimezone(zone) - timedelta(microseconds=1)).date()
        parts.append(f"to {last:%B %-d, %Y}")
    return ", ".join(parts)


def _dates(hit: RecallHit, zone: ZoneInfo) -> str:
    return "; ".join(f"{u.performed_at.astimezone(zone):%Y-%m-%d}" for u in hit.uses)


def _day_words(day: date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def _treated_lines(hit: RecallHit, zone: ZoneInfo) -> str:
    """Each visit's date on its own line ("Mar 1, 2026"): a date is never split across lines."""
    return "\n".join(dict.fromkeys(_day_words(u.performed_at.astimezone(zone).date()) for u in hit.uses))


def _email_lines(email: str, width: float, style: ParagraphStyle) -> str:
    """An address too long for its column breaks before the "@", never in the middle of a name."""
    if stringWidth(email, style.fontName, style.fontSize) <= width or "@" not in email:
        return email
    local, _, domain = email.rpartition("@")
    return f"{local}\n@{domain}"


def born_words(hit: RecallHit) -> str:
    """The birth date as a person reads it ("Mar 14, 1985"): two clients of one name are told apart by it."""
    return _day_words(hit.born) if hit.born else ""


def _products(hit: RecallHit, product_names: Mapping[UUID, str]) -> str:
    return "; ".join(dict.fromkeys(product_names.get(u.product_id, "Unknown product") for u in hit.uses))


def _lots(hit: RecallHit) -> str:
    return "; ".join(dict.fromkeys(u.lot for u in hit.uses))


def recall_csv(hits: Sequence[RecallHit], *, product_names: Mapping[UUID, str], zone: ZoneInfo) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for hit in hits:
        writer.writerow([spreadsheet_safe(v) for v in (
            hit.last_name, hit.first_name, hit.birth_date, hit.phone, hit.email, hit.address, _dates(hit, zone),
            _products(hit, product_names), _lots(hit))])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read accents right


def recall_pdf(hits: Sequence[RecallHit], *, criteria: RecallCriteria, product_names: Mapping[UUID, str],
               practice_name: str, zone: ZoneInfo) -> bytes:
    s = styles()
    title = f"Lot recall: {describe_criteria(criteria, product_names=product_names, zone=zone)}"
    # Who (with the birth date, to tell namesakes apart), what was used and when, then how to reach the
    # client. Each date on its own line; a phone number and an e-mail address are never broken mid-way.
    widths = [1.25 * inch, 1.05 * inch, 1.05 * inch, 1.0 * inch, 0.8 * inch, 1.2 * inch, 2.0 * inch, 1.15 * inch]
    rows = [[Paragraph(h, s.small) for h in ("Client", "Born", "Product", "Treated", "Lot", "Phone", "Email",
                                             "Address")]]
    rows += [[Paragraph(text(v), s.cell) for v in (
        hit.full_name, born_words(hit), _products(hit, product_names), _treated_lines(hit, zone), _lots(hit),
        hit.phone, _email_lines(hit.email, widths[6] - CELL_PADDING, s.cell), hit.address)] for hit in hits]
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.HexColor("#5b6775")),
                               ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#d5dbe1"))]))
    story = [Paragraph(text(title), s.title),
             Paragraph(f"{len(hits)} client{'s' if len(hits) != 1 else ''} to contact.", s.body),
             spacer(6), table]
    return render(story, header=practice_name, title=title, pagesize=landscape(LETTER),
                  footer=f"Lot recall · {len(hits)} clients · confidential")


def export_recall(store: Any, hits: Sequence[RecallHit], path: Path, *, file_format: ExportFormat,
                  criteria: RecallCriteria, product_names: Mapping[UUID, str], practice_name: str,
                  zone: ZoneInfo, actor: Any) -> None:
    """Write the list to ``path`` (0600 temp file, fsync, replace) and audit the export."""
    if file_format is ExportFormat.CSV:
        data = recall_csv(hits, product_names=product_names, zone=zone)
    else:
        data = recall_pdf(hits, criteria=criteria, product_names=product_names,
                          practice_name=practice_name, zone=zone)
    try:
        write_atomic(Path(path), data)
    except OSError as exc:
        record_recall_export(store, actor=actor, clients=len(hits), file_format=file_format.value,
                             outcome="failed")
        raise StoreError(f"The recall list could not be written to {Path(path).parent} "
                         f"({exc.strerror or type(exc).__name__}). Pick another folder.") from None
    record_recall_export(store, actor=actor, clients=len(hits), file_format=file_format.value)
