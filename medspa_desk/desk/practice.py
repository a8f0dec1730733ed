"""The practice's set-up: locations, providers, shifts, rooms, services, products (managers and admins).

The Manager screens and the first-run assistant hand ``save_setup`` what a
person typed, field by field; it reads it (times, prices, lists), checks it with
the same record models the server and ``medspa-api import-setup`` use, and
either saves it (audited, queued for the server) or refuses it with a plain
message per field (the refusal audited too). Nothing a visit refers to is ever
deleted: rooms, providers, services and products are deactivated. A visit keeps
the service name it was booked with (``Appointment.service_name``), so a rename
never rewrites history.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from medspa_desk.desk.errors import DeskRefusal
from medspa_desk.documents.consents import latest_templates
from medspa_desk.records import (
    WEEKDAYS,
    ConsentTemplate,
    Location,
    Product,
    Provider,
    Record,
    Role,
    Room,
    Service,
    Shift,
    parse_span,
)
from medspa_desk.rules import UseCase
from medspa_desk.store import Changes, InvalidChange, Store
from medspa_desk.store.actor import Actor

SETUP_RECORDS: dict[str, type[Record]] = {
    "location": Location,
    "room": Room,
    "provider": Provider,
    "service": Service,
    "product": Product,
}
# What each field is called on the screens: the refusal names the field the way the form does.
LABELS: dict[str, str] = {
    "name": "Name",
    "display_name": "Name",
    "address": "Address",
    "phone": "Phone",
    "time_zone": "Time zone",
    "opening_hours": "Opening hours",
    "idle_lock_minutes": "Lock after idle (minutes)",
    "intake_valid_months": "Health questionnaire good for (months)",
    "location_id": "Location",
    "kind": "Kind",
    "credentials": "Credentials",
    "color": "Colour",
    "user_id": "Staff account",
    "category": "Category",
    "duration_min": "Duration (minutes)",
    "buffer_before_min": "Buffer before (minutes)",
    "buffer_after_min": "Buffer after (minutes)",
    "room_kinds": "Room kinds",
    "provider_kinds": "Provider kinds",
    "consents": "Required consents",
    "consent_valid_days": "Consent good for (days)",
    "requires_intake": "Health questionnaire",
    "price": "Price",
    "manufacturer": "Manufacturer",
    "unit": "Unit",
    "dose_per_point": "Default dose per point",
    "usual_max_per_visit": "Usual maximum per visit",
    **{f"hours_{day}": day.capitalize() for day in WEEKDAYS},
    **{f"shift_{day}": day.capitalize() for day in WEEKDAYS},
}
NAME_FIELD = {"provider": "display_name"}
# What the server owns (never typed), and the fields a form types as text that ``_fields`` reads.
SERVER_FIELDS = frozenset({"id", "version", "seq", "updated_at"})
READ_FROM_TEXT = frozenset({"opening_hours", "consents", "room_kinds", "price_cents"})
MAX_PRICE_CENTS = 10**9


class SetupRefused(DeskRefusal):
    """What was typed cannot be saved; ``by_field`` says what is wrong with each field and what to do."""

    def __init__(self, by_field: Mapping[str, str]) -> None:
        self.by_field = dict(by_field)
        said = "; ".join(f"{LABELS.get(k, k)}: {v}" for k, v in self.by_field.items())
        super().__init__(f"Nothing was saved. Check these and save again — {said}")


def span_text(starts: time, ends: time) -> str:
    return f"{starts:%H:%M}-{ends:%H:%M}"


def price_text(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


# --- reading a form -----------------------------------------------------------------------------

SPAN_HINT = 'Type the hours as "09:00-17:00", or leave it empty for closed.'


def _week(
    form: Mapping[str, Any], prefix: str, problems: dict[str, str]
) -> dict[int, tuple[time, time]]:
    week: dict[int, tuple[time, time]] = {}
    for index, day in enumerate(WEEKDAYS):
        text = str(form.get(f"{prefix}_{day}", "") or "").strip()
        if not text or text.lower() == "closed":
            continue
        span = parse_span(text)
        if span is None:
            problems[f"{prefix}_{day}"] = SPAN_HINT
        elif span[1] <= span[0]:
            problems[f"{prefix}_{day}"] = "The closing time must be after the opening time."
        else:
            week[index] = span
    return week


def _number(text: Any, key: str, problems: dict[str, str], *, whole: bool = True) -> Any:
    if isinstance(text, int | float) and not isinstance(text, bool):
        return text
    text = str(text or "").strip().removeprefix("$").replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        problems[key] = "Type a number." if not whole else "Type a whole number."
        return None
    if not value.is_finite() or (whole and value != value.to_integral_value()):
        problems[key] = "Type a whole number." if whole else "Type a number."
        return None
    return int(value) if whole else float(value)


def _fields(entity: str, form: Mapping[str, Any], problems: dict[str, str]) -> dict[str, Any]:
    """What was typed as the record's fields (times, prices and lists read here, checked by the model)."""
    model = SETUP_RECORDS[entity]
    fields: dict[str, Any] = {}
    for key, value in form.items():
        if key in model.model_fields and key not in SERVER_FIELDS | READ_FROM_TEXT:
            fields[key] = value.strip() if isinstance(value, str) else value
    name = NAME_FIELD.get(entity, "name")
    if name in model.model_fields and not str(fields.get(name, "") or "").strip():
        problems[name] = "Type a name."
    for key in (
        "idle_lock_minutes",
        "intake_valid_months",
        "duration_min",
        "buffer_before_min",
        "buffer_after_min",
    ):
        if key in fields:
            number = _number(fields[key], key, problems)
            if number is None and key not in problems:
                problems[key] = (
                    "Type a number of minutes." if key.endswith("_min") else "Type a number."
                )
            fields[key] = number
    for key in ("dose_per_point", "usual_max_per_visit"):
        if key in fields:
            fields[key] = _number(fields[key], key, problems, whole=False)
    for key in ("user_id", "location_id"):
        if key in fields:
            fields[key] = fields[key] or None
    if entity == "location" and any(k.startswith("hours_") for k in form):
        fields["opening_hours"] = [
            {"weekday": day, "opens": opens, "closes": closes}
            for day, (opens, closes) in sorted(_week(form, "hours", problems).items())
        ]
    if "price" in form:
        price = _number(form["price"], "price", problems, whole=False)
        if price is not None and (price < 0 or price * 100 > MAX_PRICE_CENTS):
            problems["price"] = (
                "Type a price from 0 to 10,000,000 (dollars and cents, like 450.00)."
            )
        elif price is not None:
            fields["price_cents"] = round(Decimal(str(price)) * 100)
    if "room_kinds" in form:
        kinds = form["room_kinds"]
        kinds = kinds.split(",") if isinstance(kinds, str) else kinds
        fields["room_kinds"] = tuple(dict.fromkeys(k.strip() for k in kinds if k.strip()))
    if "consents" in form:
        days = _number(form.get("consent_valid_days", 365), "consent_valid_days", problems)
        if days is not None and not 1 <= days <= 3650:
            problems["consent_valid_days"] = "Type a number of days from 1 to 3650 (ten years)."
        fields["consents"] = tuple(
            {"template_key": key, "valid_days": days or 365} for key in form["consents"]
        )
    return fields


