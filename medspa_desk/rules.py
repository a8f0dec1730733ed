"""The clinic's rules, written once: who may do what, and which visit status may follow which.

The desk's use cases (``medspa_desk/desk/``), the menus a view shows and the
server's route and push checks (``medspa_api/permissions.py``) all read this
module, so the desk and the server cannot disagree.

- ``USE_CASES``: for each thing a person does, the roles that may do it and
  the mutation kinds it sends to the server.
- ``MUTATION_ROLES`` is *derived* from it: a role may push a kind exactly
  when one of its use cases sends that kind. A use case can therefore never
  be allowed on the desk and refused by the server.
- ``SERVER_ACTIONS``: the server's own routes (pull, audit, staff, devices).
- ``VISIT_TRANSITIONS``: which status may follow which; ``MOVABLE`` the
  statuses whose visit may still be moved (a completed visit may not).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from medspa_desk.protocol import MutationKind
from medspa_desk.records import AppointmentStatus, BlockedTime, BlockKind, InvalidTransition, Role

FD, PR, MG, AD = Role.FRONT_DESK, Role.PROVIDER, Role.MANAGER, Role.ADMIN
EVERYONE = frozenset(Role)
CLINICAL_STAFF = frozenset({FD, PR, MG})
PROVIDERS = frozenset({PR})
MANAGERS = frozenset({MG, AD})
CLINICAL_READERS = frozenset({PR, MG, AD})


class NotPermitted(PermissionError):
    """The signed-in role may not do this; the message says who can."""


class UseCase(StrEnum):
    """What a person does at the desk, in the clinic's words."""

    ADD_CLIENT = "add_client"
    IMPORT_CLIENTS = "import_clients"  # the client list from the system the practice leaves
    IMPORT_VISITS = "import_visits"  # and its upcoming appointments
    CHANGE_CLIENT = "change_client"
    BOOK_VISIT = "book_visit"
    RESCHEDULE_VISIT = "reschedule_visit"
    CANCEL_VISIT = "cancel_visit"
    CONFIRM_VISIT = "confirm_visit"
    CHECK_IN = "check_in"
    SEND_TO_ROOM = "send_to_room"
    COMPLETE_VISIT = "complete_visit"
    MARK_NO_SHOW = "mark_no_show"
    PUT_BACK_ON_THE_BOOKS = "put_back_on_the_books"  # a no-show who turns up, an unconfirmed visit
    UNDO_ARRIVAL = "undo_arrival"  # checked in by mistake: back to confirmed
    UNDO_NO_SHOW = "undo_no_show"  # marked a no-show by mistake: back on the books
    SUBMIT_INTAKE = "submit_intake"
    SIGN_CONSENT = "sign_consent"
    OVERRIDE_MISSING_FORM = "override_missing_form"
    PUBLISH_CONSENT_VERSION = "publish_consent_version"
    SAVE_CHART = "save_chart"
    SIGN_CHART = "sign_chart"
    ADD_ADDENDUM = "add_addendum"
    READ_CLINICAL_DETAIL = "read_clinical_detail"
    EXPORT_CLIENT_RECORD = "export_client_record"
    PRINT_OR_SAVE_FORM = "print_or_save_form"
    SET_UP_PRACTICE = "set_up_practice"
    MAKE_COMPLIANCE_BINDER = "make_compliance_binder"
    BLOCK_TIME = "block_time"  # a provider's time off, a room's maintenance
    BLOCK_BREAK = "block_break"  # a provider's break: the front desk may block (or free) one
    MANAGE_STAFF = "manage_staff"  # invite, disable, enable, unlock, reset an authenticator, change a role
    MANAGE_WORKSTATIONS = "manage_workstations"  # see the practice's workstations, rename one, revoke a lost one
    DESTROY_PRACTICE = "destroy_practice"  # the end of a contract: asked by one manager, confirmed by another
    SET_SWITCH_WINDOW = "set_switch_window"  # how long a colleague may switch back in without a new code
    READ_AUDIT_TRAIL = "read_audit_trail"
    EXPORT_AUDIT_TRAIL = "export_audit_trail"
    EXPORT_WHOLE_PRACTICE = "export_whole_practice"  # every client's record and the trail, at a contract's end
    MAKE_ACCESS_REPORT = "make_access_report"
    RECORD_DISCLOSURE = "record_disclosure"  # a disclosure outside treatment, payment and operations
    TRACK_ACCESS_REQUEST = "track_access_request"  # a client's right-of-access request and its delivery
    KEEP_COMPLIANCE_RECORDS = "keep_compliance_records"  # risk assessment, business associates, incidents
    READ_COMPLIANCE_RECORDS = "read_compliance_records"
    ACKNOWLEDGE_POLICY = "acknowledge_policy"  # each person signs the training and policies themself
    RECORD_CONTACT_PREFERENCE = "record_contact_preference"  # a client's yes or no to calls, texts, emails
    LOG_CALL = "log_call"  # a call taken at the desk, from a client or a new caller
    FOLLOW_UP_CALL = "follow_up_call"  # the calls to return, and marking one followed up
    ADD_TO_WAITLIST = "add_to_waitlist"  # a client wants a service in a window of days and times
    REMOVE_FROM_WAITLIST = "remove_from_waitlist"
    BOOK_FROM_WAITLIST = "book_from_waitlist"  # a freed time offered to whoever waits for it
    RESOLVE_CONFLICT = "resolve_conflict"  # pick what happens to a conflict-inbox entry
    ADD_PHOTO = "add_photo"  # a before/after photo of a treatment


