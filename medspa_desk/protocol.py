"""Wire models shared by the workstation sync engine and the central API.

Writes travel as *mutations*: commands with their own id, so a push that is
retried after a lost response is applied once. The server answers each one
applied, conflict or rejected. Reads travel as *changes* after a cursor, in
server sequence order.

Kinds of mutation and their payloads (each a model below, ``PAYLOADS``, built
by the desk and parsed by the server with the same class):

- ``client.create``: the full client (``Client.to_json()``).
- ``client.update``: ``{"changes": {field: new}, "base": {field: old}}`` with
  ``base_version``; the server merges field by field.
- ``appointment.book``: the full appointment.
- ``appointment.reschedule``: ``{"starts_at", "ends_at", "provider_id", "room_id"}``.
- ``appointment.cancel``: ``{"reason"}``.
- ``appointment.set_status``: ``{"status", "reason"}``.
- ``intake.submit``, ``consent.sign``, ``consent_template.publish``: the full
  record, insert-only, checked against its content hash.
- ``treatment.save``: the full unsigned record (a draft may be saved again);
  ``treatment.sign``: ``{"signed_at", "content_sha256"}``;
  ``treatment.addendum``: one ``Addendum``.
- ``contact_consent.record``: one entry of a client's communication preferences, insert-only.
- ``call_note.log``: the full call note; ``call_note.follow_up``: ``{"at", "note"}``.
- ``reference.upsert``: a location, provider, shift, room, service or product
  (managers and admins).
- ``disclosure.record``: one ``Disclosure``, insert-only (the accounting of disclosures).
- ``evidence.save``: the compliance record named by ``entity`` (``EVIDENCE_RECORDS``: a risk
  assessment, a business associate, an incident, a right-of-access request), saved again as it changes.
- ``policy.acknowledge``: one ``PolicyAcknowledgment``, insert-only, by the person it names.
- ``blocked_time.put``: the full ``BlockedTime`` (``deleted`` frees it again); a
  break for a provider is the front desk's, time off and maintenance a manager's
  (``rules.block_use_case``).
- ``waitlist.add``: the full waitlist entry; ``waitlist.close``:
  ``{"status", "visit_id", "reason"}`` (booked from the waitlist, or removed).
- ``photo.add``: one ``Photo`` (what it is, never its bytes), insert-only; the server takes it only once
  the photo's bytes are all uploaded (``PhotoUploadStart`` and the chunk routes below) and match it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from medspa_desk.records import (
    MAX_PHOTO_BYTES,
    SYNCED_RECORDS,
    AccessRequest,
    Addendum,
    Appointment,
    AppointmentStatus,
    AuditEvent,
    AwareDatetime,
    BlockedTime,
    BusinessAssociate,
    CallNote,
    Client,
    ConsentTemplate,
    ContactConsent,
    Disclosure,
    Incident,
    IntakeForm,
    OneLine,
    Photo,
    PolicyAcknowledgment,
    Record,
    RiskAssessment,
    Role,
    SignedConsent,
    TreatmentRecord,
    WaitlistEntry,
    WaitlistStatus,
)

# 2: MutationResult carries a typed ``detail`` (ConflictDetail) and no ``review_fields`` nor a
# "holder" inside ``current``; a version-1 desk cannot read those answers, so both ends speak 2 only.
PROTOCOL_MIN = 2
PROTOCOL_MAX = 2
PROTOCOL_HEADER = "X-Medspa-Protocol"
MAX_CLOCK_SKEW_S = 300
MAX_PUSH_BATCH = 500
# One change as JSON: a signed consent (100,000 characters and a 6,000-point signature) or a full intake
# (300 answers of 4,000 characters) fits. A desk refuses a larger one when it is made; the server
# rejects it alone.
MAX_MUTATION_BYTES = 2 * 1024 * 1024
# What a desk puts in one push: well under the server's body limit for a push (medspa_api body_limits),
# so a queue of large signed documents goes in several pushes instead of one refused whole (413).
MAX_PUSH_BYTES = 8 * 1024 * 1024
MAX_PULL_PAGE = 5000
# A pull page's cursor and has_more, repeated as response headers so a desk can ask for the
# next page before it has parsed this one (the body stays the answer; a desk checks they agree).
PULL_CURSOR_HEADER = "Medspa-Pull-Cursor"
PULL_HAS_MORE_HEADER = "Medspa-Pull-Has-More"


class Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MutationKind(StrEnum):
    CLIENT_CREATE = "client.create"
    CLIENT_UPDATE = "client.update"
    APPOINTMENT_BOOK = "appointment.book"
    APPOINTMENT_RESCHEDULE = "appointment.reschedule"
    APPOINTMENT_CANCEL = "appointment.cancel"
    APPOINTMENT_SET_STATUS = "appointment.set_status"
    INTAKE_SUBMIT = "intake.submit"
    CONSENT_SIGN = "consent.sign"
    CONSENT_TEMPLATE_PUBLISH = "consent_template.publish"
    TREATMENT_SAVE = "treatment.save"
    TREATMENT_SIGN = "treatment.sign"
    TREATMENT_ADDENDUM = "treatment.addendum"
    REFERENCE_UPSERT = "reference.upsert"
    DISCLOSURE_RECORD = "disclosure.record"
    EVIDENCE_SAVE = "evidence.save"
    POLICY_ACKNOWLEDGE = "policy.acknowledge"
    CONTACT_CONSENT_RECORD = "contact_consent.record"
    CALL_NOTE_LOG = "call_note.log"
    CALL_NOTE_FOLLOW_UP = "call_note.follow_up"
    BLOCKED_TIME_PUT = "blocked_time.put"
    WAITLIST_ADD = "waitlist.add"
    WAITLIST_CLOSE = "waitlist.close"
    PHOTO_ADD = "photo.add"


class Mutation(Wire):
    id: UUID
    kind: MutationKind
    entity: Annotated[str, Field(max_length=40, pattern=r"^[a-z_]*$")]
    entity_id: UUID
    base_version: int | None = Field(default=None, ge=0)
    payload: dict[str, Any]
    created_at: AwareDatetime


# --- One payload model per mutation kind ---------------------------------------------------
# The desk builds a mutation's payload from these models and the server parses it with the same
# class, so a field is named, bounded and typed once. Kinds that carry a whole record use the
# record's own model (see PAYLOADS); reference.upsert carries the record named by ``entity``.


class ClientUpdate(Wire):
    """``client.update``: the fields changed, and their values in the version the desk started from."""

    changes: Annotated[dict[str, Any], Field(min_length=1, max_length=40)]
    base: Annotated[dict[str, Any], Field(max_length=40)] = Field(default_factory=dict)


class VisitMove(Wire):
    """``appointment.reschedule``."""

    starts_at: AwareDatetime
    ends_at: AwareDatetime
    provider_id: UUID | None = None  # older desks may leave it out: the provider stays
    room_id: UUID | None = None


class VisitCancel(Wire):
    """``appointment.cancel``."""

    reason: Annotated[str, Field(max_length=500)] = ""


class VisitStatus(Wire):
    """``appointment.set_status``."""

    status: AppointmentStatus
    reason: Annotated[str, Field(max_length=500)] = ""


class ChartSignature(Wire):
    """``treatment.sign``: when, and the hash of the content signed."""

    signed_at: AwareDatetime
    content_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class CallFollowUp(Wire):
    """``call_note.follow_up``: when the caller was called back, and what came of it."""

    at: AwareDatetime
    note: Annotated[str, Field(max_length=2000)] = ""
    by_name: Annotated[str, Field(max_length=200)] = ""  # who called back, as the record names them


class WaitlistClose(Wire):
    """``waitlist.close``: the client was booked from the waitlist (``visit_id``), or taken off it."""

    status: Literal[WaitlistStatus.BOOKED, WaitlistStatus.REMOVED]
    visit_id: UUID | None = None
    reason: Annotated[str, Field(max_length=200)] = ""


PAYLOADS: dict[MutationKind, type[BaseModel]] = {
    MutationKind.CLIENT_CREATE: Client,
    MutationKind.CLIENT_UPDATE: ClientUpdate,
    MutationKind.APPOINTMENT_BOOK: Appointment,
    MutationKind.APPOINTMENT_RESCHEDULE: VisitMove,
    MutationKind.APPOINTMENT_CANCEL: VisitCancel,
    MutationKind.APPOINTMENT_SET_STATUS: VisitStatus,
    MutationKind.INTAKE_SUBMIT: IntakeForm,
    MutationKind.CONSENT_SIGN: SignedConsent,
    MutationKind.CONSENT_TEMPLATE_PUBLISH: ConsentTemplate,
    MutationKind.TREATMENT_SAVE: TreatmentRecord,
    MutationKind.TREATMENT_SIGN: ChartSignature,
    MutationKind.TREATMENT_ADDENDUM: Addendum,
    MutationKind.DISCLOSURE_RECORD: Disclosure,
    MutationKind.POLICY_ACKNOWLEDGE: PolicyAcknowledgment,
    MutationKind.CONTACT_CONSENT_RECORD: ContactConsent,
    MutationKind.CALL_NOTE_LOG: CallNote,
    MutationKind.CALL_NOTE_FOLLOW_UP: CallFollowUp,
    MutationKind.BLOCKED_TIME_PUT: BlockedTime,
    MutationKind.WAITLIST_ADD: WaitlistEntry,
    MutationKind.WAITLIST_CLOSE: WaitlistClose,
    MutationKind.PHOTO_ADD: Photo,
}
# ``evidence.save`` carries the compliance record its ``entity`` names.
EVIDENCE_RECORDS: dict[str, type[Record]] = {
    cls.entity: cls for cls in (RiskAssessment, BusinessAssociate, Incident, AccessRequest)}


def payload_model(kind: MutationKind, entity: str) -> type[BaseModel]:
    """The class a ``kind`` payload is built and parsed with (by ``entity`` for reference.upsert)."""
    if kind is MutationKind.REFERENCE_UPSERT:
        return SYNCED_RECORDS[entity]
    if kind is MutationKind.EVIDENCE_SAVE:
        return EVIDENCE_RECORDS[entity]
    return PAYLOADS[kind]


def payload_json(payload: BaseModel) -> dict[str, Any]:
    """A payload model as it travels."""
    return payload.model_dump(mode="json")


# --- Photo bytes: uploaded and fetched in chunks, apart from the push ---------------------------
# A photo's bytes go up as numbered chunks of ``chunk_size`` bytes (the last one shorter), each PUT
# with its SHA-256 in ``PHOTO_CHUNK_SHA256_HEADER``; the server keeps every chunk it has checked, so an
# interrupted upload resumes with the chunks it still lacks (``PhotoUpload.held``). They come down by
# byte range (``Range: bytes=a-b``), at most ``MAX_PHOTO_CHUNK_BYTES`` per answer.
PHOTO_CHUNK_BYTES = 1024 * 1024
MAX_PHOTO_CHUNK_BYTES = 4 * 1024 * 1024
MIN_PHOTO_CHUNK_BYTES = 64 * 1024
PHOTO_CHUNK_SHA256_HEADER = "Medspa-Chunk-Sha256"


class PhotoUploadStart(Wire):
    """``POST /photos/uploads``: the photo whose bytes follow (asked again to resume: the same answer)."""

    photo_id: UUID
    client_id: UUID
    size: Annotated[int, Field(ge=1, le=MAX_PHOTO_BYTES)]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    media_type: Literal["image/jpeg", "image/png"]
    chunk_size: Annotated[int, Field(ge=MIN_PHOTO_CHUNK_BYTES, le=MAX_PHOTO_CHUNK_BYTES)] = PHOTO_CHUNK_BYTES


class PhotoUpload(Wire):
    """Where an upload stands: the chunks the server holds, and whether the photo is whole."""

    photo_id: UUID
    size: int
    chunk_size: int
    chunks: int
    held: list[int]
    complete: bool


class Outcome(StrEnum):
    APPLIED = "applied"
    CONFLICT = "conflict"
    REJECTED = "rejected"


# --- What a conflict or a rejection is about: one model per kind, built by the server, --------
# --- parsed by the desk and kept in its inbox with the same class. ----------------------------

FieldValue = str | int | float | bool | None


class FieldChoice(Wire):
    """One field changed on two desks from the same version: this desk's value and the other one."""

    field: Annotated[str, Field(max_length=60)]
    mine: FieldValue  # the value the losing desk sent
    theirs: FieldValue  # the value the server keeps


