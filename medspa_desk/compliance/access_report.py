"""Who looked at one client's record: every event on the client and on what is filed under them.

A client's record is the client and their visits, consents, health
questionnaires, treatments and photos. The report lists every event on any of
them in a chosen period of at most six years (HIPAA's accounting period, 45 CFR
164.528; the 2011 access-report proposal): who, from which workstation, did what,
when. It is printable for the client (:func:`access_report_pdf`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from medspa_desk.compliance.audit_trail import (
    MAX_RECORDS,
    SIX_YEARS,
    ServerLink,
    TrailFilter,
    TrailFilterError,
    TrailRow,
    every_row,
)
from medspa_desk.records import Disclosure

if TYPE_CHECKING:  # annotations only
    from medspa_desk.store import Store

MOST_ROWS = 100_000  # six years of a busy client's record is a few thousand events
# What each kind of record is called in a report a client reads.
RECORD_WORDS = {"client": "profile", "appointment": "visit", "consent": "signed consent",
                "intake": "health questionnaire", "treatment": "treatment record", "photo": "photo",
                "disclosure": "disclosure record", "access_request": "request for the record"}
FILED_UNDER = (("appointment", "SELECT id FROM appointments WHERE client_id = ?"),
               ("consent", "SELECT id FROM consents WHERE client_id = ?"),
               ("intake", "SELECT id FROM intakes WHERE client_id = ?"),
               ("treatment", "SELECT id FROM treatments WHERE client_id = ?"),
               ("photo", "SELECT id FROM photos WHERE client_id = ?"),
               ("disclosure", "SELECT id FROM evidence WHERE client_id = ? AND entity = 'disclosure'"),
               ("access_request", "SELECT id FROM evidence WHERE client_id = ? AND entity = 'access_request'"))


@dataclass(frozen=True)
class AccessReport:
    client_id: UUID
    since: datetime
    until: datetime
    rows: tuple[TrailRow, ...]
    kinds: dict[UUID, str]  # record id -> its kind ("client", "appointment", ...)
    online: bool  # False: this workstation's events only (the server could not be reached)
    complete: bool  # False: more than MOST_ROWS events (narrow the period)
    # Disclosures outside treatment, payment and operations in the period (45 CFR 164.528), oldest first.
    disclosures: tuple[Disclosure, ...] = ()


def client_records(store: Store, client_id: UUID) -> dict[UUID, str]:
    """The client and every record filed under them on this desk, by id, with its kind (not audited: ids only)."""
    kinds = {client_id: "client"}
    for kind, query in FILED_UNDER:
        for (record_id,) in store.select(query, (str(client_id),)):
            kinds[UUID(record_id)] = kind
    return kinds


def check_period(since: datetime, until: datetime) -> None:
    if since.tzinfo is None or until.tzinfo is None:
        raise TrailFilterError("Choose the dates again: a time without its zone cannot be compared.")
    if until <= since:
        raise TrailFilterError("The end date is before the start date; choose an end after the start.")
    if until - since > SIX_YEARS:
        raise TrailFilterError("An access report covers at most six years; choose a shorter period.")


def gather_access_report(store: Store, *, link: ServerLink | None, client_id: UUID, since: datetime,
                         until: datetime) -> AccessReport:
    """Every event on the client's record in ``[since, until)``, oldest first."""
    check_period(since, until)
    kinds = client_records(store, client_id)
    ids = list(kinds)
    rows: dict[UUID, TrailRow] = {}
    online, complete = True, True
    for start in range(0, len(ids), MAX_RECORDS):
        chosen = TrailFilter(since=since, until=until, record_ids=tuple(ids[start:start + MAX_RECORDS]))
        for page in every_row(store, link=link, chosen=chosen, most=MOST_ROWS):
            online = online and page.online
            for row in (*page.rows, *page.unsent):
                rows.setdefault(row.event_id, row)  # an event sent while the report was read comes once
            complete = complete and len(rows) < MOST_ROWS
    ordered = tuple(sorted(rows.values(), key=lambda r: (r.at, r.seq or 0)))
    return AccessReport(client_id=client_id, since=since, until=until, rows=ordered, kinds=kinds,
                        online=online, complete=complete)
