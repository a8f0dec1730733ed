"""Who may do what: the one permission table, checked on every route and push mutation."""

from __future__ import annotations

from enum import StrEnum

from medspa_desk.protocol import MutationKind
from medspa_desk.records import Role

FD, PR, MG, AD = Role.FRONT_DESK, Role.PROVIDER, Role.MANAGER, Role.ADMIN
EVERYONE = frozenset(Role)
CLINICAL_STAFF = frozenset({FD, PR, MG})


class Action(StrEnum):
    SYNC_PULL = "sync.pull"
    SYNC_PUSH = "sync.push"
    DEVICE_ESCROW = "device.escrow"
    DEVICE_REVOKE = "device.revoke"
    AUDIT_READ = "audit.read"
    AUDIT_EXPORT = "audit.export"
    USER_MANAGE = "user.manage"
    USER_LIST = "user.list"


ROUTE_PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.SYNC_PULL: EVERYONE,
    Action.SYNC_PUSH: EVERYONE,
    Action.DEVICE_ESCROW: EVERYONE,
    Action.DEVICE_REVOKE: frozenset({MG, AD}),
    Action.AUDIT_READ: frozenset({MG, AD}),
    Action.AUDIT_EXPORT: frozenset({MG, AD}),
    Action.USER_MANAGE: frozenset({MG, AD}),
    Action.USER_LIST: frozenset({MG, AD}),
}

MUTATION_PERMISSIONS: dict[MutationKind, frozenset[Role]] = {
    MutationKind.CLIENT_CREATE: CLINICAL_STAFF,
    MutationKind.CLIENT_UPDATE: CLINICAL_STAFF,
    MutationKind.APPOINTMENT_BOOK: CLINICAL_STAFF,
    MutationKind.APPOINTMENT_RESCHEDULE: CLINICAL_STAFF,
    MutationKind.APPOINTMENT_CANCEL: CLINICAL_STAFF,
    MutationKind.APPOINTMENT_SET_STATUS: CLINICAL_STAFF,
    MutationKind.INTAKE_SUBMIT: CLINICAL_STAFF,
    MutationKind.CONSENT_SIGN: CLINICAL_STAFF,
    MutationKind.CONSENT_TEMPLATE_PUBLISH: frozenset({MG}),
    # Only providers chart and sign.
    MutationKind.TREATMENT_SAVE: frozenset({PR}),
    MutationKind.TREATMENT_SIGN: frozenset({PR}),
    MutationKind.TREATMENT_ADDENDUM: frozenset({PR}),
    MutationKind.REFERENCE_UPSERT: frozenset({MG, AD}),
}


def may(role: Role, action: Action) -> bool:
    return role in ROUTE_PERMISSIONS[action]


def may_push(role: Role, kind: MutationKind) -> bool:
    return role in MUTATION_PERMISSIONS[kind]