@dataclass(frozen=True)
class Permission:
    roles: frozenset[Role]
    sends: frozenset[MutationKind] = frozenset()
    # Said to a person refused: "Only <who> can <doing>."
    who: str = "the front desk, a provider or the manager"
    doing: str = ""


K, U = MutationKind, UseCase
_VISIT = frozenset({K.APPOINTMENT_SET_STATUS})
USE_CASES: MappingProxyType[UseCase, Permission] = MappingProxyType({
    U.ADD_CLIENT: Permission(CLINICAL_STAFF, frozenset({K.CLIENT_CREATE})),
    # Bringing in the whole client list is setting the practice up: its manager, or an admin.
    U.IMPORT_CLIENTS: Permission(MANAGERS, frozenset({K.CLIENT_CREATE}), who="a manager or an admin",
                                 doing="import a client list"),
    U.IMPORT_VISITS: Permission(MANAGERS, frozenset({K.APPOINTMENT_BOOK}), who="a manager or an admin",
                                doing="import upcoming appointments"),
    U.CHANGE_CLIENT: Permission(CLINICAL_STAFF, frozenset({K.CLIENT_UPDATE})),
    U.BOOK_VISIT: Permission(CLINICAL_STAFF, frozenset({K.APPOINTMENT_BOOK, K.CLIENT_CREATE})),
    U.RESCHEDULE_VISIT: Permission(CLINICAL_STAFF, frozenset({K.APPOINTMENT_RESCHEDULE})),
    U.CANCEL_VISIT: Permission(CLINICAL_STAFF, frozenset({K.APPOINTMENT_CANCEL})),
    U.CONFIRM_VISIT: Permission(CLINICAL_STAFF, _VISIT),
    U.CHECK_IN: Permission(CLINICAL_STAFF, _VISIT, doing="check a client in"),
    U.SEND_TO_ROOM: Permission(CLINICAL_STAFF, _VISIT | {K.APPOINTMENT_RESCHEDULE},  # moved to the room
                               doing="send a client to a room"),
    U.COMPLETE_VISIT: Permission(CLINICAL_STAFF, _VISIT),
    U.MARK_NO_SHOW: Permission(CLINICAL_STAFF, _VISIT, doing="mark a visit as a no-show"),
    U.PUT_BACK_ON_THE_BOOKS: Permission(CLINICAL_STAFF, _VISIT, doing="put a visit back on the books"),
    U.UNDO_ARRIVAL: Permission(CLINICAL_STAFF, _VISIT, doing="undo a client's arrival"),
    U.UNDO_NO_SHOW: Permission(CLINICAL_STAFF, _VISIT, doing="undo a no-show"),
    U.SUBMIT_INTAKE: Permission(CLINICAL_STAFF, frozenset({K.INTAKE_SUBMIT}), doing="take a health questionnaire"),
    U.SIGN_CONSENT: Permission(CLINICAL_STAFF, frozenset({K.CONSENT_SIGN}), doing="take a consent signature"),
    # A provider takes clinical responsibility for treating without a current form.
    U.OVERRIDE_MISSING_FORM: Permission(PROVIDERS, who="a provider", doing="let a client through with a form missing"),
    # Consent wording is the practice's own text: its manager, or an admin setting the practice up.
    U.PUBLISH_CONSENT_VERSION: Permission(MANAGERS, frozenset({K.CONSENT_TEMPLATE_PUBLISH}),
                                          who="a manager or an admin", doing="publish a new consent version"),
    # Only providers chart and sign.
    U.SAVE_CHART: Permission(PROVIDERS, frozenset({K.TREATMENT_SAVE}), who="a provider",
                             doing="chart or sign a treatment"),
    U.SIGN_CHART: Permission(PROVIDERS, frozenset({K.TREATMENT_SAVE, K.TREATMENT_SIGN}), who="a provider",
                             doing="chart or sign a treatment"),
    U.ADD_ADDENDUM: Permission(PROVIDERS, frozenset({K.TREATMENT_ADDENDUM}), who="a provider",
                               doing="add an addendum to a treatment"),
    U.ADD_PHOTO: Permission(PROVIDERS, frozenset({K.PHOTO_ADD}), who="a provider",
                            doing="add a before or after photo"),
    U.READ_CLINICAL_DETAIL: Permission(CLINICAL_READERS, who="providers, managers and admins",
                                       doing="read treatment details and notes"),
    U.EXPORT_CLIENT_RECORD: Permission(MANAGERS, who="a manager or an admin",
                                       doing="export a client's whole record"),
    # Whoever may open a signed form may print it or save a copy (audited either way).
    U.PRINT_OR_SAVE_FORM: Permission(EVERYONE, who="anyone signed in"),
    U.SET_UP_PRACTICE: Permission(MANAGERS, frozenset({K.REFERENCE_UPSERT}), who="a manager or an admin",
                                  doing="change the practice's set-up"),
    U.MAKE_COMPLIANCE_BINDER: Permission(MANAGERS, who="a manager or an admin",
                                         doing="make the compliance binder"),
    # Blocked time travels as its own kind; which use case a block is depends on what it blocks
    # (``block_use_case``), and the server asks the same function of every block pushed.
    U.BLOCK_TIME: Permission(MANAGERS, frozenset({K.BLOCKED_TIME_PUT}), who="a manager or an admin",
                             doing="block time off or a room's maintenance"),
    U.BLOCK_BREAK: Permission(CLINICAL_STAFF | MANAGERS, frozenset({K.BLOCKED_TIME_PUT}),
                              who="the front desk, a provider or a manager", doing="block a break"),
    # Calls to the server's staff routes (ServerAction.USER_MANAGE): nothing is pushed.
    U.MANAGE_STAFF: Permission(MANAGERS, who="a manager or an admin", doing="manage staff accounts"),
    # ServerAction.DEVICE_LIST and DEVICE_REVOKE: see, rename and revoke the practice's workstations.
    U.MANAGE_WORKSTATIONS: Permission(MANAGERS, who="a manager or an admin", doing="manage workstations"),
    # ServerAction.PRACTICE_SIGN_IN_POLICY: the server keeps it and ends sessions by it; nothing is pushed.
    U.SET_SWITCH_WINDOW: Permission(MANAGERS, who="a manager or an admin",
                                    doing="change how long people may switch back in without a code"),
    # ServerAction.PRACTICE_DESTROY: the server deletes the practice once a second manager confirms.
    U.DESTROY_PRACTICE: Permission(MANAGERS, who="a manager or an admin",
                                   doing="ask for or confirm the destruction of the practice's records"),
    # The Compliance menu: the practice's trail, its exports, and one client's access report.
    U.READ_AUDIT_TRAIL: Permission(MANAGERS, who="a manager or an admin", doing="read the audit trail"),
    U.EXPORT_AUDIT_TRAIL: Permission(MANAGERS, who="a manager or an admin", doing="export the audit trail"),
    # Every client's whole record and the practice's trail, handed back at the end of a contract.
    U.EXPORT_WHOLE_PRACTICE: Permission(MANAGERS, who="a manager or an admin",
                                        doing="export the whole practice's records"),
    U.MAKE_ACCESS_REPORT: Permission(MANAGERS, who="a manager or an admin",
                                     doing="make a client's access report"),
    # The practice's compliance evidence (issue 18): kept by its manager, synced to every desk.
    U.RECORD_DISCLOSURE: Permission(MANAGERS, frozenset({K.DISCLOSURE_RECORD}), who="a manager or an admin",
                                    doing="record a disclosure"),
    U.TRACK_ACCESS_REQUEST: Permission(MANAGERS, frozenset({K.EVIDENCE_SAVE}), who="a manager or an admin",
                                       doing="record a client's request for their record"),
    U.KEEP_COMPLIANCE_RECORDS: Permission(MANAGERS, frozenset({K.EVIDENCE_SAVE}), who="a manager or an admin",
                                          doing="keep the practice's compliance records"),
    U.READ_COMPLIANCE_RECORDS: Permission(MANAGERS, who="a manager or an admin",
                                          doing="read the practice's compliance records"),
    U.ACKNOWLEDGE_POLICY: Permission(EVERYONE, frozenset({K.POLICY_ACKNOWLEDGE}), who="anyone signed in"),
    # Communication preferences (TCPA) and call notes: whoever works with clients at the desk.
    U.RECORD_CONTACT_PREFERENCE: Permission(CLINICAL_STAFF, frozenset({K.CONTACT_CONSENT_RECORD}),
                                            doing="record a client's communication preferences"),
    U.LOG_CALL: Permission(CLINICAL_STAFF, frozenset({K.CALL_NOTE_LOG}), doing="log a call"),
    U.FOLLOW_UP_CALL: Permission(CLINICAL_STAFF, frozenset({K.CALL_NOTE_FOLLOW_UP}),
                                 doing="see or follow up the calls to return"),
    U.ADD_TO_WAITLIST: Permission(CLINICAL_STAFF, frozenset({K.WAITLIST_ADD}), doing="add a client to the waitlist"),
    U.REMOVE_FROM_WAITLIST: Permission(CLINICAL_STAFF, frozenset({K.WAITLIST_CLOSE}),
                                       doing="take a client off the waitlist"),
    U.BOOK_FROM_WAITLIST: Permission(CLINICAL_STAFF, frozenset({K.APPOINTMENT_BOOK, K.WAITLIST_CLOSE}),
                                     doing="book a client from the waitlist"),
    # The conflict inbox: a rebooked visit, a client's value sent again, a refused change fixed. It is
    # the client's record, so whoever keeps it (not an admin setting the practice up).
    U.RESOLVE_CONFLICT: Permission(CLINICAL_STAFF, frozenset({K.APPOINTMENT_BOOK, K.APPOINTMENT_RESCHEDULE,
                                                              K.CLIENT_CREATE, K.CLIENT_UPDATE}),
                                   doing="resolve a sync conflict"),
})
del K, U