class DoubleBooking(Wire):
    """A booking or a move that lost its slot: the refused appointment and the one holding the slot."""

    kind: Literal["double_booking"] = "double_booking"
    refused: Appointment | None = None
    holder: Appointment | None = None


class FieldConflict(Wire):
    """Fields changed on both sides: nothing of them was overwritten; a person picks each."""

    kind: Literal["field_conflict"] = "field_conflict"
    fields: tuple[FieldChoice, ...]


class RecordConflict(Wire):
    """The record is already on the server in another form (a signed document, the same id twice)."""

    kind: Literal["record_conflict"] = "record_conflict"


class RejectedChange(Wire):
    """A change the server refused, alone; ``field`` names the field at fault when one is.

    ``change`` is the refused mutation as the desk queued it, and ``record`` the record as a
    person names it ("Client Ada Lovelace"): the desk adds both when it files the inbox entry
    (the server leaves them out), so the change can be named, fixed and sent again.
    """

    kind: Literal["rejected"] = "rejected"
    code: Annotated[str, Field(max_length=60)] = ""
    field: Annotated[str, Field(max_length=200)] = ""
    change: Mutation | None = None
    record: Annotated[str, Field(max_length=300)] = ""  # as a person names it; added by the desk too


ConflictDetail = Annotated[DoubleBooking | FieldConflict | RecordConflict | RejectedChange,
                           Field(discriminator="kind")]
