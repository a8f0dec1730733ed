"""The compliance binder: one PDF for an auditor, the ten Security Rule line items with this
practice's evidence, and a plain "Missing" where the practice has not done its part.

The evidence is what this workstation can show without the network: the
audit trail's own check (walked link by link), how many events it holds and
since when, the staff enrolled with their roles, the encryption and lock
settings in force, the practice's idle-lock policy, and the compliance records
synced to it (``medspa_desk/compliance/evidence.py``): the risk assessment and
its review date, the server's restore drills, who signed the training and the
policies, the incident log with its notification clocks, and the business
associates with their agreements. What the practice has not done is listed as
missing with what to do, never left out: an auditor reads an empty line item as
a finding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from reportlab.platypus import Flowable, KeepTogether, Paragraph, Table, TableStyle

from medspa_desk.compliance.evidence import (
    EvidenceSummary,
    day_words,
    days_left,
    evidence_summary,
    in_force,
    needs_notice,
)
from medspa_desk.compliance.policies import POLICIES
from medspa_desk.documents.pdf import format_moment
from medspa_desk.documents.pdf_layout import render, spacer, styles, text
from medspa_desk.records import (
    LEVEL_RANK,
    RESTORE_DRILL_DAYS,
    BreachFinding,
    Level,
    Location,
    PolicyKind,
    User,
)
from medspa_desk.scheduling import local_day

if TYPE_CHECKING:  # annotations only
    from medspa_desk.store import Store

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
    evidence: EvidenceSummary


def gather_facts(store: Store, *, location: Location, now: datetime) -> PracticeFacts:
    check = store.audit.verify()
    first = store.audit.events(limit=1)
    cipher = store.connection.execute("PRAGMA cipher_version").fetchone()
    return PracticeFacts(location=location, users=store.users(), audit_events=store.audit.count(),
                         audit_first_at=first[0].at if first else None, audit_ok=check.ok,
                         audit_problem=check.reason, cipher=str(cipher[0]) if cipher else "unknown",
                         generated_at=now, evidence=evidence_summary(store, zone=location.zone, now=now))


Lines = tuple[tuple[str, ...], tuple[str, ...]]  # what is shown, what is missing


def _risk(facts: PracticeFacts, names: dict[Any, str]) -> Lines:
    ev, today = facts.evidence, facts.evidence.today
    a = ev.assessment
    if a is None:
        return (), ("No risk assessment is recorded in the app. Do one under Compliance → Evidence records → Risk assessment (each "
                    "workstation, the server and the other systems that touch client information: threats, "
                    "likelihood, impact, controls, owner, due date), and review it every year.",)
    high = [i for i in a.items if i.risk_level is Level.HIGH]
    shown = [f"Risk assessment dated {day_words(a.assessed_on)} by {names.get(a.assessed_by, 'a manager')}: "
             f"{len(a.items)} assets assessed, {len(high)} at high risk; {ev.assessments} assessments on record."]
    for item in sorted(a.items, key=lambda i: -LEVEL_RANK[i.risk_level])[:40]:  # the highest risks first
        due = f", due {day_words(item.due_on)}" if item.due_on else ""
        shown.append(f"{item.asset} ({item.asset_kind.value}): risk {item.risk_level.value} (likelihood "
                     f"{item.likelihood.value}, impact {item.impact.value}); threats: {item.threats}; controls: "
                     f"{item.controls or 'none listed'}; treatment: {item.treatment or 'none listed'}"
                     f"{f'; owner {item.owner}' if item.owner else ''}{due}; residual risk "
                     f"{item.residual.value if item.residual else 'not rated'}.")
    missing = []
    if a.review_by < today:
        missing.append(f"The yearly review was due on {day_words(a.review_by)}. Review the assessment and save it "
                       "again.")
    else:
        shown.append(f"Next yearly review due {day_words(a.review_by)}.")
    return tuple(shown), tuple(missing)


def _drills(facts: PracticeFacts) -> Lines:
    ev, zone = facts.evidence, facts.location.zone
    last = ev.last_drill
    if last is None:
        return (), ("No restore drill is recorded. Have the server's operator run “medspa-api restore-check” on "
                    "the latest backup every quarter; the app records each run.",)
    when = day_words(local_day(last.checked_at, zone))
    shown = (f"Last restore drill {when}: {'the restored copy verified' if last.ok else 'FAILED'}. "
             f"{len(ev.drills)} drills on record. {last.report}",)
    missing: list[str] = []
    if not last.ok:
        missing.append("The last restore drill failed. Have the operator investigate and run it again.")
    if (ev.today - local_day(last.checked_at, zone)).days > RESTORE_DRILL_DAYS:
        missing.append(f"The last restore drill is more than {RESTORE_DRILL_DAYS} days old. Run one every quarter.")
    return shown, tuple(missing)


def _signed(facts: PracticeFacts, kinds: tuple[PolicyKind, ...]) -> Lines:
    ev, zone = facts.evidence, facts.location.zone
    shown: list[str] = []
    missing: list[str] = []
    for kind in kinds:
        policy = POLICIES[kind]
        rows = [s for s in ev.signings if s.policy.kind is kind]
        done = [s for s in rows if in_force(s.signed, policy, ev.today, zone)]
        shown.append(f"{policy.title}, version {policy.version}: signed in the app by {len(done)} of {len(rows)} "
                     "active staff"
                     + (": " + "; ".join(f"{s.user.display_name or s.user.username} on "
                                         f"{format_moment(s.signed.acknowledged_at, zone)}"
                                         for s in done if s.signed) if done else "") + ".")
        waiting = [s.user.display_name or s.user.username for s in rows if s not in done]
        if waiting:
            missing.append(f"Not signed ({policy.title}, version {policy.version}): {', '.join(waiting)}. Each "
                           "person signs it under Compliance → Sign policies.")
    return tuple(shown), tuple(missing)


FINDING_WORDS = {BreachFinding.NOT_ASSESSED: "breach assessment not done yet",
                 BreachFinding.NOT_A_BREACH: "assessed: not a breach", BreachFinding.BREACH: "assessed: a breach"}


def _incidents(facts: PracticeFacts) -> Lines:
    ev, zone = facts.evidence, facts.location.zone
    shown = ["The procedure: staff tell the manager at once (it is in the security awareness training each "
             "person signs); the manager logs the incident under Compliance → Evidence records → Incidents, assesses whether it is a "
             "breach, and the app counts down the 60 days to notify from its discovery.",
             f"Incident log: {len(ev.incidents)} incidents recorded." if ev.incidents else
             "Incident log: kept in the app; no incidents recorded."]
    missing: list[str] = []
    for i in ev.incidents[:40]:
        found = day_words(local_day(i.discovered_at, zone))
        notice = (f"notified {day_words(i.notified_on)}" if i.notified_on else
                  f"notification {days_left(local_day(i.notify_by, zone), ev.today)}" if needs_notice(i) else
                  "no notification needed")
        shown.append(f"Discovered {found}, reported by {i.reported_by}: {i.what} Client information involved: "
                     f"{'yes' if i.phi_involved else 'no'}; {FINDING_WORDS[i.finding]}; {notice}"
                     f"{'; closed' if i.closed else ''}.")
        if needs_notice(i) and local_day(i.notify_by, zone) < ev.today:
            missing.append(f"The incident discovered {found} passed its 60-day notification deadline without a "
                           "notice or a finding that it is not a breach.")
    return tuple(shown), tuple(missing)


def _associates(facts: PracticeFacts) -> Lines:
    ev = facts.evidence
    current = [b for b in ev.associates if not b.ended]
    if not current:
        return (), ("No business associates are recorded in the app. List every vendor that handles client "
                    "information (this software's host, SMS, email, storage, payments) with its signed BAA "
                    "under Compliance → Evidence records → Business associates.",)
    shown, missing = [], []
    for b in current:
        signed = f"BAA signed {day_words(b.baa_signed_on)}" if b.baa_signed_on else "no signed BAA"
        ends = f", expires {day_words(b.baa_expires_on)}" if b.baa_expires_on else ""
        shown.append(f"{b.vendor} ({b.service}): {signed}{ends}.")
        if b.baa_signed_on is None:
            missing.append(f"{b.vendor} has no signed business associate agreement.")
        elif b.baa_expires_on is not None and b.baa_expires_on < ev.today:
            missing.append(f"The agreement with {b.vendor} expired on {day_words(b.baa_expires_on)}.")
    return tuple(shown), tuple(missing)


def line_items(facts: PracticeFacts) -> list[Evidence]:
    zone = facts.location.zone
    names = {u.id: u.display_name or u.username for u in facts.users}
    risk, drills = _risk(facts, names), _drills(facts)
    training = _signed(facts, (PolicyKind.TRAINING, PolicyKind.SECURITY_POLICY))
    sanctions = _signed(facts, (PolicyKind.SANCTION_POLICY,))
    incidents, associates = _incidents(facts), _associates(facts)
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
        Evidence(1, "A documented risk assessment", "45 CFR 164.308(a)(1)(ii)(A)", *risk),
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
            "“medspa-api restore-check” (counts every table, walks every audit chain); each run is recorded "
            "here.", *drills[0]), drills[1]),
        Evidence(6, "Workforce training", "45 CFR 164.308(a)(5)(i)", *training),
        Evidence(7, "A sanction policy", "45 CFR 164.308(a)(1)(ii)(C)", *sanctions),
        Evidence(8, "Incident response procedures", "45 CFR 164.308(a)(6)", *incidents),
        Evidence(9, "A business associate agreement with every vendor", "45 CFR 164.502(e)", *associates),
        Evidence(10, "Physical safeguards", "45 CFR 164.310", (
            f"Workstations lock after {facts.location.idle_lock_minutes} minutes without input (the practice's "
            "policy), at once with Ctrl+L, when the screen locks and when the computer sleeps; locking "
            "closes the data file and wipes its key from memory.",
            "A lost or retired workstation is revoked on the server and wipes itself at its next contact.")),
    ]


def _table(rows: list[tuple[Flowable, bool]]) -> Table:
    """One column of lines; a missing one on a red background. A long table splits across pages."""
    table = Table([[cell] for cell, _missing in rows], colWidths=[470])
    style = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 8)]
    style += [("BACKGROUND", (0, n), (-1, n), "#fdecea") for n, (_cell, missing) in enumerate(rows) if missing]
    table.setStyle(TableStyle(style))
    return table


def _item(evidence: Evidence) -> list[Flowable]:
    """The heading kept with the item's first lines; the rest (a long risk assessment) flows on."""
    s = styles()
    rows = [(Paragraph(text(line), s.cell), False) for line in evidence.shown]
    rows += [(Paragraph(f"<b>{MISSING}:</b> {text(line)}", s.cell), True) for line in evidence.missing]
    rows = rows or [(Paragraph(MISSING, s.cell), True)]
    status = "evidence shown" if not evidence.missing else ("partly missing" if evidence.shown else MISSING.lower())
    first = KeepTogether([Paragraph(text(f"{evidence.number}. {evidence.title} — {status}"), s.heading),
                          Paragraph(text(evidence.rule), s.small), _table(rows[:3])])
    return [first, *([_table(rows[3:])] if rows[3:] else []), spacer(6)]


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
                       f"{len(missing)} need{'s' if len(missing) == 1 else ''} the practice's own records "
                       f"(marked {MISSING})."), s.body),
        spacer(6), *[part for e in items for part in _item(e)],
    ]
    return render(story, header=facts.location.name, title="HIPAA Security Rule binder",
                  footer="Compliance binder")
