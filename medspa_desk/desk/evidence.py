"""The practice's compliance evidence, as the Compliance menu and the client profile use it.

- ``record_disclosure``: a disclosure outside treatment, payment and operations (append-only);
  ``client_disclosures`` lists the client's last six years (their accounting, 45 CFR 164.528).
- ``record_access_request`` / ``access_delivered``: a client's request for their record, its
  30-day deadline, and its delivery (``export_client_record`` marks it delivered).
- ``save_risk_assessment`` (with ``risk_assets``: the workstations, the server and the systems
  the manager added before), ``save_business_associate``, ``save_incident``.
- ``acknowledge_policy``: each person signs the training and the policies themself.
- ``view_evidence``: everything above and the server's restore drills, with the reminders.

Each takes the acting person, checks the clinic's table, audits what it does (a refusal too),
saves the record and queues it for the server in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from pydantic import BaseModel, ValidationError

from medspa_desk.compliance.audit_trail import SIX_YEARS
from medspa_desk.compliance.evidence import EvidenceSummary, evidence_summary
from medspa_desk.compliance.policies import POLICIES
from medspa_desk.desk.errors import DeskRefusal
from medspa_desk.protocol import MutationKind
from medspa_desk.records import (
    AccessRequest,
    AssetKind,
    AuditAction,
    BusinessAssociate,
    Disclosure,
    Incident,
    Location,
    PolicyAcknowledgment,
    PolicyKind,
    RiskAssessment,
    RiskItem,
    utc_now,
)
from medspa_desk.rules import UseCase
from medspa_desk.scheduling import local_day
from medspa_desk.store import Store
from medspa_desk.store.actor import Actor

EVIDENCE_ENTITY = "compliance_evidence"
SERVER_ASSET = "Central server (Medspa Desk API and its backups)"
FIELD_WORDS = {
    "recipient": "Recipient",
    "recipient_address": "Recipient's address",
    "what": "What was disclosed",
    "purpose": "Purpose",
    "vendor": "Vendor",
    "service": "Service",
    "items": "Assets",
    "asset": "Asset",
    "threats": "Threats",
    "typed_name": "Your name",
    "reported_by": "Who noticed it",
    "baa_expires_on": "Agreement expires",
    "baa_signed_on": "BAA signed",
    "likelihood": "Likelihood",
    "impact": "Impact",
    "residual": "Residual risk",
    "due_on": "Due",
    "asset_kind": "Kind",
    "how": "How it was delivered",
}
M = TypeVar("M", bound=BaseModel)


class EvidenceRefused(DeskRefusal):
    """A compliance record that cannot be kept as given; the message says what to fix."""


def _refuse(
    store: Store, actor: Actor, *, entity: str, entity_id: UUID | None, code: str, message: str
) -> None:
    store.note(
        actor,
        AuditAction.UPDATE,
        entity=entity,
        entity_id=entity_id,
        detail=code[:500],
        outcome="refused",
    )
    raise EvidenceRefused(message)


def _build(
    store: Store, actor: Actor, cls: type[M], *, entity_id: UUID | None = None, **fields: Any
) -> M:
    """The record, or an audited refusal naming the field at fault (never its value) and what to do."""
    try:
        return cls(**fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(part) for part in first.get("loc", ()) if not isinstance(part, int)]
        field = loc[-1] if loc else ""
        words = FIELD_WORDS.get(field, field.replace("_", " ").capitalize() or "A field")
        kind = first.get("type", "")
        if kind in ("string_too_short", "missing", "too_short"):
            say = f"{words} is empty; fill it in and save again."
        elif kind in ("string_too_long", "too_long"):
            most = (first.get("ctx") or {}).get("max_length")
            say = f"{words} is too long{f' (at most {most:,} characters)' if most else ''}; shorten it and save again."
        else:
            say = f"{words}: {str(first.get('msg', 'not valid')).removeprefix('Value error, ')}; correct it and save again."
        _refuse(
            store,
            actor,
            entity=getattr(cls, "entity", ""),
            entity_id=entity_id,
            code=f"invalid:{field}",
            message=say,
        )
        raise AssertionError("unreachable") from None


def _save(
    store: Store,
    actor: Actor,
    cls: type[M],
    *,
    record_id: UUID | None,
    detail: str = "",
    **fields: Any,
) -> M:
    """A manager's record (new, or ``record_id`` saved again) built, queued with ``evidence.save`` and audited."""
    if record_id is not None:
        fields["id"] = record_id
    record = _build(store, actor, cls, entity_id=record_id, **fields)
    store.put_evidence(record, actor=actor, kind=MutationKind.EVIDENCE_SAVE, detail=detail)  # type: ignore[arg-type]
    return record