# (An Annotated union is a type form, not a class: pydantic takes it; mypy says so on some runs only.)
_CONFLICT_DETAIL: TypeAdapter[ConflictDetail] = TypeAdapter(ConflictDetail)  # type: ignore[arg-type, unused-ignore]


def conflict_detail(data: dict[str, Any]) -> ConflictDetail:
    """A stored or received detail read back into its model (raises ``ValidationError``)."""
    return _CONFLICT_DETAIL.validate_python(data)


class MutationResult(Wire):
    mutation_id: UUID
    outcome: Outcome
    entity: str
    entity_id: UUID
    version: int | None = None
    seq: int | None = None
    # On conflict or rejection: the addressed record as the server holds it (None when it
    # holds none, as for a refused new booking); the desk shows it again.
    current: dict[str, Any] | None = None
    # On conflict or rejection: what it is about (see ConflictDetail).
    detail: ConflictDetail | None = None
    code: Annotated[str, Field(max_length=60)] = ""
    reason: Annotated[str, Field(max_length=1000)] = ""


class PushRequest(Wire):
    device_id: UUID
    client_time: AwareDatetime
    mutations: Annotated[list[Mutation], Field(max_length=MAX_PUSH_BATCH)] = Field(default_factory=list)
    audit_events: Annotated[list[AuditEvent], Field(max_length=5000)] = Field(default_factory=list)


