"""Reading the upcoming appointments a practice brings from the system it is leaving (a CSV export).

The peers export appointments beside the client list (Boulevard's and
Mangomint's appointment reports, Vagaro's "Appointments" list, Jane's
appointments report), each row naming the client, the service, the provider
and when. A row becomes a booking when its client is on file (by email, then
phone, then first and last name) and its service and provider match the
practice's own by name; otherwise the row says which did not match.
Appointments already past are left out: only upcoming ones are booked. Reading
saves nothing; ``medspa_desk.desk.client_import.import_visits`` books them all
or none.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from medspa_desk.client_import import ImportFileProblem, column_key, csv_table, parse_date
from medspa_desk.records import Appointment, Location, Provider, Service, phone_digits
from medspa_desk.scheduling import local_datetime

# Column names the peers' appointment exports use, by what they hold.
VISIT_COLUMNS: dict[str, str] = {column_key(k): v for k, v in {
    "date": "date", "appointment date": "date", "start date": "date", "day": "date",
    "time": "time", "start time": "time", "appointment time": "time", "start": "time",
    "duration": "duration", "duration (min)": "duration", "duration minutes": "duration", "length": "duration",
    "end time": "end", "end": "end",
    "service": "service", "service name": "service", "treatment": "service", "appointment type": "service",
    "provider": "provider", "staff": "provider", "staff member": "provider", "employee": "provider",
    "practitioner": "provider", "service provider": "provider",
    "client": "client", "customer": "client", "patient": "client", "client name": "client",
    "customer name": "client", "patient name": "client",
    "first name": "first_name", "client first name": "first_name", "customer first name": "first_name",
    "last name": "last_name", "client last name": "last_name", "customer last name": "last_name",
    "email": "email", "client email": "email", "email address": "email", "customer email": "email",
    "phone": "phone", "mobile phone": "phone", "client phone": "phone", "mobile": "phone",
    "notes": "notes", "appointment notes": "notes", "booking notes": "notes",
}.items()}


@dataclass(frozen=True)
class ClientOnFile:
    """How a client on file is found by an appointment row: name, phone (last ten digits), email."""

    id: UUID
    name: str  # "first last", lower case
    phone: str
    email: str


@dataclass(frozen=True)
class VisitRow:
    line: int
    visit: Appointment | None
    problems: tuple[str, ...] = ()
    past: bool = False  # already over: left out, not a problem


@dataclass(frozen=True)
class VisitPreview:
    file_name: str
    sha256: str
    rows: tuple[VisitRow, ...] = field(repr=False)

    @property
    def good(self) -> tuple[VisitRow, ...]:
        return tuple(r for r in self.rows if r.visit is not None)

    @property
    def refused(self) -> tuple[VisitRow, ...]:
        return tuple(r for r in self.rows if r.visit is None and not r.past)

    @property
    def past(self) -> tuple[VisitRow, ...]:
        return tuple(r for r in self.rows if r.past)


def parse_time(text: str) -> time:
    """A start time as exports write it: 2:30 PM, 2:30pm, 14:30, 9 AM."""
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*([AaPp]\.?[Mm]\.?)?", text.strip())
    if not match:
        raise ValueError("not a time")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if match.group(3):
        if not 1 <= hour <= 12:
            raise ValueError("not a time")
        hour = hour % 12 + (12 if match.group(3)[0] in "Pp" else 0)
    return time(hour, minute)


def build_visit_preview(file_name: str, data: bytes, *, location: Location, now: datetime,
                        services: Sequence[Service], providers: Sequence[Provider],
                        clients: Iterable[ClientOnFile]) -> VisitPreview:
    headers, reader = csv_table(data)
    mapping = tuple(VISIT_COLUMNS.get(column_key(h)) for h in headers)
    missing = [what for what, needed in (("date", "the date"), ("time", "the start time"),
                                         ("service", "the service"), ("provider", "the provider"))
               if what not in mapping]
    if "client" not in mapping and not {"first_name", "last_name"} <= set(mapping):
        missing.append("the client's name")
    if missing:
        raise ImportFileProblem("This does not look like an appointments export: no column holds "
                                + ", ".join(missing) + ". Export the upcoming appointments from your old "
                                "system and choose that file.")
    finder = _ClientFinder(clients)
    by_service = {s.name.strip().lower(): s for s in services if s.active}
    by_provider = {p.display_name.strip().lower(): p for p in providers if p.active}
    rows = tuple(_visit_rows(reader, mapping, location=location, now=now, services=by_service,
                             providers=by_provider, finder=finder))
    return VisitPreview(file_name=file_name[:200], sha256=hashlib.sha256(data).hexdigest(), rows=rows)


class _ClientFinder:
    def __init__(self, clients: Iterable[ClientOnFile]) -> None:
        self.by_email: dict[str, UUID] = {}
        self.by_phone: dict[str, UUID] = {}
        self.by_name: dict[str, list[UUID]] = {}
        for c in clients:
            if c.email:
                self.by_email.setdefault(c.email, c.id)
            if c.phone:
                self.by_phone.setdefault(c.phone, c.id)
            self.by_name.setdefault(c.name, []).append(c.id)

    def find(self, *, name: str, email: str, phone: str) -> UUID | str:
        """The client's id, or why none was found."""
        if email and email.lower() in self.by_email:
            return self.by_email[email.lower()]
        digits = phone_digits(phone)[-10:]
        if len(digits) >= 7 and digits in self.by_phone:
            return self.by_phone[digits]
        named = self.by_name.get(name.lower(), [])
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            return "more than one client on file has this name; add their email or phone to the row"
        return "no client on file matches this row's email, phone or name; import the client list first"


