"""The records a med spa keeps, shared by the workstation core and the server.

Every record is an immutable pydantic model: building one validates it, so a
record that exists is a record that makes sense (an appointment ends after it
starts, a time carries its zone). Ids are UUIDv7 (time-ordered, so indexes stay
compact); ``version`` counts the record's changes and ``seq`` is the server
sequence it was last changed at (0 until the server has seen it).

Times are stored as UTC-aware datetimes; the location's ``time_zone`` decides
which day an appointment falls on and how the schedule is drawn.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Any, ClassVar, Literal, Self
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import uuid6
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)


def new_id() -> UUID:
    """A fresh UUIDv7: unique, and sortable by creation time."""
    return uuid6.uuid7()


def utc_now() -> datetime:
    return datetime.now(UTC)


# Every time a record carries is an event of a clinic's life. Far from the ends of what Python holds, so
# that no database session's time zone can turn one into a year 0 or 10000 on the way back.
EARLIEST_TIME = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(3000, 1, 1, tzinfo=UTC)
_OUT_OF_RANGE = "time is out of range; use a date from year 1900 to 2999"


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("time must carry a time zone")
    try:
        utc = value.astimezone(UTC)
    except OverflowError as exc:  # 0001-01-01T00:00+01:00 is before the first representable instant
        raise ValueError(_OUT_OF_RANGE) from exc
    if not EARLIEST_TIME <= utc < LATEST_TIME:
        raise ValueError(_OUT_OF_RANGE)
    return utc


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]


def _zone_name(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}; use an IANA name such as America/New_York") from exc
    return value


TimeZoneName = Annotated[str, AfterValidator(_zone_name)]
ShortText = Annotated[str, Field(max_length=200)]

# Text a person types into a client's or a visit's fields. A control character (a NUL a
# barcode scanner sends, an escape from a paste) means nothing there, shows as nothing, and
# PostgreSQL cannot store a NUL; so it is refused at the field, on the desk and on the server
# alike. Tab, line feed and carriage return are allowed where the text runs over several lines.
_CONTROL_IN_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
HIDDEN_CHARACTER = ("holds a hidden control character (a barcode scanner or a paste can add one); "
                    "clear the field and type it again")


def _one_line(value: str) -> str:
    if _CONTROL_IN_LINE.search(value):
        raise ValueError(HIDDEN_CHARACTER)
    return value


def _multi_line(value: str) -> str:
    if _CONTROL_IN_TEXT.search(value):
        raise ValueError(HIDDEN_CHARACTER)
    return value


def without_hidden_characters(value: str, *, multi_line: bool = False) -> str:
    """``value`` with the control characters a person cannot see taken out (to fix a refused change)."""
    return (_CONTROL_IN_TEXT if multi_line else _CONTROL_IN_LINE).sub("", value)


OneLine = AfterValidator(_one_line)
MultiLine = AfterValidator(_multi_line)


def without_hidden_text(record_type: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with hidden characters taken out of the text fields (tab and line breaks kept where allowed)."""
    def multi_line(name: str) -> bool:
        info = record_type.model_fields.get(name)
        return info is not None and MultiLine in info.metadata

    return {name: without_hidden_characters(value, multi_line=multi_line(name)) if isinstance(value, str)
            else value for name, value in data.items()}
LongText = Annotated[str, Field(max_length=20_000)]