def _today(location: Location, now: datetime) -> date:
    return local_day(now, location.zone)


def _check_day(
    store: Store,
    actor: Actor,
    *,
    entity: str,
    entity_id: UUID | None,
    day: date,
    today: date,
    what: str,
) -> None:
    if day > today:
        _refuse(
            store,
            actor,
            entity=entity,
            entity_id=entity_id,
            code="date_in_future",
            message=f"The {what} date is in the future; choose today or an earlier day.",
        )
    if day < today - SIX_YEARS:
        _refuse(
            store,
            actor,
            entity=entity,
            entity_id=entity_id,
            code="date_too_old",
            message=f"The {what} date is more than six years ago, past what the practice must keep; "
            "check the year.",
        )


def _require_client(store: Store, actor: Actor, entity: str, client_id: UUID) -> None:
    if not store.select("SELECT 1 FROM clients WHERE id = ? AND deleted = 0", (str(client_id),)):
        _refuse(
            store,
            actor,
            entity=entity,
            entity_id=client_id,
            code="no_client",
            message="This client is not on this workstation; sync and open their profile again.",
        )


# --- disclosures -----------------------------------------------------------------------------


def record_disclosure(
    store: Store,
    *,
    actor: Actor,
    location: Location,
    client_id: UUID,
    disclosed_on: date,
    recipient: str,
    recipient_address: str,
    what: str,
    purpose: str,
    now: datetime | None = None,
) -> Disclosure:
    """Record a disclosure of the client's information outside treatment, payment and operations."""
    store.permit(actor, UseCase.RECORD_DISCLOSURE, entity=Disclosure.entity, entity_id=client_id)
    at = now or utc_now()
    _require_client(store, actor, Disclosure.entity, client_id)
    _check_day(
        store,
        actor,
        entity=Disclosure.entity,
        entity_id=client_id,
        day=disclosed_on,
        today=_today(location, at),
        what="disclosure",
    )
    disclosure = _build(
        store,
        actor,
        Disclosure,
        entity_id=client_id,
        client_id=client_id,
        disclosed_on=disclosed_on,
        recipient=recipient,
        recipient_address=recipient_address,
        what=what,
        purpose=purpose,
        recorded_by=actor.user_id,
        recorded_at=at,
    )
    store.put_evidence(disclosure, actor=actor, kind=MutationKind.DISCLOSURE_RECORD)
    return disclosure


def disclosures_in(
    store: Store, *, client_id: UUID, since: datetime, until: datetime, location: Location
) -> tuple[Disclosure, ...]:
    """The client's disclosures in a period (the access report's accounting; it audits the view)."""
    zone = location.zone
    return tuple(
        store.disclosures_between(
            client_id, local_day(since, zone), local_day(until - timedelta(microseconds=1), zone)
        )
    )


def client_disclosures(
    store: Store, *, actor: Actor, location: Location, client_id: UUID, now: datetime | None = None
) -> tuple[Disclosure, ...]:
    """The client's accounting of disclosures: the last six years, oldest first; the view is audited."""
    store.permit(actor, UseCase.RECORD_DISCLOSURE, entity=Disclosure.entity, entity_id=client_id)
    at = now or utc_now()
    found = disclosures_in(
        store,
        client_id=client_id,
        since=at - SIX_YEARS,
        until=at + timedelta(days=1),
        location=location,
    )
    store.note(
        actor,
        AuditAction.VIEW,
        entity=Disclosure.entity,
        entity_id=client_id,
        detail=f"disclosures={len(found)}",
    )
    return found


