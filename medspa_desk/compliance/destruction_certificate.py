"""The certificate of destruction handed to a practice at the end of its contract (the BAA's destruction).

It says which practice, what was destroyed (the export made first, with its manifest's SHA-256, and the
rows deleted per server table), when, how (the server: every row deleted in one transaction, nothing
kept but this tombstone; workstations: cryptographic erase of the data key and deletion of the store
files, NIST SP 800-88 "purge"), who asked and who confirmed, and which workstations have confirmed their
wipe and which not yet. Drawn with the same helpers as the binder and the audit trail PDFs.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from reportlab.platypus import Flowable, Paragraph

from medspa_desk.compliance.record_pdf import _table as table
from medspa_desk.documents.pdf import format_moment
from medspa_desk.documents.pdf_layout import render, spacer, styles, text
from medspa_desk.protocol import DestructionCertificate

TITLE = "Certificate of destruction"
SERVER_METHOD = ("Every row of the practice in every table of the central server's database (found from the "
                 "schema, so no table is missed) was deleted in one database transaction, and the practice "
                 "itself. Only this certificate's record is kept: the practice's name, the counts, the "
                 "workstations and the destruction's own audit events.")
BACKUP_METHOD = ("The central server keeps no backup files of its own. Copies an operator made with "
                 "'medspa-api backup' are outside the server's reach: the operator destroys them under their "
                 "backup retention (docs/operations.md), and the restore-check records of the practice were "
                 "deleted with its audit trail.")
WORKSTATION_METHOD = ("Each workstation, on its next contact with the server, closed its encrypted store, "
                      "erased its data key (the key wrap file and every keychain entry: a cryptographic erase, "
                      "NIST SP 800-88 'purge' for the encrypted store) and deleted its store files, then "
                      "confirmed with its own device secret.")


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return format_moment(moment, zone).removeprefix("at ") if moment is not None else ""


def workstation_state(wiped_at: datetime | None, revoked_at: datetime | None, zone: ZoneInfo) -> str:
    if wiped_at is not None:
        return f"Confirmed wiped {_when(wiped_at, zone)}"
    if revoked_at is not None:
        return "Not yet confirmed (revoked earlier: it was told to wipe then, on its next contact)"
    return "Not yet confirmed: it wipes on its next contact with the server"


def certificate_pdf(cert: DestructionCertificate, *, zone: ZoneInfo, generated_at: datetime) -> bytes:
    s = styles()
    waiting = [w for w in cert.workstations if w.wiped_at is None]
    story: list[Flowable] = [
        Paragraph(TITLE, s.title),
        Paragraph(text(f"The records of {cert.practice} held by Medspa Desk were destroyed on "
                       f"{_when(cert.destroyed_at, zone)}, at the end of its contract. This certificate was made "
                       f"{_when(generated_at, zone)}."), s.body),
        Paragraph(text(f"{len(cert.workstations) - len(waiting)} of {len(cert.workstations)} workstations have "
                       "confirmed their wipe." + (" Make this certificate again later to see the others."
                                                  if waiting else " Every workstation has confirmed.")), s.body),
        spacer(4), Paragraph("Who and when", s.heading),
        table([["", ""], ["Asked by", f"{cert.requested_by_name}, {_when(cert.requested_at, zone)}"],
               ["Reason", cert.reason or "(none given)"],
               ["Confirmed by", f"{cert.confirmed_by_name}, {_when(cert.confirmed_at, zone)}"],
               ["Destroyed", _when(cert.destroyed_at, zone)]], widths=[110, 390]),
        spacer(4), Paragraph("Returned first: the practice's export", s.heading),
        Paragraph(text(f"SHA-256 of the export's manifest.json: {cert.export_sha256}."), s.body),
        Paragraph(text("What it holds: " + (", ".join(f"{name.replace('_', ' ')} {count:,}" for name, count
                                                      in sorted(cert.export_counts.items())) or "(no counts)")
                       + "."), s.body),
        spacer(4), Paragraph("Destroyed on the central server", s.heading),
        Paragraph(text(SERVER_METHOD), s.body), Paragraph(text(BACKUP_METHOD), s.body),
        table([["Table", "Rows deleted"], *[[name, f"{count:,}"] for name, count in sorted(cert.deleted.items())],
               ["Total", f"{sum(cert.deleted.values()):,}"]], widths=[250, 120]),
        spacer(4), Paragraph("Destroyed on the workstations", s.heading),
        Paragraph(text(WORKSTATION_METHOD), s.body),
        table([["Workstation", "Id", "Wipe"],
               *[[w.name or "(unnamed)", str(w.device_id), workstation_state(w.wiped_at, w.revoked_at, zone)]
                 for w in cert.workstations]], widths=[110, 200, 190]) if cert.workstations
        else Paragraph("The practice had no registered workstation.", s.body),
        spacer(4), Paragraph("The destruction's own audit events", s.heading),
        table([["When", "Who", "What", "Outcome", "Detail"],
               *[[_when(e.at, zone), e.who, e.action.replace("_", " "), e.outcome, e.detail] for e in cert.events]],
              widths=[105, 90, 70, 60, 175]),
    ]
    return render(story, header=cert.practice, title=TITLE, footer=TITLE)