class Record(BaseModel):
    """Fields every synced record has."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    entity: ClassVar[str] = ""
    id: UUID = Field(default_factory=new_id)
    version: int = Field(default=1, ge=1, le=2**31 - 1)  # the servers' version columns are 32-bit
    seq: int = Field(default=0, ge=0, le=2**63 - 1)
    updated_at: AwareDatetime = Field(default_factory=utc_now)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        return cls.model_validate(data)

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> Self:
        """A record read back (the server's copy, a pulled change), saved perhaps before text was checked.

        Text saved before the records refused hidden characters would otherwise stop every
        read of that record (a pull, the next change to it); it is read without them instead.
        """
        try:
            return cls.model_validate(data)
        except ValidationError:
            cleaned = without_hidden_text(cls, data)
            if cleaned == data:
                raise
            return cls.model_validate(cleaned)


def content_hash(payload: dict[str, Any]) -> str:
    """SHA-256 of a canonical JSON form: what a signed form's integrity is checked against."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- People and places -------------------------------------------------------


class Role(StrEnum):
    FRONT_DESK = "front_desk"
    PROVIDER = "provider"
    MANAGER = "manager"
    ADMIN = "admin"


class User(Record):
    entity: ClassVar[str] = "user"
    username: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")]
    display_name: ShortText
    role: Role
    provider_id: UUID | None = None
    active: bool = True


class BlockKind(StrEnum):
    TIME_OFF = "time_off"
    BREAK = "break"
    MAINTENANCE = "maintenance"


class BlockedTime(Record):
    """A provider away (time off, a break) or a room out of use (maintenance) from ``starts_at`` to ``ends_at``.

    Nothing may be booked with that provider or in that room meanwhile. ``note`` is for staff (never a
    client's name); the reason given to a person refused is the kind.
    """

    entity: ClassVar[str] = "blocked_time"
    location_id: UUID
    provider_id: UUID | None = None
    room_id: UUID | None = None
    kind: BlockKind
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    note: Annotated[str, Field(max_length=200)] = ""
    deleted: bool = False

    @model_validator(mode="after")
    def _one_holder_and_a_real_span(self) -> Self:
        if (self.provider_id is None) == (self.room_id is None):
            raise ValueError("blocked time is for one provider or one room")
        if self.ends_at <= self.starts_at:
            raise ValueError("blocked time must end after it starts")
        if self.ends_at - self.starts_at > timedelta(days=62):
            raise ValueError("block at most two months at a time")
        return self


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")


def parse_span(text: str) -> tuple[time, time] | None:
    """``"09:00-19:00"`` (``9:00–19:00`` too) as opening and closing times; None when it is not that."""
    opens, _, closes = text.replace("–", "-").partition("-")
    found = [_CLOCK.fullmatch(part.strip()) for part in (opens, closes)]
    if not all(found):
        return None
    try:
        return tuple(time(int(m.group(1)), int(m.group(2))) for m in found if m)  # type: ignore[return-value]
    except ValueError:
        return None


class OpeningHours(BaseModel):
    """One opening period on a weekday (0 = Monday), local to the location."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    weekday: int = Field(ge=0, le=6)
    opens: time
    closes: time

    @model_validator(mode="after")
    def _closes_after_opening(self) -> Self:
        if self.closes <= self.opens:
            raise ValueError("closing time must be after opening time")
        return self


class Location(Record):
    entity: ClassVar[str] = "location"
    name: ShortText
    time_zone: TimeZoneName
    address: ShortText = ""
    phone: ShortText = ""
    opening_hours: Annotated[tuple[OpeningHours, ...], Field(max_length=70)] = ()
    # The practice's policy, set by a manager and synced to every desk: how long an
    # idle desk stays open (a person cannot turn this off) and how long a health
    # questionnaire counts before check-in asks for a new one.
    idle_lock_minutes: int = Field(default=5, ge=1, le=60)
    intake_valid_months: int = Field(default=12, ge=1, le=60)
    # The booking grid: visits start on whole steps of this many minutes past local midnight.
    booking_step_min: int = Field(default=15, ge=5, le=60)

    @field_validator("booking_step_min")
    @classmethod
    def _step_divides_an_hour(cls, value: int) -> int:
        if 60 % value:
            raise ValueError("the booking grid must divide an hour: 5, 10, 12, 15, 20, 30 or 60 minutes")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class ProviderKind(StrEnum):
    INJECTOR = "injector"
    AESTHETICIAN = "aesthetician"
    LASER_TECHNICIAN = "laser_technician"
    IV_NURSE = "iv_nurse"


class Provider(Record):
    entity: ClassVar[str] = "provider"
    display_name: ShortText
    credentials: Annotated[str, Field(max_length=20)] = ""  # NP, RN, PA, MD, LE…
    kind: ProviderKind
    color: Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")] = "#4a7bd0"
    user_id: UUID | None = None
    active: bool = True


class Shift(Record):
    """A provider's recurring working hours on a weekday at a location (local time)."""

    entity: ClassVar[str] = "shift"
    provider_id: UUID
    location_id: UUID
    weekday: int = Field(ge=0, le=6)
    starts: time
    ends: time
    deleted: bool = False  # taken off the provider's week (a shift no visit refers to)

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        if self.ends <= self.starts:
            raise ValueError("a shift must end after it starts")
        return self


class Room(Record):
    entity: ClassVar[str] = "room"
    location_id: UUID
    name: ShortText
    kind: ShortText = "treatment"  # treatment, laser, iv lounge…
    active: bool = True


# --- Services ----------------------------------------------------------------


class ServiceCategory(StrEnum):
    NEUROTOXIN = "neurotoxin"
    DERMAL_FILLER = "dermal_filler"
    LASER = "laser"  # laser hair removal, resurfacing
    IPL = "ipl"
    CHEMICAL_PEEL = "chemical_peel"
    MICRONEEDLING = "microneedling"
    IV_THERAPY = "iv_therapy"
    FACIAL = "facial"
    CONSULTATION = "consultation"


class ConsentRequirement(BaseModel):
    """A consent a service needs, and how many days a signature stays good for it."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    template_key: Annotated[str, Field(pattern=r"^[a-z0-9_]+$", max_length=64)]
    valid_days: int = Field(default=365, ge=1, le=3650)


class Service(Record):
    entity: ClassVar[str] = "service"
    name: ShortText
    category: ServiceCategory
    duration_min: int = Field(ge=5, le=600)
    buffer_before_min: int = Field(default=0, ge=0, le=120)
    buffer_after_min: int = Field(default=0, ge=0, le=120)
    room_kinds: Annotated[tuple[ShortText, ...], Field(max_length=50)] = ()  # empty: any room
    provider_kinds: Annotated[tuple[ProviderKind, ...], Field(max_length=20)] = ()  # empty: any provider
    consents: Annotated[tuple[ConsentRequirement, ...], Field(max_length=50)] = ()
    requires_intake: bool = True
    price_cents: int = Field(default=0, ge=0, le=10**9)
    color: Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")] = "#7a8ca8"
    active: bool = True


# --- Clients -----------------------------------------------------------------

_PHONE_DIGITS = re.compile(r"\D+")


def phone_digits(phone: str) -> str:
    return _PHONE_DIGITS.sub("", phone)


def phone_shaped(value: str, what: str) -> str:
    """``value`` if empty or a phone number (7 to 15 digits); else a ValueError naming ``what``."""
    if value and not 7 <= len(phone_digits(value)) <= 15:
        raise ValueError(f"{what} should have 7 to 15 digits")
    return value


class Client(Record):
    entity: ClassVar[str] = "client"
    # Merged field by field on sync; any field changed on both sides goes to review. Dropping a
    # safety field's value in review asks first (medspa_desk/desk/conflicts.py).
    SAFETY_FIELDS: ClassVar[frozenset[str]] = frozenset({"allergies", "alerts"})

    first_name: Annotated[str, Field(min_length=1, max_length=100), OneLine]
    last_name: Annotated[str, Field(min_length=1, max_length=100), OneLine]
    preferred_name: Annotated[str, Field(max_length=100), OneLine] = ""
    birth_date: date
    phone: Annotated[str, Field(max_length=40), OneLine] = ""
    email: Annotated[str, Field(max_length=254), OneLine] = ""
    address: Annotated[str, Field(max_length=400), MultiLine] = ""
    emergency_contact: Annotated[str, Field(max_length=200), OneLine] = ""
    allergies: Annotated[str, Field(max_length=2000), MultiLine] = ""
    alerts: Annotated[str, Field(max_length=2000), MultiLine] = ""  # safety flags the desk must see
    notes: Annotated[str, Field(max_length=4000), MultiLine] = ""
    sms_opt_in: bool = False
    email_opt_in: bool = False
    deleted: bool = False

    @field_validator("birth_date")
    @classmethod
    def _plausible_birth_date(cls, value: date) -> date:
        if value.year < 1900 or value > date.today():
            raise ValueError("birth date must be between 1900 and today")
        return value

    @field_validator("email")
    @classmethod
    def _email_shape(cls, value: str) -> str:
        if value and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError("email address looks wrong; it should be like name@example.com")
        return value

    @field_validator("phone")
    @classmethod
    def _phone_shape(cls, value: str) -> str:
        return phone_shaped(value, "phone number")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def initials(self) -> str:
        return f"{self.first_name[:1]}{self.last_name[:1]}".upper()


# --- Appointments ------------------------------------------------------------


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CONFIRMED = "confirmed"
    ARRIVED = "arrived"
    IN_ROOM = "in_room"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


S = AppointmentStatus
# Statuses whose appointment still holds its provider and room.
HOLDS_SLOT: frozenset[AppointmentStatus] = frozenset({S.BOOKED, S.CONFIRMED, S.ARRIVED, S.IN_ROOM, S.COMPLETED})
del S


class StatusChange(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    status: AppointmentStatus
    at: AwareDatetime
    by_user_id: UUID
    reason: Annotated[str, Field(max_length=500), MultiLine] = ""


class InvalidTransition(ValueError):
    """An appointment status change the clinic's workflow does not allow."""


class Appointment(Record):
    entity: ClassVar[str] = "appointment"
    location_id: UUID
    client_id: UUID
    provider_id: UUID
    room_id: UUID | None = None
    service_id: UUID
    # The service's name as booked: a later rename of the service does not rewrite the visit
    # ("" on visits booked before it was kept; they show the service's current name).
    service_name: ShortText = ""
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    # The blocked interval, buffers included, is what overlaps are checked on.
    buffer_before_min: int = Field(default=0, ge=0, le=120)
    buffer_after_min: int = Field(default=0, ge=0, le=120)
    status: AppointmentStatus = AppointmentStatus.BOOKED
    history: Annotated[tuple[StatusChange, ...], Field(max_length=1000)] = ()
    notes: Annotated[str, Field(max_length=2000), MultiLine] = ""
    cancel_reason: Annotated[str, Field(max_length=500), MultiLine] = ""
    booked_by: UUID | None = None
    # The service's price when the visit was booked (cents), kept as it was if the price changes later;
    # None on visits booked before the desk recorded prices. A record of the price, not a payment.
    price_cents: int | None = Field(default=None, ge=0, le=10**9)
    # The visits of one series (a booking repeated every N weeks, ``desk.series``) share this id;
    # None for a visit booked on its own.
    series_id: UUID | None = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        if self.ends_at <= self.starts_at:
            raise ValueError("an appointment must end after it starts")
        if self.status is AppointmentStatus.CANCELLED and not self.cancel_reason:
            raise ValueError("a cancellation needs a reason")
        return self

    @property
    def holds_slot(self) -> bool:
        return self.status in HOLDS_SLOT

    def with_status(self, status: AppointmentStatus, *, by_user_id: UUID, at: datetime | None = None,
                    reason: str = "") -> Appointment:
        """The appointment moved to ``status``, with who and when recorded.

        Whether ``status`` may follow the current one is the clinic's rule
        (``medspa_desk.rules.require_transition``); callers check it first.
        """
        if status is AppointmentStatus.CANCELLED and not reason.strip():
            raise InvalidTransition("say why the appointment is cancelled")
        when = at or utc_now()
        change = StatusChange(status=status, at=when, by_user_id=by_user_id, reason=reason)
        return self.model_copy(update={
            "status": status,
            "history": (*self.history, change),
            "cancel_reason": reason if status is AppointmentStatus.CANCELLED else self.cancel_reason,
            "version": self.version + 1,
            "updated_at": when,
        })


def booked_service_name(visit: Appointment, services: Mapping[UUID, Service | str]) -> str:
    """The service as the visit was booked (a later rename does not rewrite it); the current name for
    visits booked before names were kept."""
    if visit.service_name:
        return visit.service_name
    service = services.get(visit.service_id)
    if service is None:
        return "Unknown service"
    return service if isinstance(service, str) else service.name


# --- Waitlist ----------------------------------------------------------------


class WaitlistStatus(StrEnum):
    WAITING = "waiting"
    BOOKED = "booked"  # booked from the waitlist (``visit_id``)
    REMOVED = "removed"  # no longer wanted (``closed_reason``)


MAX_WAITLIST_DAYS = 183


class WaitlistEntry(Record):
    """A client who wants ``service_id`` (with ``provider_id``, or anyone who does it when None) in a window.

    The window is the days ``first_day`` to ``last_day`` (on ``weekdays`` only, when
    any are named, 0 = Monday) and, on each, a visit starting at or after ``earliest``
    and ending by ``latest``, local to the location. A cancellation or a move that
    frees such a time tells the desk that freed it (``desk.waitlist``).
    """

    entity: ClassVar[str] = "waitlist_entry"
    client_id: UUID
    location_id: UUID
    service_id: UUID
    provider_id: UUID | None = None
    first_day: date
    last_day: date
    weekdays: Annotated[tuple[int, ...], Field(max_length=7)] = ()
    earliest: time = time(0)
    latest: time = time(23, 59)
    note: Annotated[str, Field(max_length=500), MultiLine] = ""
    created_by: UUID
    status: WaitlistStatus = WaitlistStatus.WAITING
    visit_id: UUID | None = None
    closed_reason: Annotated[str, Field(max_length=200), OneLine] = ""

    @model_validator(mode="after")
    def _a_real_window(self) -> Self:
        if self.last_day < self.first_day:
            raise ValueError("the last day must be on or after the first day")
        if (self.last_day - self.first_day).days > MAX_WAITLIST_DAYS:
            raise ValueError(f"a waitlist window is at most {MAX_WAITLIST_DAYS} days; add the client again later")
        if any(not 0 <= d <= 6 for d in self.weekdays) or len(set(self.weekdays)) != len(self.weekdays):
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday), each at most once")
        if self.latest <= self.earliest:
            raise ValueError("the latest time must be after the earliest")
        if self.status is WaitlistStatus.BOOKED and self.visit_id is None:
            raise ValueError("an entry booked from the waitlist names its visit")
        return self

    @property
    def waiting(self) -> bool:
        return self.status is WaitlistStatus.WAITING