# --- right of access -------------------------------------------------------------------------


def record_access_request(
    store: Store,
    *,
    actor: Actor,
    location: Location,
    client_id: UUID,
    requested_on: date,
    now: datetime | None = None,
) -> AccessRequest:
    """A client asked for their record on ``requested_on``: due 30 days later (45 CFR 164.524(b)(2))."""
    store.permit(
        actor, UseCase.TRACK_ACCESS_REQUEST, entity=AccessRequest.entity, entity_id=client_id
    )
    _require_client(store, actor, AccessRequest.entity, client_id)
    _check_day(
        store,
        actor,
        entity=AccessRequest.entity,
        entity_id=client_id,
        day=requested_on,
        today=_today(location, now or utc_now()),
        what="request",
    )
    request = _build(
        store,
        actor,
        AccessRequest,
        entity_id=client_id,
        client_id=client_id,
        requested_on=requested_on,
        recorded_by=actor.user_id,
    )
    store.put_evidence(request, actor=actor, kind=MutationKind.EVIDENCE_SAVE)
    return request


def open_access_request(store: Store, client_id: UUID) -> AccessRequest | None:
    """The client's oldest request not yet delivered (ids only: not a view of the record)."""
    waiting = [r for r in store.client_evidence(AccessRequest, client_id) if r.delivered_at is None]
    return min(waiting, key=lambda r: r.requested_on) if waiting else None


def access_delivered(
    store: Store, *, actor: Actor, request: AccessRequest, how: str, now: datetime | None = None
) -> AccessRequest:
    """Mark the request delivered (``export_client_record`` calls it after writing both copies); audited."""
    store.permit(
        actor,
        UseCase.TRACK_ACCESS_REQUEST,
        entity=AccessRequest.entity,
        entity_id=request.client_id,
    )
    done = _build(
        store,
        actor,
        AccessRequest,
        entity_id=request.client_id,
        **{
            **request.model_dump(),
            "delivered_at": now or utc_now(),
            "delivered_by": actor.user_id,
            "how": how,
        },
    )
    store.put_evidence(done, actor=actor, kind=MutationKind.EVIDENCE_SAVE, detail="delivered")
    return done


# --- the manager's records -------------------------------------------------------------------


def risk_assets(store: Store, *, workstations: Sequence[str]) -> tuple[tuple[str, AssetKind], ...]:
    """The assets a new assessment starts from: every workstation on the practice's list, the server,
    and the other systems the manager added to the last assessment."""
    assets: dict[str, AssetKind] = {
        name: AssetKind.WORKSTATION for name in workstations if name.strip()
    }
    assets.setdefault(SERVER_ASSET, AssetKind.SERVER)
    earlier = sorted(store.evidence(RiskAssessment), key=lambda a: a.assessed_on)
    for item in earlier[-1].items if earlier else ():
        if item.asset_kind is AssetKind.OTHER:
            assets.setdefault(item.asset, AssetKind.OTHER)
    return tuple(assets.items())


def save_risk_assessment(
    store: Store,
    *,
    actor: Actor,
    location: Location,
    assessed_on: date,
    items: Sequence[RiskItem | dict[str, Any]],
    assessment_id: UUID | None = None,
    now: datetime | None = None,
) -> RiskAssessment:
    """Save the practice's risk assessment (a new one, or ``assessment_id`` again); due for review a year on."""
    store.permit(
        actor,
        UseCase.KEEP_COMPLIANCE_RECORDS,
        entity=RiskAssessment.entity,
        entity_id=assessment_id,
    )
    _check_day(
        store,
        actor,
        entity=RiskAssessment.entity,
        entity_id=assessment_id,
        day=assessed_on,
        today=_today(location, now or utc_now()),
        what="assessment",
    )
    return _save(
        store,
        actor,
        RiskAssessment,
        record_id=assessment_id,
        detail=f"items={len(items)}",
        assessed_on=assessed_on,
        assessed_by=actor.user_id,
        items=tuple(items),
    )


