"""The compliance binder: one PDF for an auditor, the ten Security Rule line items with this
practice's evidence, and a plain "Missing" where the practice has not done its part.

The evidence is what this workstation can show without the network: the
audit trail's own check (walked link by link), how many events it holds and
since when, the staff enrolled with their roles, the encryption and lock
settings in force, and the practice's idle-lock policy. What the app does not
keep yet (a risk assessment, training and sanction acknowledgments, incident
and business-associate records, restore drills) is listed as missing with what
to do, never left out: an auditor reads an empty line item as a finding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reportlab.platypus import Flowable, KeepTogether, Paragraph, Table, TableStyle

from medspa_desk.documents.pdf import format_moment
from medspa_desk.documents.pdf_layout import render, spacer, styles, text
from medspa_desk.records import Location, User

MISSING = "Missing"


@dataclass(frozen=True)
class Evidence:
    """One line item: the rule, what the practice can show, and whether anything is missing."""

    number: int
    title: str
    rule: str
    shown: tuple[str, ...]
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class PracticeFacts:
    """What the binder reads from this workstation, gathered by :func:`gather_facts`."""

    location: Location
    users: Sequence[User]
    audit_events: int
    audit_first_at: datetime | None
    audit_ok: bool
    audit_problem: str
    cipher: str
    generated_at: datetime


def gather_facts(store: Any, *, location: Location, now: datetime) -> PracticeFacts:
    check = store.audit.verify()
    first = store.audit.events(limit=1)
    cipher = store.connection.execute("PRAGMA cipher_version").fetchone()
    return PracticeFacts(location=location, users=store.users(), audit_events=store.audit.count(),
                         audit_first_at=first[0].at if first else None, audit_ok=check.ok,
                         audit_problem=check.reason, cipher=str(cipher[0]) if cipher else "unknown",
                         generated_at=now)


def line_items(facts: PracticeFacts) -> list[Evidence]:
    zone = facts.location.zone
    active = [u for u in facts.users if u.active]
    roles: dict[str, int] = {}
    for user in active:
        roles[user.role.value.replace("_", " ")] = roles.get(user.role.value.replace("_", " "), 0) + 1
    since = format_moment(facts.audit_first_at, zone) if facts.audit_first_at else "no events yet"
    audit_line = (f"This workstation's audit trail holds {facts.audit_events:,} events since {since}; its "
                  "hash chain was checked link by link for this binder and holds."
                  if facts.audit_ok else
                  f"This workstation's audit trail FAILED its check: {facts.audit_problem}. Report it as a "
                  "security incident.")
    return [
        Evidence(1, "A documented risk assessment", "45 CFR 164.308(a)(1)(ii)(A)", (),
                 ("No risk assessment is recorded in the app. Write one (assets, threats, likelihood, impact, "
                  "controls, owner, due date), date it, and review it every year.",)),
        Evidence(2, "Audit controls", "45 CFR 164.312(b)", (
            audit_line,
            "Every view, change, print, export, sign-in, lock and refusal is recorded with who, when and "
            "from which workstation (ids only, no health details); the server keeps the practice's trail "
            "append-only for six years under a key the database does not hold.")),
        Evidence(3, "Access controls and unique user IDs", "45 CFR 164.312(a)(2)(i)", (
            f"{len(active)} active staff accounts, each a person: "
            + (", ".join(f"{n} {role}" for role, n in sorted(roles.items())) or "none") + ".",
            "Every online sign-in asks for the person's password and a code from their own authenticator; "
            "what each role may do is one table the desk and the server both read.")),
        Evidence(4, "Encryption at rest and in transit", "45 CFR 164.312(a)(2)(iv), (e)(1)", (
            f"The local data file is encrypted with SQLCipher {facts.cipher} (AES-256) under a random key "
            "kept only wrapped by each person's password and the workstation's keychain.",
            "The desk talks to the server only over TLS 1.2 or newer, and checks the server's certificate.")),
        Evidence(5, "Backup and disaster recovery", "45 CFR 164.308(a)(7)(ii)(A)", (
            "The server's operator backs up with “medspa-api backup” and proves a restore with "
            "“medspa-api restore-check” (counts every table, walks every audit chain).",),
                 ("No restore drill is recorded in the app. Run “medspa-api restore-check” every quarter and "
                  "keep its dated report with this binder.",)),
        Evidence(6, "Workforce training", "45 CFR 164.308(a)(5)(i)", (),
                 ("No training record is kept in the app. Keep who took which training and when, signed by "
                  "each person, at hire and every year.",)),
        Evidence(7, "A sanction policy", "45 CFR 164.308(a)(1)(ii)(C)", (),
                 ("No signed sanction policy is recorded in the app. Put it in writing and have each person "
                  "acknowledge it.",)),
        Evidence(8, "Incident response procedures", "45 CFR 164.308(a)(6)", (),
                 ("No incident log is kept in the app. Write who staff tell, who decides whether the 60-day "
                  "breach-notification clock has started, and keep a log of incidents.",)),
        Evidence(9, "A business associate agreement with every vendor", "45 CFR 164.502(e)", (),
                 ("No business associates are recorded in the app. List every vendor that handles client "
                  "information (this software's host, SMS, email, storage, payments) with its signed BAA.",)),
        Evidence(10, "Physical safeguards", "45 CFR 164.310", (
            f"Workstations lock after {facts.location.idle_lock_minutes} minutes without input (the practice's "
            "policy), at once with Ctrl+L, when the screen locks and when the computer sleeps; locking "
            "closes the data file and wipes its key from memory.",
            "A lost or retired workstation is revoked on the server and wipes itself at its next contact.")),
    ]


def _item(evidence: Evidence) -> Flowable:
    s = styles()
    rows: list[list[Flowable]] = [[Paragraph(text(line), s.cell)] for line in evidence.shown]
    rows += [[Paragraph(f"<b>{MISSING}:</b> {text(line)}", s.cell)] for line in evidence.missing]
    table = Table(rows or [[Paragraph(MISSING, s.cell)]], colWidths=[470])
    style = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 8)]
    for row in range(len(evidence.shown), len(rows)):
        style.append(("BACKGROUND", (0, row), (-1, row), "#fdecea"))
    table.setStyle(TableStyle(style))
    status = "evidence shown" if not evidence.missing else ("partly missing" if evidence.shown else MISSING.lower())
    return KeepTogether([Paragraph(text(f"{evidence.number}. {evidence.title} — {status}"), s.heading),
                         Paragraph(text(evidence.rule), s.small), table, spacer(6)])


def binder_pdf(facts: PracticeFacts) -> bytes:
    """The binder for ``facts``: a summary of what is missing, then the ten line items."""
    s = styles()
    items = line_items(facts)
    missing = [e for e in items if e.missing]
    story: list[Flowable] = [
        Paragraph(text(f"HIPAA Security Rule binder — {facts.location.name}"), s.title),
        Paragraph(text(f"Made {format_moment(facts.generated_at, facts.location.zone)} on this workstation. "
                       f"{facts.location.address or 'Address not recorded'}; "
                       f"{facts.location.phone or 'phone not recorded'}."), s.body),
        Paragraph(text(f"{len(items) - len(missing)} of {len(items)} line items are fully evidenced; "
                       f"{len(missing)} need the practice's own records (marked {MISSING})."), s.body),
        spacer(6), *[_item(e) for e in items],
    ]
    return render(story, header=facts.location.name, title="HIPAA Security Rule binder",
                  footer="Compliance binder")
