"""Communication preferences with their record (TCPA), and the calls taken at the desk.

Preferences: per client, per channel (call, text, email) and purpose
(transactional: the client's own visits; marketing: offers), each entry says
yes or no, the version of the wording the client agreed to, when and how it
was given (a signed form, said at the desk, the client's own "STOP") and who
recorded it. Entries are never changed or removed; the latest one (by when it
was given) governs, so an opt-out takes effect at once and stays on the record
for good. Where a client has no entry yet, the yes/no for texts and emails
taken when they were added (``Client.sms_opt_in``, ``email_opt_in``) stands
for transactional messages, a call about their own visit needs only a phone
number, and marketing needs an entry that says yes.

Every list that says how a client may be reached asks ``may_contact`` (the
confirmation calls, their printed list).

Call notes: a call logged against a client or a new caller (name, callback
number, reason, what was promised, when to call back), audited, kept in the
encrypted store and synced; listed in "Calls to return" until someone marks
it followed up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from pydantic import ValidationError

from medspa_desk.desk.errors import DeskRefusal
from medspa_desk.protocol import CallFollowUp
from medspa_desk.records import (
    CallNote,
    Client,
    ConsentSource,
    ContactChannel,
    ContactConsent,
    ContactPurpose,
    utc_now,
)
from medspa_desk.rules import UseCase
from medspa_desk.store import Changes, Store
from medspa_desk.store.actor import Actor

# The desk's own wording of what a client agrees to, and its version (recorded with every entry). A
# practice that publishes its own wording as the consent template "contact_preferences" has its
# version recorded instead ("contact_preferences v3").
CONSENT_TEMPLATE_KEY = "contact_preferences"
BUILT_IN_VERSION = "desk-2026-1"
BUILT_IN_WORDING = {
    ContactPurpose.TRANSACTIONAL: "The practice may contact me by this channel about my own appointments "
                                  "(reminders, confirmations, changes). I can say STOP at any time.",
    ContactPurpose.MARKETING: "The practice may send me offers and news by this channel. Agreeing is not a "
                              "condition of any purchase. I can say STOP at any time.",
}
CHANNEL_WORDS = {ContactChannel.CALL: "calls", ContactChannel.SMS: "texts", ContactChannel.EMAIL: "emails"}
PURPOSE_WORDS = {ContactPurpose.TRANSACTIONAL: "about visits", ContactPurpose.MARKETING: "offers and news"}
HOW_WORDS = {ConsentSource.SIGNED_FORM: "signed form", ConsentSource.VERBAL_AT_DESK: "said at the desk",
             ConsentSource.CLIENT_STOP: "client's own STOP"}
# How a list names a way to reach a client (the confirmation calls say "call", "text", "email").
REACH_WORDS = {ContactChannel.CALL: "call", ContactChannel.SMS: "text", ContactChannel.EMAIL: "email"}
# A preference given "now" on a desk whose clock runs a little ahead of the server's is still now.
FUTURE_SLACK = timedelta(minutes=5)


class PreferenceRefused(DeskRefusal):
    """The preference was not recorded; the message says what to fix."""


class CallRefused(DeskRefusal):
    """The call note was not saved; the message says what to fix."""


@dataclass(frozen=True)
class Preference:
    """What governs one channel and purpose for a client now, and the entry it comes from (if any)."""

    channel: ContactChannel
    purpose: ContactPurpose
    agreed: bool
    entry: ContactConsent | None  # None: nothing recorded yet; ``agreed`` is the default said above

    @property
    def words(self) -> str:
        if self.entry is None:
            return "yes (nothing recorded yet)" if self.agreed else "no (nothing recorded yet)"
        return "yes" if self.agreed else "no"


def consent_text_version(store: Store) -> str:
    """The version of the wording a client agrees to now: the practice's own, or the desk's."""
    published = store.consent_templates(CONSENT_TEMPLATE_KEY)
    return f"{CONSENT_TEMPLATE_KEY} v{published[0].template_version}" if published else BUILT_IN_VERSION


def staff_name(store: Store, actor: Actor) -> str:
    """The acting person's name as the record shows it."""
    return next((u.display_name for u in store.users() if u.id == actor.user_id),
                actor.role.value.replace("_", " ").capitalize())


