"""``medspa-api import-setup FILE``: a practice's locations, rooms, providers, shifts, services and
products from one YAML (or JSON) file, so a consultant can set up ten locations at once.

The file is read whole and checked before anything is written: every entry is
validated by the same record models the desks use, and each problem is listed
with where it is in the file. Nothing is written unless every entry is valid
(all or nothing, one transaction). A dry run (the default) prints what would be
created, changed and removed; ``--apply`` writes it, as ordinary changes the
desks pull like any other, and one audit event says so.

Entries are matched to what the practice already has by name (a location's
name; a room's name within its location; a provider's display name; a
service's name; a product's name), so running the same file twice changes
nothing, and a corrected file changes only what it corrects. A provider's
shifts in the file are that provider's whole week at the locations it names:
a shift no longer listed is removed (no visit refers to a shift). Rooms,
providers, services and products are never deleted by a file; a file may set
``active: false`` to retire one (visits keep referring to it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import sqlalchemy as sa
import yaml
from pydantic import ValidationError

from medspa_api.audit_log import AuditBuffer, Origin, flush
from medspa_api.data.changes import ChangeLog
from medspa_api.db import tables as t
from medspa_desk.records import (
    WEEKDAYS,
    AuditAction,
    Location,
    OpeningHours,
    Product,
    Provider,
    Record,
    Room,
    Service,
    Shift,
    parse_span,
    utc_now,
)

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ENTRIES = 5_000
SECTIONS = ("locations", "providers", "services", "products")
REFERENCE = ("location", "room", "provider", "shift", "service", "product")
# What a file may not set: the server owns identity and history.
SERVER_FIELDS = frozenset({"id", "version", "seq", "updated_at"})


class SetupFileError(ValueError):
    """The file cannot be imported; the message lists each problem and where it is."""


@dataclass
class SetupPlan:
    creates: list[Record] = field(default_factory=list)
    updates: list[Record] = field(default_factory=list)
    removals: list[Record] = field(default_factory=list)

    def summary(self) -> str:
        def count(records: list[Record]) -> str:
            kinds: dict[str, int] = {}
            for record in records:
                kinds[record.entity] = kinds.get(record.entity, 0) + 1
            return ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in sorted(kinds.items())) or "nothing"

        return (f"create {count(self.creates)}; change {count(self.updates)}; "
                f"remove {count(self.removals)}")

    @property
    def empty(self) -> bool:
        return not (self.creates or self.updates or self.removals)


def read_setup_file(path: Path) -> dict[str, Any]:
    """The file's document, bounded in size and shape."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SetupFileError(f"{path} cannot be read ({exc.strerror}).") from None
    if size > MAX_FILE_BYTES:
        raise SetupFileError(f"{path} is {size // 1024} KiB; a setup file may be at most "
                             f"{MAX_FILE_BYTES // 1024 // 1024} MiB. Split it by location.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SetupFileError(f"{path} is not UTF-8 text. Save it as UTF-8 and try again.") from None
    try:
        document = yaml.safe_load(text) if path.suffix.lower() in {".yaml", ".yml"} else json.loads(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else f" at line {getattr(exc, 'lineno', '?')}"
        raise SetupFileError(f"{path} is not valid {'YAML' if path.suffix.lower() in {'.yaml', '.yml'} else 'JSON'}"
                             f"{where}. Check the indentation and quoting there.") from None
    if not isinstance(document, dict):
        raise SetupFileError(f"{path} must hold a mapping with any of: {', '.join(SECTIONS)}.")
    unknown = sorted(set(document) - set(SECTIONS))
    if unknown:
        raise SetupFileError(f"{path}: unknown section {', '.join(map(repr, unknown))}; "
                             f"the sections are {', '.join(SECTIONS)}.")
    entries = sum(len(v) for v in document.values() if isinstance(v, list))
    if entries > MAX_ENTRIES:
        raise SetupFileError(f"{path} has {entries} entries; at most {MAX_ENTRIES} per file.")
    return document


@dataclass
class _Existing:
    by_entity: dict[str, list[Record]]

    def named(self, entity: str, **match: object) -> Record | None:
        for record in self.by_entity.get(entity, []):
            if all(getattr(record, k) == v for k, v in match.items()):
                return record
        return None


def _load_existing(conn: sa.Connection, tenant_id: UUID) -> _Existing:
    models: dict[str, type[Record]] = {"location": Location, "room": Room, "provider": Provider,
                                       "shift": Shift, "service": Service, "product": Product}
    rows = conn.execute(sa.select(t.records.c.entity, t.records.c.data).where(
        t.records.c.tenant_id == tenant_id, t.records.c.entity.in_(REFERENCE), t.records.c.deleted.is_(False)))
    found: dict[str, list[Record]] = {}
    for entity, data in rows:
        record = models[entity].model_validate_json(data)
        if not getattr(record, "deleted", False):  # a shift a desk took off the week
            found.setdefault(entity, []).append(record)
    return _Existing(found)


class _Planner:
    def __init__(self, existing: _Existing) -> None:
        self.existing = existing
        self.plan = SetupPlan()
        self.problems: list[str] = []
        self.locations: dict[str, Location] = {}

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def entries(self, document: Mapping[str, Any], section: str) -> list[tuple[str, dict[str, Any]]]:
        value = document.get(section) or []
        if not isinstance(value, list):
            self.problem(section, "must be a list of entries")
            return []
        out = []
        for index, entry in enumerate(value):
            where = f"{section}[{index}]"
            if not isinstance(entry, dict):
                self.problem(where, "must be a mapping of field: value")
            elif SERVER_FIELDS & set(entry):
                self.problem(where, f"may not set {', '.join(sorted(SERVER_FIELDS & set(entry)))}")
            else:
                out.append((where, entry))
        return out

    def build(self, where: str, model: type[Record], fields: dict[str, Any], current: Record | None) -> Record | None:
        base = current.model_dump(exclude=SERVER_FIELDS) if current is not None else {}
        try:
            candidate = model.model_validate({**base, **fields})
        except ValidationError as exc:
            for error in exc.errors():
                place = ".".join(str(p) for p in error["loc"])
                self.problem(f"{where}{'.' + place if place else ''}", error["msg"])
            return None
        if current is None:
            self.plan.creates.append(candidate)
            return candidate
        if candidate.model_dump(exclude=SERVER_FIELDS) == current.model_dump(exclude=SERVER_FIELDS):
            return current
        changed = candidate.model_copy(update={"id": current.id, "version": current.version + 1,
                                               "updated_at": utc_now()})
        self.plan.updates.append(changed)
        return changed

    def location(self, where: str, entry: dict[str, Any]) -> None:
        fields = dict(entry)
        rooms = fields.pop("rooms", []) or []
        hours = fields.pop("opening_hours", None)
        if hours is not None:
            fields["opening_hours"] = self.opening_hours(f"{where}.opening_hours", hours)
        name = str(fields.get("name", ""))
        if name in self.locations:
            self.problem(f"{where}.name", f"{name!r} is listed twice")
            return
        stored = self.build(where, Location, fields, self.existing.named("location", name=name))
        if not isinstance(stored, Location):
            return
        self.locations[name] = stored
        if not isinstance(rooms, list):
            self.problem(f"{where}.rooms", "must be a list of rooms")
            return
        for index, room in enumerate(rooms):
            if not isinstance(room, dict):
                self.problem(f"{where}.rooms[{index}]", "must be a mapping of field: value")
                continue
            current = self.existing.named("room", location_id=stored.id, name=room.get("name"))
            self.build(f"{where}.rooms[{index}]", Room, {**room, "location_id": stored.id}, current)

    def opening_hours(self, where: str, hours: object) -> list[dict[str, Any]] | None:
        """``{monday: "09:00-19:00", sunday: closed}`` as the location's opening hours."""
        if not isinstance(hours, dict):
            self.problem(where, 'must map weekdays to "HH:MM-HH:MM" or "closed"')
            return None
        out = []
        for day, span in hours.items():
            key = str(day).strip().lower()
            if key not in WEEKDAYS:
                self.problem(f"{where}.{day}", f"is not a weekday ({', '.join(WEEKDAYS)})")
                continue
            if str(span).strip().lower() == "closed":
                continue
            hours_span = parse_span(str(span))
            if hours_span is None:
                self.problem(f"{where}.{day}", f'{span!r} is not "HH:MM-HH:MM" (for example "09:00-19:00")')
                continue
            try:
                out.append(OpeningHours(weekday=WEEKDAYS.index(key), opens=hours_span[0],
                                        closes=hours_span[1]).model_dump())
            except ValidationError as exc:
                self.problem(f"{where}.{day}", exc.errors()[0]["msg"])
        return out

    def provider(self, where: str, entry: dict[str, Any]) -> None:
        fields = dict(entry)
        shifts = fields.pop("shifts", []) or []
        stored = self.build(where, Provider, fields,
                            self.existing.named("provider", display_name=fields.get("display_name")))
        if not isinstance(stored, Provider) or not isinstance(shifts, list):
            if not isinstance(shifts, list):
                self.problem(f"{where}.shifts", "must be a list of shifts")
            return
        kept: set[UUID] = set()
        places: set[UUID] = set()
        for index, shift in enumerate(shifts):
            here = f"{where}.shifts[{index}]"
            if not isinstance(shift, dict):
                self.problem(here, "must be a mapping with location, weekday, starts, ends")
                continue
            location = self.locations.get(str(shift.get("location", ""))) or self.existing.named(
                "location", name=shift.get("location"))
            if location is None:
                self.problem(f"{here}.location", f"{shift.get('location')!r} is not a location of this practice "
                                                 "or of this file")
                continue
            day = str(shift.get("weekday", "")).strip().lower()
            if day not in WEEKDAYS:
                self.problem(f"{here}.weekday", f"{shift.get('weekday')!r} is not a weekday")
                continue
            shift_span = parse_span(f"{shift.get('starts')}-{shift.get('ends')}")
            if shift_span is None or not all(isinstance(shift.get(k), str) for k in ("starts", "ends")):
                self.problem(here, 'starts and ends are times in quotes, for example starts: "09:00"')
                continue
            starts, ends = shift_span
            places.add(location.id)
            fields = {"provider_id": stored.id, "location_id": location.id, "weekday": WEEKDAYS.index(day),
                      "starts": starts, "ends": ends}
            same = next((s for s in self.existing.by_entity.get("shift", []) if isinstance(s, Shift)
                         and (s.provider_id, s.location_id, s.weekday, s.starts, s.ends)
                         == (stored.id, location.id, fields["weekday"], starts, ends)), None)
            if same is not None:
                kept.add(same.id)
            else:
                self.build(here, Shift, fields, None)
        for old in self.existing.by_entity.get("shift", []):
            if isinstance(old, Shift) and old.provider_id == stored.id and old.location_id in places \
                    and old.id not in kept:
                self.plan.removals.append(old)

    def simple(self, where: str, model: type[Record], entry: dict[str, Any], entity: str) -> None:
        self.build(where, model, entry, self.existing.named(entity, name=entry.get("name")))


def plan_setup(document: Mapping[str, Any], existing: _Existing) -> SetupPlan:
    """What the file would create, change and remove; raises SetupFileError listing every problem."""
    planner = _Planner(existing)
    for where, entry in planner.entries(document, "locations"):
        planner.location(where, entry)
    for where, entry in planner.entries(document, "providers"):
        planner.provider(where, entry)
    for where, entry in planner.entries(document, "services"):
        planner.simple(where, Service, entry, "service")
    for where, entry in planner.entries(document, "products"):
        planner.simple(where, Product, entry, "product")
    names: dict[tuple[str, str], str] = {}
    for record in planner.plan.creates:
        name = str(getattr(record, "name", getattr(record, "display_name", "")))
        key = (record.entity, f"{getattr(record, 'location_id', '')}|{name}")
        if name and record.entity != "shift" and key in names:
            planner.problems.append(f"{record.entity} {name!r} is listed twice")
        names[key] = name
    if planner.problems:
        shown = planner.problems[:50]
        more = len(planner.problems) - len(shown)
        raise SetupFileError("Nothing was imported. Fix these and run it again:\n  " + "\n  ".join(shown)
                             + (f"\n  …and {more} more" if more else ""))
    return planner.plan


def import_setup(conn: sa.Connection, *, tenant_id: UUID, document: Mapping[str, Any], apply: bool,
                 file_name: str) -> SetupPlan:
    """Plan (and with ``apply``, write) the file in the caller's transaction, audited when applied."""
    plan = plan_setup(document, _load_existing(conn, tenant_id))
    if not apply or plan.empty:
        return plan
    log = ChangeLog(conn, tenant_id)
    for record in plan.creates:
        log.save(record, is_new=True)
    for record in plan.updates:
        log.save(record, is_new=False)
    for record in plan.removals:
        log.save(record.model_copy(update={"version": record.version + 1, "updated_at": utc_now()}),
                 deleted=True, is_new=False)
    log.finish()
    audit = AuditBuffer(origin=Origin(address="", user_agent="medspa-api import-setup"))
    audit.record(actor_user_id=None, device_id=None, action=AuditAction.UPDATE, entity="setup",
                 detail=f"import-setup {Path(file_name).name}: {plan.summary()}")
    flush(conn, tenant_id=tenant_id, buffer=audit)
    return plan