_PLAIN = {
    "string_too_long": "This is too long; shorten it to {max_length} characters.",
    "less_than_equal": "Type a number up to {le}.",
    "greater_than_equal": "Type a number of at least {ge}.",
    "greater_than": "Type a number above {gt}.",
    "enum": "Choose one from the list.",
    "string_pattern_mismatch": "This is not in the expected form.",
    "too_long": "There are too many; keep at most {max_length}.",
}


def _plain(error: Mapping[str, Any]) -> str:
    ctx = error.get("ctx") or {}
    if error.get("loc", ("",))[0] == "color":
        return 'Type a colour as # and six hex digits, like "#4a7bd0".'
    if error.get("loc", ("",))[0] == "time_zone":
        return 'Choose a time zone from the list, like "America/New_York".'
    template = _PLAIN.get(str(error.get("type", "")))
    if template is not None:
        try:
            return template.format(**ctx)
        except (KeyError, IndexError):
            pass
    return (
        str(error.get("msg", "This is not valid."))
        .removeprefix("Value error, ")
        .capitalize()
        .rstrip(".")
        + "."
    )


def _checked(
    entity: str, base: Mapping[str, Any], fields: Mapping[str, Any], problems: dict[str, str]
) -> Record | None:
    try:
        return SETUP_RECORDS[entity].model_validate({**base, **fields})
    except ValidationError as exc:
        for error in exc.errors():
            loc = error.get("loc", ())
            key = str(loc[0]) if loc else "name"
            key = {"price_cents": "price", "opening_hours": "opening_hours"}.get(key, key)
            problems.setdefault(key, _plain(error))
        return None