class PushResponse(Wire):
    results: list[MutationResult]
    audit_stored: int
    server_time: datetime
    # The pushed audit events the server now holds (stored by this push or before); mark only these as
    # sent. An event left out was refused (its actor has never signed in on this workstation).
    audit_stored_ids: list[UUID] = Field(default_factory=list)


class Change(Wire):
    seq: int
    entity: str
    entity_id: UUID
    version: int
    deleted: bool = False
    data: dict[str, Any] | None = None


class PullResponse(Wire):
    changes: list[Change]
    cursor: int  # the seq to ask after next time
    has_more: bool
    remaining: int  # changes after ``cursor`` still to fetch, for a progress bar
    server_time: datetime


class ChangesSince(Wire):
    """The cheap check before a pull: is there anything after my cursor?"""

    latest_seq: int
    changed: bool


# --- Sign-in -----------------------------------------------------------------


class LoginRequest(Wire):
    tenant: Annotated[str, Field(min_length=1, max_length=64)]
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]
    totp: Annotated[str, Field(pattern=r"^\d{6}$")] | None = None
    device_id: UUID | None = None
    device_name: Annotated[str, Field(max_length=100)] = ""
    # The workstation's clock, checked against the server's like a push's.
    client_time: AwareDatetime | None = None
    # The secret the server issued when this device_id was registered (TokenResponse.device_secret):
    # proof that the caller is that workstation. Escrow is released only to a session that gave it.
    device_secret: Annotated[str, Field(min_length=16, max_length=128)] | None = None


class UserInfo(Wire):
    id: UUID
    username: str
    display_name: str
    role: Role
    provider_id: UUID | None = None


class TokenResponse(Wire):
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"  # noqa: S105 (OAuth token type, not a secret)
    tenant_id: UUID
    device_id: UUID
    user: UserInfo
    server_time: datetime
    # Issued once, when the server registers the device: keep it in the keychain and send it as
    # ``device_secret`` on every sign-in and refresh from this workstation. The server keeps only a hash.
    device_secret: str | None = None


class RefreshRequest(Wire):
    refresh_token: Annotated[str, Field(min_length=16, max_length=512)]
    device_id: UUID
    device_secret: Annotated[str, Field(min_length=16, max_length=128)] | None = None


class EscrowDeposit(Wire):
    """The device's data key, wrapped for escrow (base64), deposited once per device."""

    wrapped_key: Annotated[str, Field(min_length=16, max_length=4096)]
    vault_id: UUID


MAX_REPORTED_AUTHORS = 100


