"""How each record becomes a row: its JSON plus the columns queries use.

One place for this mapping, shared by desk writes, bulk import and pulled
changes, so the indexed columns can never drift from the record they mirror.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

from medspa_desk.records import (
    AccessRequest,
    Appointment,
    BlockedTime,
    BusinessAssociate,
    CallNote,
    Client,
    ConsentTemplate,
    ContactConsent,
    Disclosure,
    Incident,
    IntakeForm,
    Location,
    Photo,
    PolicyAcknowledgment,
    Product,
    Provider,
    Record,
    RestoreDrill,
    RiskAssessment,
    Room,
    Service,
    Shift,
    SignedConsent,
    TreatmentRecord,
    User,
    WaitlistEntry,
    phone_digits,
)

REFERENCE_TYPES: tuple[type[Record], ...] = (Location, Provider, Shift, Room, Service, Product,
                                              ConsentTemplate, User, BlockedTime)
EVIDENCE_TYPES: tuple[type[Record], ...] = (Disclosure, AccessRequest, RiskAssessment, BusinessAssociate,
                                             PolicyAcknowledgment, Incident, RestoreDrill)


def epoch(instant: datetime) -> int:
    return int(instant.timestamp())


# eq=False: tables are module constants compared by identity, and a bulk load
# looks each record's table up in a dict (identity hashing is much cheaper).
@dataclass(frozen=True, eq=False)
class Table:
    name: str
    columns: tuple[str, ...]
    to_row: Callable[[Any], tuple[Any, ...]]

    @property
    def upsert_sql(self) -> str:
        names = ", ".join(self.columns)
        marks = ", ".join("?" for _ in self.columns)
        updates = ", ".join(f"{c} = excluded.{c}" for c in self.columns if c != "id")
        # Table and column names are this module's constants, never input.
        return (f"INSERT INTO {self.name} ({names}) VALUES ({marks}) "  # noqa: S608
                f"ON CONFLICT(id) DO UPDATE SET {updates}")


def record_json(record: Record) -> str:
    """The record as JSON, exactly what ``model_dump_json()`` gives.

    Calls the model's compiled serializer directly: the ``model_dump_json``
    wrapper costs as much again in argument handling, which a bulk load of
    hundreds of thousands of records pays on every one.
    """
    return type(record).__pydantic_serializer__.to_json(record).decode()


_ID_FIRST = '{"id":"'


def id_and_json(record: Record) -> tuple[str, str]:
    """The record's id as text and its JSON, the id read from the JSON's start.

    ``Record`` declares ``id`` first, so the serializer writes ``{"id":"`` and
    then exactly ``str(record.id)`` (36 characters); slicing it out saves a
    UUID-to-text conversion per record (a tenth of a bulk load's Python time).
    Anything else falls back to ``str``.
    """
    text = record_json(record)
    if text.startswith(_ID_FIRST):
        return text[7:43], text
    return str(record.id), text


_CLIENT_KEY = '"client_id":"'


def client_id_text(text: str, record: Any) -> str:
    """The record's ``client_id`` as text, read from its JSON ``text``.

    Like the id in :func:`id_and_json`: a UUID-to-text conversion per row
    saved. Every kind with a ``client_id`` declares it right after the
    ``Record`` fields (ids, numbers and instants, never a nested object that
    could hold a key of that name), so the first ``"client_id":"`` after the
    id is the record's own (a test checks every kind). A JSON string cannot
    hold that sequence: its quotes would be escaped. Not found: ``str``.
    """
    at = text.find(_CLIENT_KEY, 43)
    if at < 0:
        return str(record.client_id)
    at += len(_CLIENT_KEY)
    return text[at:at + 36]


# Locations, providers and rooms repeat on every appointment of a bulk load;
# their text form is worth remembering (a few thousand ids at most).
_place_text: Callable[[UUID], str] = lru_cache(maxsize=4096)(str)


def _reference_row(record: Record) -> tuple[Any, ...]:
    record_id, text = id_and_json(record)
    return (record_id, record.entity, record.version, record.seq, text)


def _client_row(c: Client) -> tuple[Any, ...]:
    client_id, text = id_and_json(c)
    return (client_id, c.version, c.seq, c.first_name, c.last_name, c.preferred_name,
            c.birth_date.isoformat(), c.phone, phone_digits(c.phone), c.email, c.address,
            int(c.deleted), text)


def _appointment_row(a: Appointment) -> tuple[Any, ...]:
    # The blocked interval is scheduling.blocked_interval in epoch seconds:
    # starts_at minus the buffer before, ends_at plus the buffer after. Whole
    # minutes subtract exactly from the truncated epoch, so this equals
    # epoch(blocked_interval(a)[0]) / [1] without building two datetimes.
    starts = epoch(a.starts_at)
    room = a.room_id
    appt_id, text = id_and_json(a)
    return (appt_id, a.version, a.seq, _place_text(a.location_id), client_id_text(text, a),
            _place_text(a.provider_id), _place_text(room) if room else None, a.status.value,
            int(a.holds_slot), starts, starts - 60 * a.buffer_before_min,
            epoch(a.ends_at) + 60 * a.buffer_after_min, text)


def _intake_row(f: IntakeForm) -> tuple[Any, ...]:
    form_id, text = id_and_json(f)
    return (form_id, f.version, f.seq, client_id_text(text, f), epoch(f.submitted_at), text)


def _consent_row(c: SignedConsent) -> tuple[Any, ...]:
    consent_id, text = id_and_json(c)
    return (consent_id, c.version, c.seq, client_id_text(text, c), c.template_key,
            epoch(c.signed_at), text)


def _treatment_row(t: TreatmentRecord) -> tuple[Any, ...]:
    treatment_id, text = id_and_json(t)
    return (treatment_id, t.version, t.seq, client_id_text(text, t), int(t.is_signed),
            epoch(t.performed_at), text)


def _evidence_row(record: Record) -> tuple[Any, ...]:
    record_id, text = id_and_json(record)
    client = getattr(record, "client_id", None)
    return (record_id, record.entity, record.version, record.seq, str(client) if client else None, text)


def _contact_consent_row(c: ContactConsent) -> tuple[Any, ...]:
    consent_id, text = id_and_json(c)
    return (consent_id, c.version, c.seq, client_id_text(text, c), c.channel.value, c.purpose.value,
            epoch(c.given_at), text)


def _call_note_row(n: CallNote) -> tuple[Any, ...]:
    note_id, text = id_and_json(n)
    return (note_id, n.version, n.seq, str(n.client_id) if n.client_id else "", int(n.open),
            epoch(n.follow_up_due) if n.follow_up_due else None, epoch(n.taken_at), text)


def _waitlist_row(w: WaitlistEntry) -> tuple[Any, ...]:
    entry_id, text = id_and_json(w)
    return (entry_id, w.version, w.seq, client_id_text(text, w), _place_text(w.location_id), w.status.value, text)


def _photo_row(p: Photo) -> tuple[Any, ...]:
    photo_id, text = id_and_json(p)
    return (photo_id, p.version, p.seq, client_id_text(text, p), str(p.treatment_id), text)


REFERENCE = Table("reference", ("id", "entity", "version", "seq", "data"), _reference_row)
CLIENTS = Table("clients", ("id", "version", "seq", "first_name", "last_name", "preferred_name",
                            "birth_date", "phone", "phone_digits", "email", "address", "deleted",
                            "data"),
                _client_row)
APPOINTMENTS = Table("appointments", ("id", "version", "seq", "location_id", "client_id",
                                      "provider_id", "room_id", "status", "holds_slot",
                                      "starts_at", "blocked_start", "blocked_end", "data"),
                     _appointment_row)
INTAKES = Table("intakes", ("id", "version", "seq", "client_id", "at", "data"), _intake_row)
CONSENTS = Table("consents", ("id", "version", "seq", "client_id", "template_key", "at", "data"),
                 _consent_row)
TREATMENTS = Table("treatments", ("id", "version", "seq", "client_id", "signed", "at", "data"),
                   _treatment_row)
CONTACT_CONSENTS = Table("contact_consents", ("id", "version", "seq", "client_id", "channel", "purpose", "at",
                                              "data"), _contact_consent_row)
CALL_NOTES = Table("call_notes", ("id", "version", "seq", "client_id", "open", "due", "at", "data"), _call_note_row)

EVIDENCE = Table("evidence", ("id", "entity", "version", "seq", "client_id", "data"), _evidence_row)

PHOTOS = Table("photo_records", ("id", "version", "seq", "client_id", "treatment_id", "data"), _photo_row)

WAITLIST = Table("waitlist", ("id", "version", "seq", "client_id", "location_id", "status", "data"), _waitlist_row)

TABLE_FOR_ENTITY: dict[str, Table] = {
    **{cls.entity: REFERENCE for cls in REFERENCE_TYPES},
    **{cls.entity: EVIDENCE for cls in EVIDENCE_TYPES},
    Client.entity: CLIENTS,
    Appointment.entity: APPOINTMENTS,
    IntakeForm.entity: INTAKES,
    SignedConsent.entity: CONSENTS,
    TreatmentRecord.entity: TREATMENTS,
    ContactConsent.entity: CONTACT_CONSENTS,
    CallNote.entity: CALL_NOTES,
    WaitlistEntry.entity: WAITLIST,
    Photo.entity: PHOTOS,
}


def table_for(record: Record) -> Table:
    return table_for_kind(type(record))


def table_for_kind(kind: type[Record]) -> Table:
    try:
        return TABLE_FOR_ENTITY[kind.entity]
    except (KeyError, AttributeError):
        raise TypeError(f"no table for records of kind {kind.__name__}") from None