def _same_name(store: Store, record: Record) -> bool:
    entity = record.entity
    name_field = NAME_FIELD.get(entity, "name")
    name = str(getattr(record, name_field)).casefold()
    if isinstance(record, Room):
        others: list[Record] = list(store.rooms(record.location_id))
    else:
        others = list(_listing(store, entity))
    return any(o.id != record.id and str(getattr(o, name_field)).casefold() == name for o in others)


def _listing(store: Store, entity: str) -> list[Any]:
    if entity == "room":
        return [room for location in store.locations() for room in store.rooms(location.id)]
    listings: dict[str, Callable[[], Sequence[Any]]] = {
        "location": store.locations,
        "provider": store.providers,
        "service": store.services,
        "product": store.products,
    }
    return list(listings[entity]())


@dataclass(frozen=True)
class Saved:
    record: Record
    changes: Changes


def save_setup(
    store: Store,
    *,
    actor: Actor,
    entity: str,
    form: Mapping[str, Any],
    record_id: UUID | None = None,
) -> Saved:
    """Add (``record_id`` None) or change one location, room, provider, service or product from its form.

    A provider's form may carry its week (``shift_monday``… as "09:00-17:00", empty for off) at
    ``shift_location_id``; the provider and its shifts are saved together or not at all.
    Raises ``SetupRefused`` (audited) with a message per field when anything is wrong.
    """
    if entity not in SETUP_RECORDS:
        raise InvalidChange(f"{entity!r} is not part of the practice's set-up.")
    store.permit(actor, UseCase.SET_UP_PRACTICE, entity=entity, entity_id=record_id)
    current = (
        next((r for r in _listing(store, entity) if r.id == record_id), None) if record_id else None
    )
    if record_id is not None and current is None:
        raise InvalidChange(
            "That entry is no longer on this desk; close the screen and open it again."
        )
    problems: dict[str, str] = {}
    fields = _fields(entity, form, problems)
    week = _week(form, "shift", problems) if entity == "provider" else {}
    base = current.model_dump(exclude={"seq", "updated_at"}) if current is not None else {}
    record = _checked(
        entity, base, {k: v for k, v in fields.items() if k not in problems}, problems
    )
    if record is not None and _same_name(store, record):
        problems[NAME_FIELD.get(entity, "name")] = (
            "Another one has this name; choose a different name so the desk can tell them apart."
        )
    shift_location = form.get("shift_location_id") or None
    if entity == "provider" and week and shift_location is None:
        problems["shift_location_id"] = "Choose the location these shifts are at."
    if problems or record is None:
        store.note_refused_step(
            actor,
            entity=entity,
            entity_id=record_id or (record.id if record else actor.user_id),
            detail="invalid: " + ", ".join(sorted(problems))[:400],
        )
        raise SetupRefused(problems)
    with store.transaction():
        changes = set_up_practice(store, actor=actor, record=record)
        if isinstance(record, Provider) and shift_location is not None:
            changes = changes | _save_week(
                store,
                actor=actor,
                provider=record,
                location_id=UUID(str(shift_location)),
                week=week,
            )
    return Saved(record, changes)