def _roles_per_kind() -> dict[MutationKind, frozenset[Role]]:
    roles: dict[MutationKind, set[Role]] = {kind: set() for kind in MutationKind}
    for permission in USE_CASES.values():
        for kind in permission.sends:
            roles[kind] |= permission.roles
    return {kind: frozenset(who) for kind, who in roles.items()}


MUTATION_ROLES: MappingProxyType[MutationKind, frozenset[Role]] = MappingProxyType(_roles_per_kind())


class ServerAction(StrEnum):
    """What the server does outside a push, route by route."""

    SYNC_PULL = "sync.pull"
    SYNC_PUSH = "sync.push"
    DEVICE_ESCROW = "device.escrow"
    DEVICE_REVOKE = "device.revoke"
    DEVICE_LIST = "device.list"
    DEVICE_REPORT = "device.report"  # a workstation's own version and queued changes, after a sync
    AUDIT_READ = "audit.read"
    AUDIT_EXPORT = "audit.export"
    USER_MANAGE = "user.manage"
    USER_LIST = "user.list"
    PHOTO_UPLOAD = "photo.upload"  # a photo's bytes, in chunks: whoever may add a photo
    PHOTO_READ = "photo.read"  # a photo's bytes: whoever may read treatment details
    PRACTICE_SIGN_IN_POLICY = "practice.sign_in_policy"  # read and set the switch window
    PRACTICE_DESTROY = "practice.destroy"  # ask for, read and confirm the practice's destruction