# --- Intake and consent ------------------------------------------------------


# Bounds on what a signature pad sends: generous for a hand-drawn signature, small enough to store.
MAX_PAD_SIDE = 10_000
MAX_SIGNATURE_STROKES = 200
MAX_SIGNATURE_POINTS = 6_000
PadCoordinate = Annotated[float, Field(ge=-MAX_PAD_SIDE, le=2 * MAX_PAD_SIDE, allow_inf_nan=False)]
# An intake's answers: one per question, each a short value or a short list of them.
MAX_INTAKE_ANSWERS = 300
MAX_ANSWER_KEY = 100
MAX_ANSWER_CHARS = 4_000


def _answers_bounded(answers: dict[str, Any]) -> dict[str, Any]:
    if len(answers) > MAX_INTAKE_ANSWERS:
        raise ValueError(f"an intake holds at most {MAX_INTAKE_ANSWERS} answers")
    for key, value in answers.items():
        if len(key) > MAX_ANSWER_KEY:
            raise ValueError(f"a question id is at most {MAX_ANSWER_KEY} characters")
        if len(json.dumps(value, allow_nan=False, ensure_ascii=False, default=str)) > MAX_ANSWER_CHARS:
            raise ValueError(f"the answer to {key!r} is longer than {MAX_ANSWER_CHARS} characters")
    return answers