def _visit_rows(reader: Iterator[list[str]], mapping: tuple[str | None, ...], *, location: Location,
                now: datetime, services: dict[str, Service], providers: dict[str, Provider],
                finder: _ClientFinder) -> Iterator[VisitRow]:
    zone: ZoneInfo = location.zone
    for count, cells in enumerate(reader, start=1):
        line = count + 1
        if not any(c.strip() for c in cells):
            continue
        values: dict[str, str] = {}
        for cell, name in zip(cells, mapping, strict=False):
            if name is not None and cell.strip():
                values.setdefault(name, cell.strip()[:2000])
        yield _visit_row(line, values, location=location, zone=zone, now=now, services=services,
                         providers=providers, finder=finder)


def _visit_row(line: int, values: dict[str, str], *, location: Location, zone: ZoneInfo, now: datetime,
               services: dict[str, Service], providers: dict[str, Provider], finder: _ClientFinder) -> VisitRow:
    problems: list[str] = []
    try:
        day: date | None = parse_date(values.get("date", ""), today=date.max)
    except ValueError:
        day = None
        problems.append("Date is not a date the desk can read (write it like 3/4/2027 or 2027-03-04)")
    try:
        starts: time | None = parse_time(values.get("time", ""))
    except ValueError:
        starts = None
        problems.append("Start time is not a time the desk can read (write it like 2:30 PM or 14:30)")
    service = services.get(values.get("service", "").lower())
    if service is None:
        problems.append("Service does not match one of the practice's services by name; add it in the "
                        "practice's set-up, or change the file")
    provider = providers.get(values.get("provider", "").lower())
    if provider is None:
        problems.append("Provider does not match one of the practice's providers by name")
    name = values.get("client") or f"{values.get('first_name', '')} {values.get('last_name', '')}".strip()
    client = finder.find(name=name, email=values.get("email", ""), phone=values.get("phone", ""))
    if isinstance(client, str):
        problems.append(f"Client: {client}")
    if day is None or starts is None:
        return VisitRow(line=line, visit=None, problems=tuple(problems))
    start_at = local_datetime(day, starts, zone)
    if start_at.astimezone(zone).time() != starts:
        problems.append("Start time falls in the hour the clocks skip that day; choose another time")
    if start_at <= now:
        return VisitRow(line=line, visit=None, past=True)
    minutes = _minutes(values, day=day, starts=starts, service=service)
    if minutes is None:
        problems.append("Duration is not a number of minutes between 5 and 600")
    if problems or service is None or provider is None or isinstance(client, str) or minutes is None:
        return VisitRow(line=line, visit=None, problems=tuple(problems))
    try:
        visit = Appointment(location_id=location.id, client_id=client, provider_id=provider.id,
                            service_id=service.id, starts_at=start_at,
                            ends_at=start_at + timedelta(minutes=minutes),
                            buffer_before_min=service.buffer_before_min, buffer_after_min=service.buffer_after_min,
                            notes=values.get("notes", ""))
    except ValidationError:
        return VisitRow(line=line, visit=None, problems=("Notes hold a hidden character or are too long",))
    return VisitRow(line=line, visit=visit)


def _minutes(values: dict[str, str], *, day: date, starts: time, service: Service | None) -> int | None:
    if "duration" in values:
        digits = re.match(r"\d+", values["duration"])
        minutes = int(digits.group()) if digits else 0
    elif "end" in values:
        try:
            ends = parse_time(values["end"])
        except ValueError:
            return None
        minutes = int((datetime.combine(day, ends) - datetime.combine(day, starts)).total_seconds() // 60)
    elif service is not None:
        minutes = service.duration_min
    else:
        return 5
    return minutes if 5 <= minutes <= 600 else None