SERVER_ACTIONS: MappingProxyType[ServerAction, frozenset[Role]] = MappingProxyType({
    ServerAction.SYNC_PULL: EVERYONE,
    ServerAction.SYNC_PUSH: EVERYONE,
    ServerAction.DEVICE_ESCROW: EVERYONE,
    ServerAction.DEVICE_REVOKE: MANAGERS,
    ServerAction.DEVICE_LIST: MANAGERS,
    ServerAction.DEVICE_REPORT: EVERYONE,
    ServerAction.AUDIT_READ: MANAGERS,
    ServerAction.AUDIT_EXPORT: MANAGERS,
    ServerAction.USER_MANAGE: MANAGERS,
    ServerAction.USER_LIST: MANAGERS,
    ServerAction.PHOTO_UPLOAD: USE_CASES[UseCase.ADD_PHOTO].roles,
    ServerAction.PHOTO_READ: USE_CASES[UseCase.READ_CLINICAL_DETAIL].roles,
    ServerAction.PRACTICE_SIGN_IN_POLICY: MANAGERS,
    ServerAction.PRACTICE_DESTROY: MANAGERS,
})


def may(role: Role, use_case: UseCase) -> bool:
    """May ``role`` do ``use_case``? (Views ask this to decide which menu items to show.)"""
    return role in USE_CASES[use_case].roles


