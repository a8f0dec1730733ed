"""Check-in gating: what a client still needs before going into a room today.

``check_in_requirements`` looks at today's services, the client's intake
forms and signed consents, and lists what is missing, expired or flagged by
the contraindication rules, each with words the front desk can read out.
A provider can let the client through anyway by giving a reason
(``override``); the caller writes the audit event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from uuid import UUID
from zoneinfo import ZoneInfo

from medspa_desk.documents.consents import shipped_templates
from medspa_desk.documents.rules import Finding, RuleBook, evaluate
from medspa_desk.documents.validity import (
    consent_expires_on,
    intake_expires_on,
    intake_is_current,
    latest_consent,
)
from medspa_desk.records import (
    Client,
    ConsentTemplate,
    IntakeForm,
    Service,
    SignedConsent,
    User,
)
from medspa_desk.rules import UseCase, may

MAX_OVERRIDE_REASON = 500


class ItemKind(StrEnum):
    INTAKE_MISSING = "intake_missing"
    INTAKE_EXPIRED = "intake_expired"
    INTAKE_CHANGED = "intake_changed"  # the client says their health changed
    CONSENT_MISSING = "consent_missing"
    CONSENT_EXPIRED = "consent_expired"
    TAMPERED = "tampered"
    FINDING = "finding"


@dataclass(frozen=True)
class CheckInItem:
    kind: ItemKind
    message: str
    blocks: bool
    service_names: tuple[str, ...] = ()
    consent_key: str = ""
    finding: Finding | None = None
    record_id: UUID | None = None  # the tampered form, for the audit trail


@dataclass(frozen=True)
class Override:
    by_user_id: UUID
    by_name: str
    reason: str


@dataclass(frozen=True)
class CheckInStatus:
    client_id: UUID
    day: date
    items: tuple[CheckInItem, ...]
    override: Override | None = None

    @property
    def blocking_items(self) -> tuple[CheckInItem, ...]:
        return tuple(i for i in self.items if i.blocks)

    @property
    def blocked(self) -> bool:
        """True while something stops check-in and no provider has overridden it."""
        return bool(self.blocking_items) and self.override is None

    @property
    def needs_intake(self) -> bool:
        return any(i.kind in (ItemKind.INTAKE_MISSING, ItemKind.INTAKE_EXPIRED, ItemKind.INTAKE_CHANGED)
                   for i in self.items)

    @property
    def missing_consents(self) -> tuple[str, ...]:
        return tuple(i.consent_key for i in self.items
                     if i.kind in (ItemKind.CONSENT_MISSING, ItemKind.CONSENT_EXPIRED))


class OverrideRefused(ValueError):
    """An override that cannot be accepted; the message says who may override and how."""


def check_in_requirements(*, client: Client, services: Sequence[Service], intakes: Iterable[IntakeForm],
                          consents: Iterable[SignedConsent], today: date, zone: ZoneInfo,
                          intake_months_valid: int, client_reported_change: bool = False,
                          templates: Mapping[str, ConsentTemplate] | None = None,
                          rules: RuleBook | None = None) -> CheckInStatus:
    """What stops or flags this client's check-in for today's ``services``."""
    intakes = [f for f in intakes if f.client_id == client.id]
    consents = [c for c in consents if c.client_id == client.id]
    forms: list[IntakeForm | SignedConsent] = [*intakes, *consents]
    titles = templates if templates is not None else shipped_templates()
    items = [CheckInItem(kind=ItemKind.TAMPERED, blocks=False, record_id=form.id,
                         message=f"A stored {_kind_of(form)} has been altered since it was signed and is "
                                 "being ignored. Tell the practice manager.")
             for form in forms if not form.is_intact]

    needs_intake = [s for s in services if s.requires_intake]
    if needs_intake:
        current, intake_items = _intake_items(intakes, today=today, zone=zone, months=intake_months_valid,
                                              changed=client_reported_change,
                                              names=tuple(s.name for s in needs_intake))
        items += intake_items
        if current is not None:
            items += _finding_items(current, needs_intake, rules=rules, today=today)
    items += _consent_items(services, consents, today=today, zone=zone, titles=titles)
    return CheckInStatus(client_id=client.id, day=today, items=tuple(items))


def _kind_of(form: IntakeForm | SignedConsent) -> str:
    return "intake form" if isinstance(form, IntakeForm) else "signed consent"


def _intake_items(intakes: list[IntakeForm], *, today: date, zone: ZoneInfo, months: int, changed: bool,
                  names: tuple[str, ...]) -> tuple[IntakeForm | None, list[CheckInItem]]:
    latest = max((f for f in intakes if f.is_intact), key=lambda f: f.submitted_at, default=None)
    if latest is None:
        return None, [CheckInItem(kind=ItemKind.INTAKE_MISSING, blocks=True, service_names=names,
                                  message="No health questionnaire on file. Ask the client to fill one in.")]
    if changed:
        return None, [CheckInItem(kind=ItemKind.INTAKE_CHANGED, blocks=True, service_names=names,
                                  message="The client says their health or medicines have changed. "
                                          "Ask them to fill in a new health questionnaire.")]
    if not intake_is_current(latest, today=today, months_valid=months, client_reported_change=False, zone=zone):
        expired = intake_expires_on(latest, months_valid=months, zone=zone)
        return None, [CheckInItem(kind=ItemKind.INTAKE_EXPIRED, blocks=True, service_names=names,
                                  message=f"The health questionnaire expired on {expired:%B %-d, %Y}. "
                                          "Ask the client to fill in a new one.")]
    return latest, []


def _finding_items(intake: IntakeForm, services: list[Service], *, rules: RuleBook | None,
                   today: date) -> list[CheckInItem]:
    by_rule: dict[str, tuple[Finding, list[str]]] = {}
    for service in services:
        for finding in evaluate(intake, service.category, rules=rules, on=today):
            by_rule.setdefault(finding.rule_id, (finding, []))[1].append(service.name)
    return [CheckInItem(kind=ItemKind.FINDING, blocks=finding.outcome.stops_check_in,
                        service_names=tuple(names), finding=finding,
                        message=f"{', '.join(names)}: {finding.reason}")
            for finding, names in by_rule.values()]


def _consent_items(services: Sequence[Service], consents: list[SignedConsent], *, today: date,
                   zone: ZoneInfo, titles: Mapping[str, ConsentTemplate]) -> list[CheckInItem]:
    # A consent two services need is asked for once, under the stricter validity.
    needed: dict[str, tuple[int, list[str]]] = {}
    for service in services:
        for requirement in service.consents:
            days, names = needed.setdefault(requirement.template_key, (requirement.valid_days, []))
            names.append(service.name)
            needed[requirement.template_key] = (min(days, requirement.valid_days), names)
    items = []
    for key, (valid_days, names) in needed.items():
        title = titles[key].title if key in titles else key.replace("_", " ")
        latest = latest_consent(consents, key)
        if latest is None:
            items.append(CheckInItem(kind=ItemKind.CONSENT_MISSING, blocks=True, consent_key=key,
                                     service_names=tuple(names),
                                     message=f"Not signed yet: {title}. Hand the client the form to sign."))
            continue
        expired = consent_expires_on(latest, valid_days=valid_days, zone=zone)
        if today >= expired:
            items.append(CheckInItem(kind=ItemKind.CONSENT_EXPIRED, blocks=True, consent_key=key,
                                     service_names=tuple(names),
                                     message=f"{title}: the signature expired on {expired:%B %-d, %Y}. "
                                             "Ask the client to sign it again."))
    return items


def override(status: CheckInStatus, *, by_provider: User, reason: str) -> CheckInStatus:
    """Let a blocked client check in on a provider's say-so, with the reason kept.

    Only an active user with the provider role may override; the front desk
    and managers cannot. The caller records the audit event (ids and the
    fact of an override, not the reason text, which may hold PHI).
    """
    if not may(by_provider.role, UseCase.OVERRIDE_MISSING_FORM) or not by_provider.active:
        raise OverrideRefused("Only a provider can let a client through with something missing. "
                              "Ask the client's provider to sign in and override.")
    text = " ".join(reason.split())
    if not text:
        raise OverrideRefused("Say why the client may go ahead without it; the reason is kept on record.")
    if len(text) > MAX_OVERRIDE_REASON:
        raise OverrideRefused(f"Keep the reason under {MAX_OVERRIDE_REASON} characters.")
    if not status.blocking_items:
        raise OverrideRefused("Nothing is stopping this check-in, so there is nothing to override.")
    return replace(status, override=Override(by_user_id=by_provider.id, by_name=by_provider.display_name,
                                             reason=text))
