"""Reading the client list a practice brings from the system it is leaving (a CSV export).

Boulevard, Mangomint, Vagaro and Jane each export clients as CSV with their own
column names; a practice that kept its list in a spreadsheet uses the desk's
own template (``TEMPLATE_HEADERS``). The columns each source uses are in
``SOURCES`` and docs/client-import.md. Reading never writes anything: it gives
an :class:`ImportPreview` (what each column maps to, each row as a client or
the reasons it cannot be one, and the rows that look like someone already on
file or earlier in the file) that the manager checks before the import
(``medspa_desk.desk.client_import``) saves all of it or none of it.

Bounds: at most ``MAX_FILE_BYTES`` and ``MAX_ROWS`` rows, ``MAX_COLUMNS``
columns, ``MAX_CELL_CHARS`` per cell. Dates of birth are read month first
(US exports) or as ISO dates; a two-digit year is the most recent year that is
not in the future. Nothing here ever puts a value from a row into a message.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from pydantic import ValidationError

from medspa_desk.records import Client, phone_digits

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 4_000

# The desk's fields a column can fill, in the words the preview shows.
FIELDS: dict[str, str] = {
    "first_name": "First name", "last_name": "Last name", "preferred_name": "Preferred name",
    "birth_date": "Date of birth", "phone": "Phone", "email": "Email", "address": "Address",
    "emergency_contact": "Emergency contact", "allergies": "Allergies", "alerts": "Alerts",
    "notes": "Desk notes",
}
# Fields several columns fill together, joined in column order (street, city, state, zip).
JOINED = {"address": ", ", "emergency_contact": ", ", "notes": "\n", "alerts": "\n", "allergies": "\n"}
TEMPLATE_HEADERS = ("first_name", "last_name", "preferred_name", "birth_date", "phone", "email", "address",
                    "emergency_contact", "allergies", "alerts", "notes")


def column_key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


@dataclass(frozen=True)
class Source:
    """A system a practice leaves, and the client export columns it documents (header → desk field)."""

    name: str
    columns: Mapping[str, str]

    def recognises(self, headers: Iterable[str]) -> int:
        keys = {column_key(c) for c in self.columns}
        return sum(1 for h in headers if column_key(h) in keys)


SOURCES: tuple[Source, ...] = (
    Source("Boulevard", {
        "First Name": "first_name", "Last Name": "last_name", "Preferred Name": "preferred_name",
        "Mobile Phone": "phone", "Email": "email", "Birthday": "birth_date", "Address Line 1": "address",
        "Address Line 2": "address", "City": "address", "State": "address", "Zip": "address",
        "Emergency Contact Name": "emergency_contact", "Emergency Contact Phone": "emergency_contact",
        "Client Notes": "notes", "Allergies": "allergies"}),
    Source("Mangomint", {
        "First Name": "first_name", "Last Name": "last_name", "Phone": "phone", "Email": "email",
        "Birthday": "birth_date", "Street Address": "address", "City": "address", "State": "address",
        "Postal Code": "address", "Notes": "notes", "Alerts": "alerts"}),
    Source("Vagaro", {
        "First Name": "first_name", "Last Name": "last_name", "Email Address": "email", "Mobile Phone": "phone",
        "Day Phone": "phone", "Night Phone": "phone", "Birth Date": "birth_date", "Address": "address",
        "City": "address", "State": "address", "Zip": "address", "Customer Notes": "notes"}),
    Source("Jane", {
        "First Name": "first_name", "Last Name": "last_name", "Preferred Name": "preferred_name",
        "Email": "email", "Mobile Phone": "phone", "Home Phone": "phone", "Work Phone": "phone",
        "Date of Birth": "birth_date", "Address": "address", "City": "address", "Province / State": "address",
        "Postal / Zip Code": "address", "Emergency Contact": "emergency_contact", "Allergies": "allergies",
        "Alerts": "alerts"}),
    Source("Medspa Desk template", {h: h for h in TEMPLATE_HEADERS}),
)
# Other spellings a spreadsheet kept by hand uses (the "generic" file).
SYNONYMS: dict[str, str] = {column_key(k): v for k, v in {
    "first": "first_name", "given name": "first_name", "firstname": "first_name",
    "last": "last_name", "surname": "last_name", "family name": "last_name",
    "nickname": "preferred_name", "goes by": "preferred_name",
    "dob": "birth_date", "date of birth": "birth_date", "birthdate": "birth_date", "birthday": "birth_date",
    "birth date": "birth_date",
    "phone": "phone", "mobile": "phone", "cell": "phone", "cell phone": "phone", "phone number": "phone",
    "mobile number": "phone", "email": "email", "e-mail": "email", "email address": "email",
    "address": "address", "street": "address", "city": "address", "state": "address", "zip": "address",
    "zip code": "address", "postal code": "address",
    "emergency contact": "emergency_contact", "allergies": "allergies", "alerts": "alerts", "notes": "notes",
}.items()}


class ImportFileProblem(ValueError):
    """The file cannot be read as a client list; the message says why and what to do."""


@dataclass(frozen=True)
class ImportRow:
    """One row of the file: the client it makes, or the reasons it cannot (by the desk's field names)."""

    line: int  # the row's line in the file (the header is line 1)
    client: Client | None
    problems: tuple[str, ...] = ()
    duplicate_of: str = ""  # "a client on file (phone)" / "row 7 (email)": never the other person's name


@dataclass(frozen=True)
class ImportPreview:
    """What an import would do; nothing is saved until the manager confirms it."""

    file_name: str
    sha256: str
    source: str
    headers: tuple[str, ...]
    mapping: tuple[str | None, ...]  # per column: the desk field it fills, or None (left out)
    rows: tuple[ImportRow, ...] = field(repr=False)

    @property
    def good(self) -> tuple[ImportRow, ...]:
        return tuple(r for r in self.rows if r.client is not None and not r.duplicate_of)

    @property
    def refused(self) -> tuple[ImportRow, ...]:
        return tuple(r for r in self.rows if r.client is None)

    @property
    def duplicates(self) -> tuple[ImportRow, ...]:
        return tuple(r for r in self.rows if r.client is not None and r.duplicate_of)


def read_client_file(path: Path) -> tuple[str, bytes]:
    """The file's bytes, refused plainly when it is missing, too large or not a file."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise ImportFileProblem("That is not a file. Choose the CSV file your old system exported.")
        if size > MAX_FILE_BYTES:
            raise ImportFileProblem(f"The file is {size / 1024 / 1024:,.0f} MB; the desk imports at most "
                                    f"{MAX_FILE_BYTES // 1024 // 1024} MB at a time. Split it into smaller files.")
        return path.name, path.read_bytes()
    except OSError as exc:
        raise ImportFileProblem(f"The file could not be read ({exc.strerror or 'no access'}). Check that it is "
                                "still there and that you may open it, then try again.") from None


def _text(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise ImportFileProblem("This is not a CSV text file. In your old system, export the client list as CSV "
                                "and choose that file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # Excel on Windows saves CSV this way


def detect_mapping(headers: tuple[str, ...]) -> tuple[str, tuple[str | None, ...]]:
    """The source whose documented columns match most headers, and the field each column fills."""
    best = max(SOURCES, key=lambda s: s.recognises(headers))
    if best.recognises(headers) == 0:
        best = Source("a spreadsheet", {})
    known = {column_key(c): f for c, f in best.columns.items()}
    mapping = tuple(known.get(column_key(h)) or SYNONYMS.get(column_key(h)) for h in headers)
    return best.name, mapping


def parse_date(text: str, *, today: date) -> date:
    """A date as exports write it: 1985-03-04, 3/4/1985, 3/4/85, 03-04-1985, Mar 4, 1985 (month first).

    A two-digit year is the latest such year not after ``today`` (pass ``date.max`` for a date ahead).
    """
    value = text.strip()
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}([ T].*)?", value):
        return date.fromisoformat("-".join(p.zfill(2) for p in value[:10].split()[0].split("-")))
    match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})", value)
    if match:
        month, day, year = (int(g) for g in match.groups())
        if len(match.group(3)) == 2:
            year += 2000 if 2000 + year <= today.year else 1900
        return date(year, month, day)
    for pattern in ("%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y", "%d %b %Y", "%d %B %Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError("not a date")


def _problem(field_name: str, kind: str, message: str) -> str:
    label = FIELDS.get(field_name, field_name.replace("_", " ").capitalize())
    if kind == "missing" or kind == "string_too_short":
        return f"{label} is empty"
    if kind == "string_too_long":
        return f"{label} is too long"
    return f"{label}: {message.removeprefix('Value error, ')}"


def csv_table(data: bytes) -> tuple[tuple[str, ...], Iterator[list[str]]]:
    """A CSV export's column names and its rows (decoded, bounded), or why it cannot be read."""
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileProblem(f"The file is larger than {MAX_FILE_BYTES // 1024 // 1024} MB. Split it into "
                                "smaller files.")
    text = _text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    try:
        headers = tuple(h.strip() for h in next(reader))
    except StopIteration:
        raise ImportFileProblem("The file is empty. Export the list again and choose that file.") from None
    except csv.Error:
        raise ImportFileProblem("The file's first line cannot be read as CSV column names.") from None
    if len(headers) > MAX_COLUMNS:
        raise ImportFileProblem(f"The file has {len(headers)} columns; at most {MAX_COLUMNS} are read. Remove the "
                                "columns you do not need and try again.")
    return headers, _bounded(reader)


def _bounded(reader: Iterator[list[str]]) -> Iterator[list[str]]:
    for count, cells in enumerate(reader, start=1):
        if count > MAX_ROWS:
            raise ImportFileProblem(f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files.")
        yield cells


def build_preview(file_name: str, data: bytes, *, today: date, on_file: Iterable[tuple[str, str, str]],
                  mapping: tuple[str | None, ...] | None = None) -> ImportPreview:
    """Read ``data`` (a CSV export) into an import preview; ``on_file`` are the match keys of clients on file.

    ``mapping`` overrides the detected field per column (the manager's corrections on the preview).
    """
    headers, reader = csv_table(data)
    source, detected = detect_mapping(headers)
    if mapping is not None:
        if len(mapping) != len(headers) or any(f is not None and f not in FIELDS for f in mapping):
            raise ImportFileProblem("The column choices do not match this file. Open the file again.")
        detected = mapping
    for needed in ("first_name", "last_name", "birth_date"):
        if needed not in detected:
            raise ImportFileProblem(f"No column holds the clients' {FIELDS[needed].lower()}. Choose which column "
                                    "does in the preview, or add it to the file.")
    rows = tuple(_rows(reader, detected, today=today))
    return ImportPreview(file_name=file_name[:200], sha256=hashlib.sha256(data).hexdigest(), source=source,
                         headers=headers, mapping=detected, rows=_with_duplicates(rows, on_file))


def _rows(reader: Iterator[list[str]], mapping: tuple[str | None, ...], *, today: date) -> Iterator[ImportRow]:
    width = len(mapping)
    for count, cells in enumerate(reader, start=1):
        line = count + 1
        if not any(c.strip() for c in cells):
            continue  # a blank line
        if len(cells) > width:
            yield ImportRow(line=line, client=None, problems=(
                f"This row has {len(cells)} cells but the file has {width} columns (a comma inside a value without quotes?)",))
            continue
        yield _row(line, cells, mapping, today=today)


def _row(line: int, cells: list[str], mapping: tuple[str | None, ...], *, today: date) -> ImportRow:
    values: dict[str, str] = {}
    problems: list[str] = []
    for cell, name in zip(cells, mapping, strict=False):
        if name is None:
            continue
        if len(cell) > MAX_CELL_CHARS:
            problems.append(f"{FIELDS[name]} is too long")
            continue
        cell = cell.strip()
        if not cell:
            continue
        if name in values and name in JOINED:
            values[name] += JOINED[name] + cell
        else:
            values.setdefault(name, cell)  # a second phone column fills in only when the first is empty
    raw_birth = values.pop("birth_date", "")
    if not raw_birth:
        problems.append("Date of birth is empty")
    else:
        try:
            values["birth_date"] = parse_date(raw_birth, today=today).isoformat()
        except ValueError:
            problems.append("Date of birth is not a date the desk can read (write it like 3/4/1985 or 1985-03-04)")
    if problems:
        problems.extend(_problem(n, "missing", "") for n in ("first_name", "last_name") if n not in values)
        return ImportRow(line=line, client=None, problems=tuple(problems))
    try:
        client = Client.model_validate(values)
    except ValidationError as exc:
        found = []
        for error in exc.errors(include_input=False, include_url=False):
            name = str(error.get("loc", ("",))[0])
            found.append(_problem(name, str(error.get("type", "")), str(error.get("msg", "is not valid"))))
        return ImportRow(line=line, client=None, problems=tuple(dict.fromkeys(found)))
    return ImportRow(line=line, client=client)


def match_keys(first_name: str, last_name: str, birth_date: str, phone: str, email: str) -> tuple[str, str, str]:
    """How a client is told apart from another: name and birth date, phone (last ten digits), email."""
    digits = phone_digits(phone)
    return (f"{first_name.strip().lower()}|{last_name.strip().lower()}|{birth_date}",
            digits[-10:] if len(digits) >= 7 else "", email.strip().lower())


def _with_duplicates(rows: tuple[ImportRow, ...], on_file: Iterable[tuple[str, str, str]]) -> tuple[ImportRow, ...]:
    known: list[dict[str, str]] = [{}, {}, {}]  # per key kind: key -> where it was seen
    for keys in on_file:
        for seen, key in zip(known, keys, strict=True):
            if key:
                seen.setdefault(key, "a client on file")
    words = ("name and date of birth", "phone", "email")
    marked = []
    for row in rows:
        if row.client is None:
            marked.append(row)
            continue
        c = row.client
        keys = match_keys(c.first_name, c.last_name, c.birth_date.isoformat(), c.phone, c.email)
        hits = [(seen[key], word) for seen, key, word in zip(known, keys, words, strict=True) if key and key in seen]
        for seen, key in zip(known, keys, strict=True):
            if key:
                seen.setdefault(key, f"row {row.line}")
        if hits:
            where = hits[0][0]
            why = " and ".join(word for w, word in hits if w == where)
            marked.append(ImportRow(line=row.line, client=c, duplicate_of=f"{where} (same {why})"))
        else:
            marked.append(row)
    return tuple(marked)
