"""What the practice's compliance evidence says today: the latest risk assessment and when it is due
for review, business associates and their agreements, who has signed which policy, open incidents and
their 60-day notification clock, open right-of-access requests and their 30-day deadline, and the
server's restore drills; with the reminders a manager acts on, in plain words.

Pure reading (no permission, no audit): the use cases in ``medspa_desk/desk/evidence.py`` and the
binder call :func:`evidence_summary` after checking and auditing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from medspa_desk.compliance.policies import POLICIES, Policy
from medspa_desk.records import (
    RESTORE_DRILL_DAYS,
    AccessRequest,
    BreachFinding,
    BusinessAssociate,
    Incident,
    PolicyAcknowledgment,
    RestoreDrill,
    RiskAssessment,
    User,
)
from medspa_desk.scheduling import local_day

if TYPE_CHECKING:  # annotations only
    from medspa_desk.store import Store

SOON_DAYS = 30  # a review or an agreement's expiry this close is a reminder


@dataclass(frozen=True)
class Signing:
    """One active person and one policy: the acknowledgment in force, or None."""

    user: User
    policy: Policy
    signed: PolicyAcknowledgment | None


@dataclass(frozen=True)
class EvidenceSummary:
    today: date
    assessment: RiskAssessment | None
    assessments: int
    associates: tuple[BusinessAssociate, ...]
    signings: tuple[Signing, ...]
    incidents: tuple[Incident, ...]
    access_requests: tuple[AccessRequest, ...]
    drills: tuple[RestoreDrill, ...]  # newest first
    reminders: tuple[str, ...]

    @property
    def last_drill(self) -> RestoreDrill | None:
        return self.drills[0] if self.drills else None


def day_words(day: date) -> str:
    return f"{day:%B} {day.day}, {day:%Y}"


def days_left(deadline: date, today: date) -> str:
    left = (deadline - today).days
    if left < 0:
        return f"{-left} days overdue (due {day_words(deadline)})"
    return "due today" if left == 0 else f"{left} days left (due {day_words(deadline)})"


def in_force(signed: PolicyAcknowledgment | None, policy: Policy, today: date, zone: Any) -> bool:
    return (
        signed is not None
        and signed.policy_version == policy.version
        and local_day(signed.acknowledged_at, zone) + timedelta(days=policy.every_days) > today
    )


def needs_notice(incident: Incident) -> bool:
    """An open incident involving client information not found to be no breach, not yet notified."""
    return (
        incident.phi_involved
        and not incident.closed
        and incident.notified_on is None
        and incident.finding is not BreachFinding.NOT_A_BREACH
    )


def evidence_summary(store: Store, *, zone: Any, now: datetime) -> EvidenceSummary:
    today = local_day(now, zone)
    assessments = sorted(
        store.evidence(RiskAssessment), key=lambda a: (a.assessed_on, a.updated_at)
    )
    latest = assessments[-1] if assessments else None
    associates = tuple(
        sorted(store.evidence(BusinessAssociate), key=lambda b: (b.ended, b.vendor.casefold()))
    )
    acks = store.evidence(PolicyAcknowledgment)
    newest: dict[tuple[Any, Any], PolicyAcknowledgment] = {}
    for ack in sorted(acks, key=lambda a: a.acknowledged_at):
        newest[(ack.user_id, ack.kind)] = ack
    people = [u for u in store.users() if u.active]
    signings = tuple(
        Signing(user=u, policy=p, signed=newest.get((u.id, p.kind)))
        for u in people
        for p in POLICIES.values()
    )
    incidents = tuple(sorted(store.evidence(Incident), key=lambda i: i.discovered_at, reverse=True))
    requests = tuple(
        sorted(
            store.evidence(AccessRequest),
            key=lambda r: (r.delivered_at is not None, r.requested_on),
        )
    )
    drills = tuple(sorted(store.evidence(RestoreDrill), key=lambda d: d.checked_at, reverse=True))
    reminders: list[str] = []
    if latest is None:
        reminders.append(
            "No risk assessment is recorded. Do one under Compliance → Evidence records → Risk assessment."
        )
    elif latest.review_by <= today + timedelta(days=SOON_DAYS):
        reminders.append(
            f"The risk assessment of {day_words(latest.assessed_on)} is due for its yearly review: "
            f"{days_left(latest.review_by, today)}. Review it and save it again."
        )
    for ba in associates:
        if ba.ended:
            continue
        if ba.baa_signed_on is None:
            reminders.append(
                f"{ba.vendor} has no signed business associate agreement on record; get one "
                "signed, or stop sending it client information."
            )
        elif ba.baa_expires_on is not None and ba.baa_expires_on <= today + timedelta(
            days=SOON_DAYS
        ):
            reminders.append(
                f"The agreement with {ba.vendor} expires: {days_left(ba.baa_expires_on, today)}. "
                "Renew it."
            )
    for incident in incidents:
        if needs_notice(incident):
            clock = days_left(local_day(incident.notify_by, zone), today)
            reminders.append(
                f"Incident discovered {day_words(local_day(incident.discovered_at, zone))}: "
                f"notification {clock}. Finish its breach assessment, or notify."
            )
    for request in requests:
        if request.delivered_at is None:
            reminders.append(
                f"A client's request for their record of {day_words(request.requested_on)}: "
                f"{days_left(request.due_on, today)}. Export the record from the client's profile."
            )
    if not drills:
        reminders.append(
            "No restore drill is recorded. Ask the server's operator to run "
            "“medspa-api restore-check” on the latest backup."
        )
    else:
        last = drills[0]
        if not last.ok:
            reminders.append(
                f"The last restore drill ({day_words(local_day(last.checked_at, zone))}) FAILED. "
                "Ask the server's operator to investigate and run it again."
            )
        if local_day(last.checked_at, zone) + timedelta(days=RESTORE_DRILL_DAYS) < today:
            reminders.append(
                f"The last restore drill was on {day_words(local_day(last.checked_at, zone))}, "
                f"more than {RESTORE_DRILL_DAYS} days ago. Ask the server's operator to run "
                "“medspa-api restore-check”."
            )
    unsigned = [s for s in signings if not in_force(s.signed, s.policy, today, zone)]
    for policy in POLICIES.values():
        names = [s.user.display_name or s.user.username for s in unsigned if s.policy is policy]
        if names:
            reminders.append(
                f"Not yet signed ({policy.title}, version {policy.version}): {', '.join(names)}. "
                "Each person signs it under Compliance → Sign policies."
            )
    return EvidenceSummary(
        today=today,
        assessment=latest,
        assessments=len(assessments),
        associates=associates,
        signings=signings,
        incidents=incidents,
        access_requests=requests,
        drills=drills,
        reminders=tuple(reminders),
    )