def _save_week(
    store: Store,
    *,
    actor: Actor,
    provider: Provider,
    location_id: UUID,
    week: Mapping[int, tuple[time, time]],
) -> Changes:
    """The provider's whole week at the location: each day's shift added, moved or taken off."""
    changes = Changes()
    current = {
        s.weekday: s
        for s in store.shifts()
        if s.provider_id == provider.id and s.location_id == location_id
    }
    for day in range(7):
        had, wanted = current.get(day), week.get(day)
        if wanted is None and had is not None:
            changes = changes | set_up_practice(
                store, actor=actor, record=had.model_copy(update={"deleted": True})
            )
        elif wanted is not None and (had is None or (had.starts, had.ends) != wanted):
            shift = (
                had.model_copy(update={"starts": wanted[0], "ends": wanted[1]})
                if had is not None
                else Shift(
                    provider_id=provider.id,
                    location_id=location_id,
                    weekday=day,
                    starts=wanted[0],
                    ends=wanted[1],
                )
            )
            changes = changes | set_up_practice(store, actor=actor, record=shift)
    return changes


def set_active(store: Store, *, actor: Actor, entity: str, record_id: UUID, active: bool) -> Saved:
    """Deactivate (or bring back) a room, provider, service or product: never deleted, visits keep it."""
    store.permit(actor, UseCase.SET_UP_PRACTICE, entity=entity, entity_id=record_id)
    current = next((r for r in _listing(store, entity) if r.id == record_id), None)
    if current is None or "active" not in type(current).model_fields:
        raise InvalidChange("Only a room, provider, service or product can be deactivated.")
    record = current.model_copy(update={"active": active})
    return Saved(record, set_up_practice(store, actor=actor, record=record))


def set_up_practice(store: Store, *, actor: Actor, record: Record) -> Changes:
    """Save one piece of the practice's reference data (consent wording goes through publish_consent_version)."""
    store.permit(actor, UseCase.SET_UP_PRACTICE, entity=record.entity, entity_id=record.id)
    if isinstance(record, ConsentTemplate):
        raise InvalidChange(
            "Publish consent wording as a new consent version, not as practice set-up."
        )
    return store.put_reference(record, actor=actor)


# --- what the assistant shows: the set-up so far, read from what exists -------------------------


@dataclass(frozen=True)
class SetupStep:
    key: str
    title: str
    done: bool
    summary: str


def _count(n: int, one: str) -> str:
    return f"{n} {one}{'' if n == 1 else 's'}"


def setup_progress(store: Store, *, actor: Actor) -> tuple[SetupStep, ...]:
    """Each step of the first-run assistant and whether it is done, from what the practice has (never a flag)."""
    store.permit(actor, UseCase.SET_UP_PRACTICE, entity="setup")
    locations = store.locations()
    hours = [loc for loc in locations if loc.opening_hours]
    rooms = [r for loc in locations for r in store.rooms(loc.id) if r.active]
    staff = [u for u in store.users() if u.active]
    providers = [p for p in store.providers() if p.active]
    shifts = {s.provider_id for s in store.shifts()}
    services = [s for s in store.services() if s.active]
    products = [p for p in store.products() if p.active]
    published = {t.key for t in store.consent_templates()}
    return (
        SetupStep(
            "location",
            "Location",
            bool(locations) and len(hours) == len(locations),
            f"{_count(len(locations), 'location')}, {len(hours)} with opening hours",
        ),
        SetupStep("rooms", "Rooms", bool(rooms), _count(len(rooms), "room")),
        SetupStep(
            "staff",
            "Staff",
            len(staff) > 1 or any(u.role is not Role.MANAGER for u in staff),
            _count(len(staff), "account"),
        ),
        SetupStep(
            "providers",
            "Providers",
            bool(providers) and all(p.id in shifts for p in providers),
            f"{_count(len(providers), 'provider')}, {len(shifts & {p.id for p in providers})} with shifts",
        ),
        SetupStep("services", "Services", bool(services), _count(len(services), "service")),
        SetupStep("products", "Products", bool(products), _count(len(products), "product")),
        SetupStep(
            "consents",
            "Consent texts",
            bool(published),
            f"{len(published)} of the practice's own",
        ),
    )


