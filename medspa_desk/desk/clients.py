"""Clients: add one, change their details (and see who changed what), give them a copy of their record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from medspa_desk.compliance.right_of_access import export_right_of_access
from medspa_desk.desk.errors import DeskRefusal
from medspa_desk.desk.evidence import access_delivered, open_access_request
from medspa_desk.records import Client, Location
from medspa_desk.rules import UseCase
from medspa_desk.store import Changes, ClientHit, Store
from medspa_desk.store.actor import Actor


class PossibleDuplicate(DeskRefusal):
    """Clients on file look like the one being added; nothing was saved. Choose one, or add anyway."""

    def __init__(self, matches: tuple[DuplicateMatch, ...]) -> None:
        self.matches = matches
        super().__init__("This client may already be on file (same "
                         + " or ".join(dict.fromkeys(w for m in matches for w in m.why))
                         + "). Use the client on file, or press “Add as new client” if this is a different person.")


@dataclass(frozen=True)
class DuplicateMatch:
    """A client on file that looks like the new one, and what matched (never shown in the message itself)."""

    client: ClientHit
    why: tuple[str, ...]


def refuse_possible_duplicate(store: Store, client: Client) -> None:
    """Raise ``PossibleDuplicate`` when a client on file has the same name and birth date, phone or email."""
    matches = tuple(DuplicateMatch(client=hit, why=why) for hit, why in store.possible_duplicates(client))
    if matches:
        raise PossibleDuplicate(matches)


def add_client(store: Store, *, actor: Actor, client: Client, not_a_duplicate: bool = False) -> Changes:
    """Add ``client``; one who looks like a client on file is asked about first (``not_a_duplicate`` goes ahead)."""
    store.permit(actor, UseCase.ADD_CLIENT, entity=Client.entity, entity_id=client.id)
    if not not_a_duplicate:
        refuse_possible_duplicate(store, client)
    return store.create_client(client, actor=actor)


# The client's details as the desk names them (the edit form's labels and the change history's words).
CLIENT_FIELDS: dict[str, str] = {
    "first_name": "First name", "last_name": "Last name", "preferred_name": "Preferred name",
    "birth_date": "Date of birth", "phone": "Phone", "email": "Email", "address": "Address",
    "emergency_contact": "Emergency contact", "allergies": "Allergies", "alerts": "Alerts",
    "notes": "Desk notes", "sms_opt_in": "Texts", "email_opt_in": "Emails",
}


def change_client(store: Store, *, actor: Actor, client_id: UUID, changes: dict[str, Any]) -> Changes:
    """Change some of the client's details; only the fields changed travel (the server merges field by field)."""
    store.permit(actor, UseCase.CHANGE_CLIENT, entity=Client.entity, entity_id=client_id)
    return store.update_client(client_id, changes, actor=actor)


def client_field_problems(client: Client, changes: dict[str, Any]) -> dict[str, str]:
    """What is wrong with each changed field, in plain words, keyed by field (empty when all is well).

    Never repeats the value typed: a message says what the field needs.
    """
    try:
        Client.model_validate({**client.to_json(), **changes})
    except ValidationError as exc:
        problems: dict[str, str] = {}
        for error in exc.errors(include_input=False, include_url=False):
            field = str(error.get("loc", ("",))[0])
            problems.setdefault(field, _field_message(field, error))
        return problems
    return {}


def _field_message(field: str, error: Any) -> str:
    label = CLIENT_FIELDS.get(field, field.replace("_", " ").capitalize())
    kind = str(error.get("type", ""))
    if kind == "string_too_short":
        return f"{label} cannot be empty."
    if kind == "string_too_long":
        return f"{label} is too long: keep it under {error.get('ctx', {}).get('max_length', 'the limit')} characters."
    message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    return f"{label}: {message}."


@dataclass(frozen=True)
class ClientChangeNote:
    """One change to a client's details, from this desk's audit trail: when, by whom, which fields (never values)."""

    at: datetime
    by: str
    fields: tuple[str, ...]


def client_change_history(store: Store, *, client_id: UUID, limit: int = 20) -> tuple[ClientChangeNote, ...]:
    """Who changed which of the client's details and when, newest first, in the desk's words."""
    names = {user.id: user.display_name for user in store.users()}
    notes = []
    for event in store.client_updates(client_id, limit=limit):
        fields = tuple(CLIENT_FIELDS.get(f, f.replace("_", " ")) for f in
                       event.detail.removeprefix("fields: ").split(",") if f)
        who = names.get(event.actor_user_id, "Someone no longer on this desk") if event.actor_user_id else "The desk"
        notes.append(ClientChangeNote(at=event.at, by=who, fields=fields))
    return tuple(notes)


def fhir_path_beside(pdf_path: Path) -> Path:
    """Where the electronic copy goes: beside the readable one, ``record.pdf`` → ``record.fhir.json``."""
    return pdf_path.with_name(f"{pdf_path.stem}.fhir.json")


def export_client_record(store: Store, *, actor: Actor, client_id: UUID, location: Location,
                         pdf_path: Path) -> tuple[Path, Path]:
    """The client's whole record for a records request (HIPAA right of access): a readable PDF at
    ``pdf_path`` and an HL7 FHIR R4 bundle beside it; each written atomically (0600) and audited."""
    store.permit(actor, UseCase.EXPORT_CLIENT_RECORD, entity=Client.entity, entity_id=client_id)
    written = export_right_of_access(store, client_id=client_id, actor=actor, location=location,
                                     pdf_path=pdf_path, fhir_path=fhir_path_beside(pdf_path))
    request = open_access_request(store, client_id)
    if request is not None:  # the client's request for their record is answered: its delivery is audited
        access_delivered(store, actor=actor, request=request, how="readable PDF and FHIR R4 bundle")
    return written