class DeviceReport(Wire):
    """What a workstation says of itself after a sync: its app version, and whose changes wait on it.

    ``queued``: for each person with changes in this workstation's outbox, how many (they are
    pushed only in that person's own session); a manager's list and a leaver's disable show them.
    """

    app_version: Annotated[str, Field(max_length=40, pattern=r"^[0-9A-Za-z.+\-]*$")]
    queued: Annotated[dict[UUID, Annotated[int, Field(ge=1, le=10_000_000)]],
                      Field(max_length=MAX_REPORTED_AUTHORS)] = Field(default_factory=dict)


class DeviceName(Wire):
    """A workstation's new name, as a manager gives it."""

    name: Annotated[str, Field(min_length=1, max_length=100), OneLine]


# How long a person's server session lasts after a sign-in with the authenticator code, so that
# they may switch back in on a shared workstation with their password alone (the practice's choice).
SWITCH_WINDOW_HOURS_DEFAULT = 12
SWITCH_WINDOW_HOURS_MIN = 1
SWITCH_WINDOW_HOURS_MAX = 24


class SwitchWindow(Wire):
    """The practice's switch window in whole hours; the server checks the bounds (a refusal is audited)."""

    hours: Annotated[int, Field(ge=-1_000_000, le=1_000_000)]


# --- the end of a contract: the practice destroyed on two managers' word -----------------------------------

DESTRUCTION_CONFIRM_WITHIN_H = 24  # a request lapses if no second manager confirms it within this
DESTRUCTION_REASON_MAX = 500
MAX_EXPORT_COUNTS = 20
Sha256Hex = Annotated[str, Field(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$")]
CountName = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z_]+$")]


class DestructionRequest(Wire):
    """A manager asks for the practice to be destroyed, after exporting it: the SHA-256 of the export's
    manifest and its counts go on record (and on the certificate)."""

    reason: Annotated[str, Field(max_length=DESTRUCTION_REASON_MAX)]
    export_sha256: Sha256Hex
    export_counts: Annotated[dict[CountName, Annotated[int, Field(ge=0, le=1_000_000_000)]],
                             Field(max_length=MAX_EXPORT_COUNTS)]


class DestructionConfirm(Wire):
    """A second manager confirms the request by its id, typing the practice's name. The desk makes the key
    that reads the certificate later and keeps it before asking; the server keeps only its SHA-256, so an
    answer lost on the way still leaves the certificate within reach."""

    request_id: UUID
    practice_name: Annotated[str, Field(max_length=200)]
    certificate_key_sha256: Sha256Hex


class DestructionPending(Wire):
    """A request waiting for a second manager; ``request_id`` None when none is pending."""

    request_id: UUID | None = None
    practice_id: UUID | None = None
    practice: str = ""
    requested_by: UUID | None = None
    requested_by_name: str = ""
    requested_at: datetime | None = None
    expires_at: datetime | None = None
    reason: str = ""
    export_sha256: str = ""
    export_counts: dict[str, int] = Field(default_factory=dict)


class DestroyedWorkstation(Wire):
    device_id: UUID
    name: str
    revoked_at: datetime | None = None  # revoked before the destruction: already wiped or never to call again
    wiped_at: datetime | None = None  # when it confirmed its wipe; None: not yet


class DestructionEvent(Wire):
    """One audit event of the destruction itself, kept for the practice after its trail is gone."""

    at: datetime
    who: str
    workstation: UUID | None = None
    action: str
    outcome: str
    detail: str = ""


class DestructionCertificate(Wire):
    """What the certificate of destruction says (read again later, from the tombstone, with the
    workstations' confirmations)."""

    practice_id: UUID
    practice: str
    request_id: UUID
    requested_by_name: str
    requested_at: datetime
    reason: str
    export_sha256: str
    export_counts: dict[str, int]
    confirmed_by_name: str
    confirmed_at: datetime
    destroyed_at: datetime
    deleted: dict[str, int]  # rows deleted per server table
    workstations: list[DestroyedWorkstation]
    events: list[DestructionEvent]


class CertificateRequest(Wire):
    practice_id: UUID
    certificate_key: Annotated[str, Field(min_length=16, max_length=128)]


class WipeConfirmation(Wire):
    """A destroyed practice's workstation says it wiped itself, proven by its device secret."""

    device_id: UUID
    device_secret: Annotated[str, Field(min_length=16, max_length=512)]


class WipeRecorded(Wire):
    device_id: UUID
    wiped_at: datetime


class EscrowRelease(Wire):
    wrapped_key: str
    vault_id: UUID
    # The server's half of the escrow key (base64, 32 bytes), kept per device.
    server_half: str = ""


class ErrorBody(Wire):
    """Every error the API returns: a code a program can test and words a person can act on."""

    code: str
    message: str