IntakeAnswers = Annotated[dict[str, Any], AfterValidator(_answers_bounded)]


class Signature(BaseModel):
    """Pen strokes in the pad's own coordinates: each stroke a list of (x, y) points."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    width: float = Field(gt=0, le=MAX_PAD_SIDE)
    height: float = Field(gt=0, le=MAX_PAD_SIDE)
    strokes: Annotated[tuple[Annotated[tuple[tuple[PadCoordinate, PadCoordinate], ...],
                                       Field(max_length=MAX_SIGNATURE_POINTS)], ...],
                       Field(max_length=MAX_SIGNATURE_STROKES)]

    @field_validator("strokes")
    @classmethod
    def _points_bounded(cls, strokes: tuple[tuple[tuple[float, float], ...], ...]) -> tuple:
        if sum(len(stroke) for stroke in strokes) > MAX_SIGNATURE_POINTS:
            raise ValueError(f"a signature holds at most {MAX_SIGNATURE_POINTS} points; sign again more briefly")
        return strokes

    @property
    def ink_length(self) -> float:
        total = 0.0
        for stroke in self.strokes:
            for (x0, y0), (x1, y1) in pairwise(stroke):
                total += ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
        return total


class IntakeForm(Record):
    """A completed health questionnaire: never edited once submitted; a change is a new form."""

    entity: ClassVar[str] = "intake"
    client_id: UUID
    questionnaire_id: ShortText
    questionnaire_version: int = Field(ge=1)
    answers: IntakeAnswers
    submitted_at: AwareDatetime
    signer_name: ShortText
    signature: Signature | None = None
    content_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]

    def signed_content(self) -> dict[str, Any]:
        return {
            "client_id": str(self.client_id),
            "questionnaire_id": self.questionnaire_id,
            "questionnaire_version": self.questionnaire_version,
            "answers": self.answers,
            "submitted_at": self.submitted_at.isoformat(),
            "signer_name": self.signer_name,
            "signature": self.signature.model_dump(mode="json") if self.signature else None,
        }

    @property
    def is_intact(self) -> bool:
        return content_hash(self.signed_content()) == self.content_sha256


class ConsentTemplate(Record):
    """One version of a consent text. Publishing new text makes a new version; old ones stay."""

    entity: ClassVar[str] = "consent_template"
    key: Annotated[str, Field(pattern=r"^[a-z0-9_]+$", max_length=64)]
    template_version: int = Field(ge=1)
    title: ShortText
    body: Annotated[str, Field(min_length=1, max_length=100_000)]
    requires_witness: bool = False
    published_by: UUID | None = None


class SignedConsent(Record):
    """A consent as signed: it keeps the exact text and version the client agreed to."""

    entity: ClassVar[str] = "consent"
    client_id: UUID
    appointment_id: UUID | None = None
    template_id: UUID
    template_key: ShortText
    template_version: int = Field(ge=1)
    title: ShortText
    body: Annotated[str, Field(min_length=1, max_length=100_000)]
    signer_name: ShortText
    signature: Signature
    signed_at: AwareDatetime
    witness_user_id: UUID | None = None
    witness_name: ShortText = ""
    content_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]

    def signed_content(self) -> dict[str, Any]:
        return {
            "client_id": str(self.client_id),
            "template_key": self.template_key,
            "template_version": self.template_version,
            "title": self.title,
            "body": self.body,
            "signer_name": self.signer_name,
            "signature": self.signature.model_dump(mode="json"),
            "signed_at": self.signed_at.isoformat(),
            "witness_name": self.witness_name,
        }

    @property
    def is_intact(self) -> bool:
        return content_hash(self.signed_content()) == self.content_sha256


# --- Communication preferences and call notes -----------------------------


class ContactChannel(StrEnum):
    CALL = "call"
    SMS = "sms"
    EMAIL = "email"


class ContactPurpose(StrEnum):
    TRANSACTIONAL = "transactional"  # reminders and confirmations of the client's own visits
    MARKETING = "marketing"  # offers, newsletters


class ConsentSource(StrEnum):
    SIGNED_FORM = "signed_form"
    VERBAL_AT_DESK = "verbal_at_desk"
    CLIENT_STOP = "client_stop"  # the client's own "STOP" (or "do not contact me")


class ContactConsent(Record):
    """One entry of a client's communication-preference record (TCPA): never changed, never deleted.

    A client's entries for a channel and purpose are a history; the latest (by ``given_at``, then by id)
    governs. An opt-out is an entry like any other, so it is kept forever.
    """

    entity: ClassVar[str] = "contact_consent"
    client_id: UUID
    channel: ContactChannel
    purpose: ContactPurpose
    agreed: bool
    text_version: Annotated[str, Field(min_length=1, max_length=40), OneLine]  # the consent wording's version
    given_at: AwareDatetime
    given_how: ConsentSource
    recorded_by: UUID
    recorded_by_name: Annotated[str, Field(min_length=1, max_length=200), OneLine]
    note: Annotated[str, Field(max_length=500), OneLine] = ""

    @model_validator(mode="after")
    def _stop_is_an_opt_out(self) -> Self:
        if self.given_how is ConsentSource.CLIENT_STOP and self.agreed:
            raise ValueError("a client's STOP is an opt-out; record it as not agreed")
        return self


class CallNote(Record):
    """A call taken at the desk, from a client (``client_id``) or a new caller; listed until followed up."""

    entity: ClassVar[str] = "call_note"
    client_id: UUID | None = None
    caller_name: Annotated[str, Field(min_length=1, max_length=200), OneLine]
    callback_number: Annotated[str, Field(max_length=40), OneLine] = ""
    reason: Annotated[str, Field(min_length=1, max_length=2000), MultiLine]
    promised: Annotated[str, Field(max_length=2000), MultiLine] = ""
    follow_up_due: AwareDatetime | None = None
    taken_at: AwareDatetime
    taken_by: UUID
    taken_by_name: Annotated[str, Field(min_length=1, max_length=200), OneLine]
    followed_up_at: AwareDatetime | None = None
    followed_up_by: UUID | None = None
    followed_up_by_name: Annotated[str, Field(max_length=200), OneLine] = ""
    follow_up_note: Annotated[str, Field(max_length=2000), MultiLine] = ""

    @field_validator("callback_number")
    @classmethod
    def _number_shape(cls, value: str) -> str:
        return phone_shaped(value, "callback number")

    @property
    def open(self) -> bool:
        return self.followed_up_at is None


# --- Treatments --------------------------------------------------------------


class ProductUnit(StrEnum):
    UNITS = "units"  # neurotoxins
    ML = "mL"  # fillers, IV
    SYRINGE = "syringe"


class Product(Record):
    """An item in the practice's catalog (Botox, Juvederm Ultra XC, …)."""

    entity: ClassVar[str] = "product"
    name: ShortText
    manufacturer: ShortText = ""
    category: ServiceCategory
    unit: ProductUnit
    active: bool = True
    # Charting defaults kept with the product (None on records from before them): the amount a
    # new point starts at, and the most a visit usually takes; above it the injector says why.
    dose_per_point: float | None = Field(default=None, gt=0, le=1000)
    usual_max_per_visit: float | None = Field(default=None, gt=0, le=10_000)