def record_contact_preference(store: Store, *, actor: Actor, client_id: UUID, channel: ContactChannel,
                              purpose: ContactPurpose, agreed: bool, how: ConsentSource,
                              given_at: datetime | None = None, note: str = "",
                              now: datetime | None = None) -> Changes:
    """Add one entry to the client's record (it takes effect at once, on every list); synced after."""
    store.permit(actor, UseCase.RECORD_CONTACT_PREFERENCE, entity=Client.entity, entity_id=client_id)
    now = now or utc_now()
    given_at = given_at or now
    if given_at > now + FUTURE_SLACK:
        _refused(store, actor, client_id, "future")
        raise PreferenceRefused("The time the client gave this is in the future; enter when they said it "
                                "or signed, today or earlier.")
    try:
        entry = ContactConsent(client_id=client_id, channel=channel, purpose=purpose, agreed=agreed,
                               text_version=consent_text_version(store), given_at=given_at, given_how=how,
                               recorded_by=actor.user_id, recorded_by_name=staff_name(store, actor), note=note)
    except ValidationError as exc:
        _refused(store, actor, client_id, "invalid")
        raise PreferenceRefused(_first_problem(exc, {"note": "The note"})) from None
    return store.record_contact_consent(entry, actor=actor)


def contact_history(store: Store, *, actor: Actor, client_id: UUID) -> tuple[ContactConsent, ...]:
    """Every entry of the client's record, newest first (audited)."""
    store.permit(actor, UseCase.RECORD_CONTACT_PREFERENCE, entity=Client.entity, entity_id=client_id)
    return tuple(sorted(store.contact_consents_for([client_id], actor=actor), key=_order, reverse=True))


def governing(client: Client, entries: Iterable[ContactConsent]) -> dict[tuple[ContactChannel, ContactPurpose],
                                                                        Preference]:
    """For each channel and purpose, what governs now: the latest entry, or the default without one."""
    latest: dict[tuple[ContactChannel, ContactPurpose], ContactConsent] = {}
    for entry in sorted((e for e in entries if e.client_id == client.id), key=_order):
        latest[entry.channel, entry.purpose] = entry
    found: dict[tuple[ContactChannel, ContactPurpose], Preference] = {}
    for channel in ContactChannel:
        for purpose in ContactPurpose:
            kept = latest.get((channel, purpose))
            agreed = kept.agreed if kept is not None else _default(client, channel, purpose)
            found[channel, purpose] = Preference(channel=channel, purpose=purpose, agreed=agreed, entry=kept)
    return found


def may_contact(client: Client, entries: Iterable[ContactConsent], *,
                purpose: ContactPurpose = ContactPurpose.TRANSACTIONAL) -> tuple[str, ...]:
    """The ways the client may be reached for ``purpose`` ("call", "text", "email"), in that order.

    A way needs its number or address on file and the client's yes (see the module's note).
    """
    now = governing(client, entries)
    on_file = {ContactChannel.CALL: bool(client.phone), ContactChannel.SMS: bool(client.phone),
               ContactChannel.EMAIL: bool(client.email)}
    return tuple(REACH_WORDS[channel] for channel in ContactChannel
                 if on_file[channel] and now[channel, purpose].agreed)


def preferences_of(store: Store, *, actor: Actor, client_id: UUID
                   ) -> tuple[dict[tuple[ContactChannel, ContactPurpose], Preference], tuple[ContactConsent, ...]]:
    """What governs each channel and purpose for the client now, and every entry newest first (the
    profile's tab; the client's record and their preferences each read once, audited)."""
    store.permit(actor, UseCase.RECORD_CONTACT_PREFERENCE, entity=Client.entity, entity_id=client_id)
    client = store.client(client_id, actor=actor)
    entries = store.contact_consents_for([client_id], actor=actor)
    return governing(client, entries), tuple(sorted(entries, key=_order, reverse=True))