def needs_setup(store: Store) -> bool:
    """A practice with no rooms, providers or services cannot book: the assistant opens for its manager."""
    rooms = [r for loc in store.locations() for r in store.rooms(loc.id) if r.active]
    return not (
        rooms
        and any(p.active for p in store.providers())
        and any(s.active for s in store.services())
    )


# --- what the Manager screens list and show -----------------------------------------------------


@dataclass(frozen=True)
class SetupLists:
    """Everything the set-up screens show and choose from, read in one go."""

    locations: tuple[Location, ...]
    rooms: tuple[Room, ...]
    providers: tuple[Provider, ...]
    services: tuple[Service, ...]
    products: tuple[Product, ...]
    shifts: tuple[Shift, ...]
    staff: tuple[tuple[UUID, str], ...]  # (user id, "Name (user name)") of active accounts
    consent_keys: tuple[
        tuple[str, str], ...
    ]  # (key, title) of every consent text, shipped or published

    def of(self, entity: str) -> tuple[Record, ...]:
        return {
            "location": self.locations,
            "room": self.rooms,
            "provider": self.providers,
            "service": self.services,
            "product": self.products,
        }[entity]


def setup_lists(store: Store, *, actor: Actor) -> SetupLists:
    store.permit(actor, UseCase.SET_UP_PRACTICE, entity="setup")
    locations = tuple(store.locations())
    templates = latest_templates(store.consent_templates())
    return SetupLists(
        locations=locations,
        rooms=tuple(r for loc in locations for r in store.rooms(loc.id)),
        providers=tuple(store.providers()),
        services=tuple(store.services()),
        products=tuple(store.products()),
        shifts=tuple(store.shifts()),
        staff=tuple((u.id, f"{u.display_name} ({u.username})") for u in store.users() if u.active),
        consent_keys=tuple(
            sorted(((t.key, t.title) for t in templates.values()), key=lambda kt: kt[1].casefold())
        ),
    )


def form_of(record: Record, lists: SetupLists) -> dict[str, Any]:
    """A saved record as its form shows it (the inverse of what ``save_setup`` reads)."""
    form: dict[str, Any] = {
        k: v for k, v in record.model_dump().items() if k not in SERVER_FIELDS | READ_FROM_TEXT
    }
    if isinstance(record, Location):
        hours = {h.weekday: span_text(h.opens, h.closes) for h in record.opening_hours}
        form.update({f"hours_{day}": hours.get(i, "") for i, day in enumerate(WEEKDAYS)})
    if isinstance(record, Service):
        form["room_kinds"] = ", ".join(record.room_kinds)
        form["price"] = price_text(record.price_cents)
        form["consents"] = [c.template_key for c in record.consents]
        form["consent_valid_days"] = min((c.valid_days for c in record.consents), default=365)
    if isinstance(record, Provider):
        mine = [s for s in lists.shifts if s.provider_id == record.id]
        where = (
            mine[0].location_id if mine else (lists.locations[0].id if lists.locations else None)
        )
        week = {s.weekday: span_text(s.starts, s.ends) for s in mine if s.location_id == where}
        form["shift_location_id"] = where
        form.update({f"shift_{day}": week.get(i, "") for i, day in enumerate(WEEKDAYS)})
    return form


def blank_form(entity: str, lists: SetupLists) -> dict[str, Any]:
    """A new entry's form: the record's own defaults, the first location chosen where one is asked for."""
    model = SETUP_RECORDS[entity]
    form: dict[str, Any] = {
        k: f.default
        for k, f in model.model_fields.items()
        if k not in SERVER_FIELDS
        and f.default is not None
        and not f.is_required()
        and isinstance(f.default, str | int | bool)
    }
    first = lists.locations[0].id if lists.locations else None
    if entity == "room":
        form["location_id"] = first
    if entity == "provider":
        form["shift_location_id"] = first
    if entity == "service":
        form.update(price="0.00", consents=[], consent_valid_days=365, room_kinds="")
    return form