class ProductUse(BaseModel):
    """What went in, from which lot, where."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    product_id: UUID
    product_name: ShortText
    lot: Annotated[str, Field(min_length=1, max_length=64)]
    expiry: date
    amount: float = Field(gt=0, le=1000)
    unit: ProductUnit
    area: ShortText


class ChartView(StrEnum):
    FRONT = "front"
    LEFT = "left"
    RIGHT = "right"


class ChartPoint(BaseModel):
    """A point on the face chart, in 0..1 coordinates of the chosen view."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    view: ChartView
    x: float = Field(ge=0, le=1)
    y: float = Field(ge=0, le=1)
    area: ShortText
    product_id: UUID
    lot: Annotated[str, Field(max_length=64)] = ""
    amount: float = Field(gt=0, le=1000)


class LaserSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    device: ShortText = ""
    wavelength_nm: float | None = Field(default=None, gt=0, le=20_000)
    fluence_j_cm2: float | None = Field(default=None, gt=0, le=1000)
    spot_size_mm: float | None = Field(default=None, gt=0, le=100)
    pulse_ms: float | None = Field(default=None, gt=0, le=10_000)
    pulses: int | None = Field(default=None, ge=0, le=100_000)
    passes: int | None = Field(default=None, ge=0, le=100)
    area: ShortText = ""