def _default(client: Client, channel: ContactChannel, purpose: ContactPurpose) -> bool:
    if purpose is ContactPurpose.MARKETING:
        return False
    return {ContactChannel.CALL: True, ContactChannel.SMS: client.sms_opt_in,
            ContactChannel.EMAIL: client.email_opt_in}[channel]


def _order(entry: ContactConsent) -> tuple[datetime, str]:
    return (entry.given_at, str(entry.id))


# --- call notes ----------------------------------------------------------------------------------


def log_call(store: Store, *, actor: Actor, caller_name: str, reason: str, client_id: UUID | None = None,
             callback_number: str = "", promised: str = "", follow_up_due: datetime | None = None,
             now: datetime | None = None) -> Changes:
    """Log a call taken now, from a client on file (``client_id``) or a new caller; synced after."""
    store.permit(actor, UseCase.LOG_CALL, entity=CallNote.entity)
    now = now or utc_now()
    if follow_up_due is not None and follow_up_due < now - FUTURE_SLACK:
        _refused(store, actor, None, "due_in_past", entity=CallNote.entity)
        raise CallRefused("The call-back time has already passed; choose a time from now on, or leave it empty.")
    try:
        note = CallNote(client_id=client_id, caller_name=caller_name, callback_number=callback_number,
                        reason=reason, promised=promised, follow_up_due=follow_up_due, taken_at=now,
                        taken_by=actor.user_id, taken_by_name=staff_name(store, actor))
    except ValidationError as exc:
        _refused(store, actor, None, "invalid", entity=CallNote.entity)
        raise CallRefused(_first_problem(exc, CALL_FIELDS)) from None
    return store.log_call(note, actor=actor)


CALL_FIELDS = {"caller_name": "The caller's name", "callback_number": "The callback number",
               "reason": "The reason for the call", "promised": "What was promised"}


def calls_to_return(store: Store, *, actor: Actor) -> tuple[CallNote, ...]:
    """Calls not yet followed up, the first due first (audited)."""
    store.permit(actor, UseCase.FOLLOW_UP_CALL, entity=CallNote.entity)
    return tuple(store.open_calls(actor=actor))


def mark_followed_up(store: Store, *, actor: Actor, call_id: UUID, note: str = "",
                     now: datetime | None = None) -> Changes:
    """The caller was called back: the call leaves the list, with who, when and what came of it."""
    store.permit(actor, UseCase.FOLLOW_UP_CALL, entity=CallNote.entity, entity_id=call_id)
    try:
        follow_up = CallFollowUp(at=now or utc_now(), note=note, by_name=staff_name(store, actor))
    except ValidationError:
        _refused(store, actor, call_id, "invalid", entity=CallNote.entity)
        raise CallRefused("What came of the call is longer than 2,000 characters; shorten it.") from None
    return store.follow_up_call(call_id, follow_up, actor=actor)


def _refused(store: Store, actor: Actor, entity_id: UUID | None, code: str, *, entity: str = Client.entity) -> None:
    store.note_refused_step(actor, entity=entity, entity_id=entity_id, detail=code)


def _first_problem(exc: ValidationError, names: dict[str, str]) -> str:
    """The first bad field in plain words, and what to do ("The callback number should have 7 to 15 digits")."""
    error = exc.errors()[0]
    message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    loc = error.get("loc", ())
    if not loc:  # a rule across fields ("a client's STOP is an opt-out")
        return f"{message[:1].upper()}{message[1:]}."
    field = str(loc[0])
    what = names.get(field, field.replace("_", " ").capitalize())
    kind = error.get("type", "")
    if kind == "string_too_short":
        return f"{what} is empty; fill it in."
    if kind == "string_too_long":
        return f"{what} is too long (at most {error.get('ctx', {}).get('max_length')} characters); shorten it."
    return f"{what}: {message}; correct it and save again."