def may_push(role: Role, kind: MutationKind) -> bool:
    return role in MUTATION_ROLES[kind]


def may_call(role: Role, action: ServerAction) -> bool:
    return role in SERVER_ACTIONS[action]


def refusal(role: Role, use_case: UseCase) -> str:
    """What a refused person is told: who may do it instead."""
    permission = USE_CASES[use_case]
    doing = permission.doing or use_case.value.replace("_", " ").replace(" visit", " a visit").replace(
        " client", " a client")
    return (f"Only {permission.who} can {doing}; you are signed in as {role.value.replace('_', ' ')}. "
            f"Ask {permission.who} to sign in and do it.")


def require(role: Role, use_case: UseCase) -> None:
    if not may(role, use_case):
        raise NotPermitted(refusal(role, use_case))


def block_use_case(block: BlockedTime) -> UseCase:
    """A provider's break is the front desk's to block (``BLOCK_BREAK``); time off and a room's
    maintenance stay the manager's (``BLOCK_TIME``). The desk and the server both ask this, for the
    block as sent and for the block it replaces (a break cannot be turned into time off, nor back)."""
    return blocking_use_case(block.kind, for_provider=block.provider_id is not None)


def blocking_use_case(kind: BlockKind, *, for_provider: bool) -> UseCase:
    """``block_use_case`` before the block exists (the block-time dialog offers what the role may)."""
    return UseCase.BLOCK_BREAK if kind is BlockKind.BREAK and for_provider else UseCase.BLOCK_TIME


# --- Visit statuses -------------------------------------------------------------------------

S = AppointmentStatus
VISIT_TRANSITIONS: MappingProxyType[AppointmentStatus, frozenset[AppointmentStatus]] = MappingProxyType({
    S.BOOKED: frozenset({S.CONFIRMED, S.ARRIVED, S.CANCELLED, S.NO_SHOW}),
    S.CONFIRMED: frozenset({S.BOOKED, S.ARRIVED, S.CANCELLED, S.NO_SHOW}),
    S.ARRIVED: frozenset({S.CONFIRMED, S.IN_ROOM, S.COMPLETED, S.CANCELLED}),
    S.IN_ROOM: frozenset({S.ARRIVED, S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.NO_SHOW: frozenset({S.BOOKED}),
})
# A visit that still lies ahead may be moved; one that happened (or was called off) may not.
MOVABLE: frozenset[AppointmentStatus] = frozenset({S.BOOKED, S.CONFIRMED, S.ARRIVED, S.IN_ROOM})
del S


def status_words(status: AppointmentStatus) -> str:
    """A status as a sentence says it: ``no_show`` → "no show"."""
    return status.value.replace("_", " ")


def may_follow(before: AppointmentStatus, after: AppointmentStatus) -> bool:
    return after in VISIT_TRANSITIONS[before]


def require_transition(before: AppointmentStatus, after: AppointmentStatus) -> None:
    if not may_follow(before, after):
        raise InvalidTransition(f"A visit that is {status_words(before)} cannot become {status_words(after)}.")


def may_move(status: AppointmentStatus) -> bool:
    return status in MOVABLE


def require_movable(status: AppointmentStatus) -> None:
    if not may_move(status):
        raise InvalidTransition(f"A visit that is {status_words(status)} cannot be moved; book a new one.")