def save_business_associate(
    store: Store,
    *,
    actor: Actor,
    vendor: str,
    service: str,
    baa_signed_on: date | None = None,
    baa_expires_on: date | None = None,
    ended: bool = False,
    associate_id: UUID | None = None,
) -> BusinessAssociate:
    store.permit(
        actor,
        UseCase.KEEP_COMPLIANCE_RECORDS,
        entity=BusinessAssociate.entity,
        entity_id=associate_id,
    )
    return _save(
        store,
        actor,
        BusinessAssociate,
        record_id=associate_id,
        vendor=vendor,
        service=service,
        baa_signed_on=baa_signed_on,
        baa_expires_on=baa_expires_on,
        ended=ended,
    )


def save_incident(
    store: Store,
    *,
    actor: Actor,
    location: Location,
    incident: Incident | None = None,
    now: datetime | None = None,
    **fields: Any,
) -> Incident:
    """Log a new incident (``fields``) or change one (``incident`` with ``fields`` changed)."""
    entity_id = incident.id if incident else None
    store.permit(
        actor, UseCase.KEEP_COMPLIANCE_RECORDS, entity=Incident.entity, entity_id=entity_id
    )
    at = now or utc_now()
    base = incident.model_dump() if incident else {"recorded_by": actor.user_id}
    record = _build(store, actor, Incident, entity_id=entity_id, **{**base, **fields})
    if record.discovered_at > at + timedelta(minutes=5):
        _refuse(
            store,
            actor,
            entity=Incident.entity,
            entity_id=entity_id,
            code="date_in_future",
            message="The incident's discovery time is in the future; give when it was discovered.",
        )
    store.put_evidence(
        record, actor=actor, kind=MutationKind.EVIDENCE_SAVE, detail=record.finding.value
    )
    return record


# --- each person's acknowledgments -----------------------------------------------------------


def _plain(name: str) -> str:
    return " ".join(name.split()).casefold()


def acknowledge_policy(
    store: Store, *, actor: Actor, kind: PolicyKind, typed_name: str, now: datetime | None = None
) -> PolicyAcknowledgment:
    """The signed-in person signs the current version of a policy or the training, by typing their name."""
    store.permit(actor, UseCase.ACKNOWLEDGE_POLICY, entity=PolicyAcknowledgment.entity)
    policy = POLICIES[PolicyKind(kind)]
    me = next((u for u in store.users() if u.id == actor.user_id), None)
    if me is None:
        _refuse(
            store,
            actor,
            entity=PolicyAcknowledgment.entity,
            entity_id=None,
            code="unknown_user",
            message="Your account is not on this workstation yet; sync and try again.",
        )
        raise AssertionError("unreachable")
    names = {_plain(me.display_name), _plain(me.username)} - {""}
    if _plain(typed_name) not in names:
        _refuse(
            store,
            actor,
            entity=PolicyAcknowledgment.entity,
            entity_id=None,
            code="name_mismatch",
            message=f"Type your own name as it is on your account ({me.display_name or me.username}) to sign.",
        )
    ack = _build(
        store,
        actor,
        PolicyAcknowledgment,
        user_id=actor.user_id,
        kind=kind,
        policy_version=policy.version,
        text_sha256=policy.sha256,
        acknowledged_at=now or utc_now(),
        typed_name=typed_name,
    )
    store.put_evidence(
        ack,
        actor=actor,
        kind=MutationKind.POLICY_ACKNOWLEDGE,
        detail=f"{policy.kind.value};{policy.version}",
    )
    return ack


def view_evidence(
    store: Store, *, actor: Actor, location: Location, now: datetime | None = None
) -> EvidenceSummary:
    """The practice's evidence and what needs doing; the view is audited."""
    store.permit(actor, UseCase.READ_COMPLIANCE_RECORDS, entity=EVIDENCE_ENTITY)
    summary = evidence_summary(store, zone=location.zone, now=now or utc_now())
    store.note(
        actor,
        AuditAction.VIEW,
        entity=EVIDENCE_ENTITY,
        detail=f"reminders={len(summary.reminders)}",
    )
    return summary
