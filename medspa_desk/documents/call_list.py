"""Tomorrow's confirmation calls on paper: time, client, how to reach them, the visit, and a box to tick.

``initials_only`` keeps names, numbers and addresses off the page (privacy
option): the desk then reads them on the screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from medspa_desk.desk.confirmations import CallEntry
from medspa_desk.documents.pdf_layout import MUTED, fonts, render, spacer, styles, text
from medspa_desk.records import Location


def call_list_pdf(entries: Sequence[CallEntry], *, location: Location, day: date, initials_only: bool) -> bytes:
    s = styles()
    zone = location.zone
    header = ["Time", "Client", "Reach by", "Visit", "Done"]
    body = []
    for entry in entries:
        who = entry.initials if initials_only else entry.client_name
        ways = ", ".join(entry.reach_by) or "no way on file"
        if not initials_only:
            ways = "\n".join(part for part in (ways, entry.phone, entry.email if "email" in entry.reach_by else "")
                             if part)
        body.append([Paragraph(text(v), s.cell) for v in
                     (f"{entry.starts_at.astimezone(zone):%-I:%M %p}", who, ways,
                      f"{entry.service_name} · {entry.provider_name}", "[  ]")])
    bold = fonts().bold
    table = Table([[Paragraph(f"<font name='{bold}'>{h}</font>", s.cell) for h in header], *body],
                  colWidths=[0.9 * inch, 1.6 * inch, 1.9 * inch, 2.2 * inch, None], repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, 0), 0.8, MUTED),
                               ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#d5dbe1")),
                               ("LEFTPADDING", (0, 0), (-1, -1), 3)]))
    privacy = ("Initials only: read numbers on the screen." if initials_only
               else "Contains client names and numbers: do not leave where clients can see it.")
    story: list[Flowable] = [
        Paragraph(text(f"Confirmation calls: {location.name}, {day:%A, %B %-d, %Y}"), s.title),
        Paragraph(text(f"{len(entries)} visits not yet confirmed. Times in {zone.key}. {privacy}"), s.small),
        spacer(6),
        table if entries else Paragraph("Every visit is confirmed.", s.body),
    ]
    return render(story, header=location.name, title=f"Confirmation calls {day.isoformat()}",
                  footer=f"{location.name} · {day.isoformat()}", pagesize=LETTER)


__all__ = ["call_list_pdf"]