class Addendum(BaseModel):
    """A signed, dated correction or note added after a treatment record was signed."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: UUID = Field(default_factory=new_id)
    author_user_id: UUID
    author_name: ShortText
    written_at: AwareDatetime
    text: Annotated[str, Field(min_length=1, max_length=10_000)]
    content_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class TreatmentRecord(Record):
    entity: ClassVar[str] = "treatment"
    client_id: UUID
    appointment_id: UUID | None = None
    provider_id: UUID
    service_id: UUID
    performed_at: AwareDatetime
    products: Annotated[tuple[ProductUse, ...], Field(max_length=200)] = ()
    points: Annotated[tuple[ChartPoint, ...], Field(max_length=2000)] = ()
    laser: Annotated[tuple[LaserSettings, ...], Field(max_length=100)] = ()
    clinical_notes: LongText = ""
    post_care: LongText = ""
    photo_ids: Annotated[tuple[UUID, ...], Field(max_length=500)] = ()
    signed_at: AwareDatetime | None = None
    signed_by: UUID | None = None
    content_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None
    addenda: Annotated[tuple[Addendum, ...], Field(max_length=500)] = ()

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    def signed_content(self) -> dict[str, Any]:
        data = self.model_dump(mode="json", exclude={"version", "seq", "updated_at", "signed_at",
                                                      "signed_by", "content_sha256", "addenda"})
        return data



# --- Photos -------------------------------------------------------------------

MAX_PHOTO_BYTES = 25 * 1024 * 1024
PhotoMediaType = Literal["image/jpeg", "image/png"]
PHOTO_MEDIA_TYPES: tuple[PhotoMediaType, ...] = ("image/jpeg", "image/png")


def photo_media_type(first_bytes: bytes) -> PhotoMediaType | None:
    """'image/jpeg' or 'image/png' read from a photo's first bytes (its magic number); None for anything else.

    The desk checks a file with it before storing it, the server the first chunk of an upload.
    """
    if first_bytes[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if first_bytes[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    return None


class PhotoKind(StrEnum):
    BEFORE = "before"
    AFTER = "after"


class Photo(Record):
    """A before/after photo of a treatment, as it syncs: what it is, never its bytes.

    The bytes travel apart, in chunks (``/api/v1/photos``), and are checked against ``sha256``.
    """

    entity: ClassVar[str] = "photo"
    client_id: UUID
    treatment_id: UUID
    kind: PhotoKind
    media_type: PhotoMediaType
    added_at: AwareDatetime
    size: Annotated[int, Field(ge=1, le=MAX_PHOTO_BYTES)]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


# --- Audit -------------------------------------------------------------------


class AuditAction(StrEnum):
    VIEW = "view"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    SIGN = "sign"
    PRINT = "print"
    EXPORT = "export"
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_OUT = "sign_out"
    LOCK = "lock"
    UNLOCK = "unlock"
    UNLOCK_FAILED = "unlock_failed"
    OVERRIDE = "override"
    RESOLVE_CONFLICT = "resolve_conflict"
    ACCESS_DENIED = "access_denied"
    DEVICE = "device"
    SWITCH = "switch"  # a colleague took over a signed-in workstation (entity_id: who handed it over)


class AuditEvent(BaseModel):
    """Who did what to which record, when: ids only, never PHI values."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: UUID = Field(default_factory=new_id)
    at: AwareDatetime = Field(default_factory=utc_now)
    actor_user_id: UUID | None
    device_id: UUID | None = None
    action: AuditAction
    entity: Annotated[str, Field(max_length=40)] = ""
    entity_id: UUID | None = None
    outcome: Annotated[str, Field(max_length=40)] = "ok"
    # Non-PHI detail only: a reason code, a count, a field *name*.
    detail: Annotated[str, Field(max_length=500)] = ""


