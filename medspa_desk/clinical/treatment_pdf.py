"""The treatment record as a PDF (reportlab): for the client's record and for printing.

The face chart is drawn as vectors (``FaceChartFlowable``); products, lots and
totals come from the record; a signed record shows its signature line and
content hash, then its addenda in the order they were written.
"""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Table, TableStyle

from medspa_desk.clinical.addenda import addenda_in_order
from medspa_desk.clinical.face_chart_pdf import FaceChartFlowable, product_colours
from medspa_desk.clinical.totals import chart_totals, format_amount
from medspa_desk.documents.pdf import format_moment
from medspa_desk.documents.pdf_layout import render, spacer, styles, text, whose
from medspa_desk.records import Client, LaserSettings, TreatmentRecord

CONTENT_WIDTH = 7.0 * inch


def _grid(rows: list[list[str]], widths: list[float]) -> Table:
    s = styles()
    cells = [[Paragraph(text(c), s.small if r == 0 else s.cell) for c in row] for r, row in enumerate(rows)]
    table = Table(cells, colWidths=widths, hAlign="LEFT", repeatRows=1)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.HexColor("#5b6775")),
                               ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#d5dbe1")),
                               ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 4)]))
    return table


def _laser_line(setting: LaserSettings) -> str:
    parts = [setting.device or "Device not recorded"]
    for value, unit in ((setting.wavelength_nm, "nm"), (setting.fluence_j_cm2, "J/cm²"),
                        (setting.spot_size_mm, "mm spot"), (setting.pulse_ms, "ms pulse")):
        if value is not None:
            parts.append(f"{value:g} {unit}")
    if setting.pulses is not None:
        parts.append(f"{setting.pulses} pulses")
    if setting.passes is not None:
        parts.append(f"{setting.passes} pass{'es' if setting.passes != 1 else ''}")
    return ", ".join(parts) + (f" — {setting.area}" if setting.area else "")


def treatment_pdf(record: TreatmentRecord, *, client: Client, practice_name: str, zone: ZoneInfo,
                  provider_name: str, service_name: str, signer_name: str = "",
                  product_names: Mapping[UUID, str] | None = None) -> bytes:
    """The whole record on letter pages, rendered in memory."""
    if record.client_id != client.id:
        raise ValueError("this treatment record belongs to a different client than the one given")
    s = styles()
    names = {u.product_id: u.product_name for u in record.products} | dict(product_names or {})
    units = {u.product_id: u.unit for u in record.products}
    story: list[Flowable] = [
        Paragraph(f"Treatment record — {text(service_name)}", s.title),
        _grid([["Client", "Date of birth", "Performed", "Provider"],
               [client.full_name, f"{client.birth_date:%B %-d, %Y}",
                format_moment(record.performed_at, zone), provider_name]],
              [1.6 * inch, 1.2 * inch, 2.6 * inch, 1.6 * inch]),
        spacer(8),
    ]
    if record.points:
        story += [Paragraph("Face chart", s.heading),
                  FaceChartFlowable(record.points, width=CONTENT_WIDTH, panel_height=2.3 * inch,
                                    units={pid: unit.value for pid, unit in units.items()})]
        colours = product_colours(record.points)
        legend = ", ".join(f"<font color='{colours[pid]}'>●</font> {text(names.get(pid, 'Product'))}"
                           for pid in colours)
        story += [Paragraph(legend, s.small), spacer(6)]
    if record.products:
        story += [Paragraph("Products, lots and amounts per area", s.heading),
                  _grid([["Product", "Lot", "Expiry", "Area", "Amount"]]
                        + [[u.product_name, u.lot, f"{u.expiry:%Y-%m-%d}", u.area, format_amount(u.amount, u.unit)]
                           for u in record.products],
                        [2.2 * inch, 1.0 * inch, 0.9 * inch, 1.8 * inch, 1.1 * inch])]
        totals = chart_totals(record.points)
        if totals.by_product:
            story += [spacer(4), Paragraph("Totals from the chart: " + "; ".join(
                f"{text(names.get(t.product_id, 'Product'))} {format_amount(t.amount, units.get(t.product_id, 'units'))}"
                f" at {t.points} point{'s' if t.points != 1 else ''}" for t in totals.by_product), s.body)]
    if record.laser:
        story += [Paragraph("Laser / IPL settings", s.heading),
                  *[Paragraph(text(_laser_line(setting)), s.body) for setting in record.laser]]
    story += [Paragraph("Clinical notes", s.heading), Paragraph(text(record.clinical_notes or "None."), s.body),
              Paragraph("Post-care instructions given", s.heading),
              Paragraph(text(record.post_care or "None recorded."), s.body)]
    if record.photo_ids:
        story.append(Paragraph(f"{len(record.photo_ids)} photo(s) are kept in the encrypted record "
                               "and are not printed.", s.small))
    # A signature or a hash is kept on the page with what it seals (never alone on the next one).
    signature: list[Flowable] = [Paragraph("Signature", s.heading)]
    if record.is_signed and record.signed_at is not None:
        signature += [Paragraph(f"Signed by {text(signer_name or provider_name)} on "
                                f"{text(format_moment(record.signed_at, zone))}. The record is locked; "
                                "corrections are addenda below.", s.body),
                      Paragraph(f"SHA-256 of the signed content: {record.content_sha256}", s.mono)]
    else:
        signature.append(Paragraph("<b>DRAFT — not signed.</b> This record can still change.", s.body))
    story.append(KeepTogether(signature))
    for number, addendum in enumerate(addenda_in_order(record), start=1):
        story.append(KeepTogether([
            *([Paragraph("Addenda", s.heading)] if number == 1 else []),
            Paragraph(f"<b>Addendum {number}</b> — {text(addendum.author_name)}, "
                      f"{text(format_moment(addendum.written_at, zone))}", s.body),
            Paragraph(text(addendum.text), s.body),
            Paragraph(f"SHA-256 {addendum.content_sha256}", s.mono)]))
    state = "signed" if record.is_signed else "DRAFT"
    performed = record.performed_at.astimezone(zone)
    return render(story, header=practice_name, title=f"Treatment record {record.performed_at:%Y-%m-%d}",
                  footer=f"Treatment record · {whose(client.full_name, client.birth_date)} · "
                         f"{performed:%b} {performed.day}, {performed.year} · {state}")