# --- Conflict inbox ----------------------------------------------------------


class ConflictKind(StrEnum):
    DOUBLE_BOOKING = "double_booking"
    FIELD_CONFLICT = "field_conflict"
    REJECTED = "rejected"


class Conflict(BaseModel):
    """Something sync could not settle alone; a person picks."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: UUID = Field(default_factory=new_id)
    kind: ConflictKind
    entity: Annotated[str, Field(max_length=40)]
    entity_id: UUID
    mutation_id: UUID | None = None
    reason: Annotated[str, Field(max_length=1000)]
    # For a field conflict: {"field": ..., "mine": ..., "theirs": ...}; for a
    # double booking: the refused booking and the one that holds the slot.
    detail: dict[str, Any] = Field(default_factory=dict)
    created_at: AwareDatetime = Field(default_factory=utc_now)
    resolved_at: AwareDatetime | None = None
    resolution: Annotated[str, Field(max_length=200)] = ""


# --- Compliance evidence ---------------------------------------------------------
# What a practice shows an auditor beside the records it is about (issue 18): disclosures outside
# treatment, payment and operations, right-of-access requests, the risk assessment, business
# associates, policy acknowledgments, incidents and restore drills. Synced like every record.

Line = Annotated[str, Field(min_length=1, max_length=200), OneLine]
Words = Annotated[str, Field(max_length=4000), MultiLine]
NeededWords = Annotated[str, Field(min_length=1, max_length=4000), MultiLine]
ACCESS_DAYS = 30  # 45 CFR 164.524(b)(2): act on a request within 30 days
BREACH_NOTICE_DAYS = 60  # 45 CFR 164.404(b): notify without unreasonable delay, at most 60 days
RISK_REVIEW_DAYS = 365
RESTORE_DRILL_DAYS = 90


class Disclosure(Record):
    """A disclosure of a client's information outside treatment, payment and operations (45 CFR 164.528).

    Append-only: a correction is a new disclosure that says what it corrects.
    """

    entity: ClassVar[str] = "disclosure"
    client_id: UUID
    disclosed_on: date
    recipient: Line
    recipient_address: Annotated[str, Field(min_length=1, max_length=400), MultiLine]
    what: NeededWords  # what was disclosed
    purpose: NeededWords  # or a copy of the written request
    recorded_by: UUID
    recorded_at: AwareDatetime


class AccessRequest(Record):
    """A client's request for their record (45 CFR 164.524): when asked, when due, when delivered."""

    entity: ClassVar[str] = "access_request"
    client_id: UUID
    requested_on: date
    recorded_by: UUID
    delivered_at: AwareDatetime | None = None
    delivered_by: UUID | None = None
    how: Annotated[str, Field(max_length=200), OneLine] = ""  # "PDF and FHIR bundle"

    @property
    def due_on(self) -> date:
        return self.requested_on + timedelta(days=ACCESS_DAYS)


class Level(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


LEVEL_RANK = {Level.LOW: 1, Level.MEDIUM: 2, Level.HIGH: 3}


class AssetKind(StrEnum):
    WORKSTATION = "workstation"
    SERVER = "server"
    OTHER = "other"


class RiskItem(BaseModel):
    """One asset's risk: what could go wrong, what is in place, how likely and how bad, what is done."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)
    asset: Line
    asset_kind: AssetKind = AssetKind.OTHER
    threats: NeededWords
    vulnerabilities: Words = ""
    controls: Words = ""
    likelihood: Level
    impact: Level
    treatment: Words = ""  # what will be done (reduce, accept, transfer, avoid)
    owner: Annotated[str, Field(max_length=200), OneLine] = ""
    due_on: date | None = None
    residual: Level | None = None

    @property
    def risk_level(self) -> Level:
        """Likelihood times impact, on the three-step scale: high if either is high and the other not low."""
        score = LEVEL_RANK[self.likelihood] * LEVEL_RANK[self.impact]
        return Level.HIGH if score >= 6 else Level.MEDIUM if score >= 3 else Level.LOW


class RiskAssessment(Record):
    """The practice's dated risk assessment (45 CFR 164.308(a)(1)(ii)(A)); a new one each year."""

    entity: ClassVar[str] = "risk_assessment"
    assessed_on: date
    assessed_by: UUID
    items: Annotated[tuple[RiskItem, ...], Field(min_length=1, max_length=300)]

    @property
    def review_by(self) -> date:
        return self.assessed_on + timedelta(days=RISK_REVIEW_DAYS)


class BusinessAssociate(Record):
    """A vendor that handles client information for the practice, and its BAA (45 CFR 164.502(e))."""

    entity: ClassVar[str] = "business_associate"
    vendor: Line
    service: Line
    baa_signed_on: date | None = None
    baa_expires_on: date | None = None
    ended: bool = False  # no longer a vendor (kept: the record of who had access)

    @model_validator(mode="after")
    def _expires_after_signing(self) -> Self:
        if self.baa_signed_on and self.baa_expires_on and self.baa_expires_on < self.baa_signed_on:
            raise ValueError("the agreement cannot expire before it was signed")
        return self


class PolicyKind(StrEnum):
    TRAINING = "training"
    SECURITY_POLICY = "security_policy"
    SANCTION_POLICY = "sanction_policy"


class PolicyAcknowledgment(Record):
    """One person's signed acknowledgment of a policy or training, at a version, at a time."""

    entity: ClassVar[str] = "acknowledgment"
    user_id: UUID
    kind: PolicyKind
    policy_version: Annotated[str, Field(min_length=1, max_length=40), OneLine]
    text_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    acknowledged_at: AwareDatetime
    typed_name: Line  # the person types their name: their signature


class BreachFinding(StrEnum):
    NOT_ASSESSED = "not_assessed"
    NOT_A_BREACH = "not_a_breach"  # low probability of compromise, by the four-factor assessment
    BREACH = "breach"


class Incident(Record):
    """A security incident (45 CFR 164.308(a)(6)) and its breach assessment; the 60-day clock runs from discovery."""

    entity: ClassVar[str] = "incident"
    what: NeededWords
    discovered_at: AwareDatetime
    reported_by: Line  # who noticed it (a person's name, not necessarily a user)
    recorded_by: UUID
    phi_involved: bool
    finding: BreachFinding = BreachFinding.NOT_ASSESSED
    assessment: Words = ""  # the four factors: what, who received it, was it viewed, mitigated
    notified_on: date | None = None
    closed: bool = False

    @property
    def notify_by(self) -> datetime:
        return self.discovered_at + timedelta(days=BREACH_NOTICE_DAYS)


class RestoreDrill(Record):
    """A ``medspa-api restore-check`` run, recorded by the server for each practice it checked."""

    entity: ClassVar[str] = "restore_drill"
    checked_at: AwareDatetime
    ok: bool
    report: Annotated[str, Field(max_length=20_000)]


SYNCED_RECORDS: dict[str, type[Record]] = {
    cls.entity: cls
    for cls in (User, Location, Provider, Shift, Room, Service, Client, Appointment, IntakeForm,
                ConsentTemplate, SignedConsent, Product, TreatmentRecord, BlockedTime, Disclosure, AccessRequest,
                RiskAssessment, BusinessAssociate, PolicyAcknowledgment, Incident, RestoreDrill, ContactConsent,
                CallNote, WaitlistEntry, Photo)
}
