"""The practice's audit trail as a manager reads it: filtered, a page at a time, from the server.

The server holds the practice's trail (every desk's events and its own). This
desk's events the server has not stored yet are read from the desk's own trail
and marked *not yet sent*. Offline, the viewer reads this desk's trail alone and
says so in plain words (:data:`OFFLINE_NOTE`).

Every page read is itself audited here (a ``view`` on ``audit``), on top of the
server's own record of the read; the filter goes into the event's detail as ids
and codes only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from medspa_desk.records import AuditAction, AuditEvent
from medspa_desk.sync.api import CentralApi
from medspa_desk.sync.audit_wire import AuditCheckpoint, AuditRowWire, AuditVerification
from medspa_desk.sync.errors import ConnectionTrouble, ServerTrouble

if TYPE_CHECKING:  # annotations only
    from medspa_desk.store import Store

AUDIT_ENTITY = "audit"
PAGE_ROWS = 200
MAX_PAGE_ROWS = 1000
MAX_RECORDS = 500  # the server's bound on record ids in one query
SIX_YEARS = timedelta(days=6 * 365 + 2)  # 45 CFR 164.530(j): six years, leap days included
LOCAL_SCAN = 20_000  # local events read at most per page offline, so a page never stalls the desk
OFFLINE_NOTE = ("The server cannot be reached, so this shows only what was done on this workstation. "
                "Connect to see the whole practice's trail.")


class TrailFilterError(ValueError):
    """A filter the viewer cannot use; the message says what to change."""


@dataclass(frozen=True)
class TrailFilter:
    """What a manager asked for; every part optional, all parts together."""

    since: datetime | None = None
    until: datetime | None = None
    person_id: UUID | None = None
    workstation_id: UUID | None = None
    record_ids: tuple[UUID, ...] = ()  # a record, or a client with everything filed under them
    actions: tuple[AuditAction, ...] = ()

    def check(self) -> None:
        for moment in (self.since, self.until):
            if moment is not None and moment.tzinfo is None:
                raise TrailFilterError("Choose the dates again: a time without its zone cannot be compared.")
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise TrailFilterError("The end date is before the start date; choose an end after the start.")
        if len(self.record_ids) > MAX_RECORDS:
            raise TrailFilterError(f"At most {MAX_RECORDS} records can be looked up at once; choose fewer.")

    def params(self) -> dict[str, Any]:
        """The filter as ``GET /audit`` query parameters."""
        params: dict[str, Any] = {}
        if self.since is not None:
            params["from"] = self.since.isoformat()
        if self.until is not None:
            params["to"] = self.until.isoformat()
        if self.person_id is not None:
            params["user_id"] = str(self.person_id)
        if self.workstation_id is not None:
            params["device_id"] = str(self.workstation_id)
        if self.record_ids:
            params["entity_id"] = [str(i) for i in self.record_ids]
        if self.actions:
            params["action"] = [a.value for a in self.actions]
        return params

    def matches(self, event: AuditEvent) -> bool:
        return ((self.since is None or event.at >= self.since) and (self.until is None or event.at < self.until)
                and (self.person_id is None or event.actor_user_id == self.person_id)
                and (self.workstation_id is None or event.device_id == self.workstation_id)
                and (not self.record_ids or event.entity_id in self.record_ids)
                and (not self.actions or event.action in self.actions))

    def words(self) -> str:
        """The filter for the audit event's detail: ids, codes and counts only."""
        parts = [f"from={self.since.isoformat()}" if self.since else "",
                 f"to={self.until.isoformat()}" if self.until else "",
                 f"person={self.person_id}" if self.person_id else "",
                 f"workstation={self.workstation_id}" if self.workstation_id else "",
                 (f"record={self.record_ids[0]}" if len(self.record_ids) == 1 else f"records={len(self.record_ids)}")
                 if self.record_ids else "",
                 "actions=" + ",".join(a.value for a in self.actions) if self.actions else ""]
        return ";".join(p for p in parts if p)[:400]


@dataclass(frozen=True)
class TrailRow:
    """One event: who (person and workstation), did what, to which record, when."""

    event_id: UUID
    at: datetime
    person_id: UUID | None
    workstation_id: UUID | None
    action: AuditAction
    entity: str
    record_id: UUID | None
    outcome: str
    detail: str
    seq: int | None = None  # the server's place in the chain; None for an event of this desk
    unsent: bool = False  # this desk's event the server has not stored yet


@dataclass(frozen=True)
class TrailPage:
    rows: tuple[TrailRow, ...]
    has_more: bool
    next_after: int  # the server's seq (online) or this desk's position (offline) to read on from
    online: bool
    unsent: tuple[TrailRow, ...] = ()  # online: this desk's matching events still on their way
    note: str = ""


@dataclass(frozen=True)
class ServerLink:
    """The central API and the signed-in person's access token (fetched per call: it is refreshed)."""

    api: CentralApi
    access_token: Callable[[], str]


@dataclass(frozen=True)
class ChainStatus:
    """The server's signed head of the chain: every event up to ``seq`` is covered by ``signature``."""

    seq: int
    head_hash: str
    signed_at: datetime
    signature: str
    local_ok: bool  # this desk's own trail verifies
    local_problem: str = ""
    verified: AuditVerification | None = None  # the server's walk of the whole chain


    def words(self) -> str:
        local = ("This workstation's own trail verifies." if self.local_ok
                 else f"This workstation's own trail does not verify: {self.local_problem}.")
        walked = ""
        if self.verified is not None and self.verified.ok:
            through = (f" through event {self.verified.verified_through_seq:,} of "
                       f"{self.verified.verified_through_at:%Y-%m-%d %H:%M} UTC"
                       if self.verified.verified_through_at else "")
            walked = (f"The server walked the whole chain at {self.verified.checked_at:%Y-%m-%d %H:%M} UTC: "
                      f"{self.verified.rows:,} events verified{through}. ")
        elif self.verified is not None:
            walked = (f"The server's walk of the chain FAILED at event {self.verified.first_bad_seq:,}: report it "
                      "as a security incident. ")
        return (f"{walked}The server signed the chain through event {self.seq:,} at {self.signed_at:%Y-%m-%d %H:%M} UTC "
                f"(head {self.head_hash[:16]}…, signature {self.signature[:16]}…). {local}")


def _from_server(row: AuditRowWire) -> TrailRow:
    return TrailRow(event_id=row.id, at=row.at, person_id=row.actor_user_id, workstation_id=row.device_id, action=row.action,
                    entity=row.entity, record_id=row.entity_id, outcome=row.outcome, detail=row.detail, seq=row.seq)


def _from_desk(event: AuditEvent, *, unsent: bool) -> TrailRow:
    return TrailRow(event_id=event.id, at=event.at, person_id=event.actor_user_id, workstation_id=event.device_id,
                    action=event.action, entity=event.entity, record_id=event.entity_id, outcome=event.outcome,
                    detail=event.detail, unsent=unsent)


def unsent_rows(store: Store, chosen: TrailFilter, *, limit: int = MAX_PAGE_ROWS) -> tuple[TrailRow, ...]:
    """This desk's matching events still on their way to the server (the newest ``limit``)."""
    events = [e for e in store.unsent_audit(100_000) if chosen.matches(e)]
    return tuple(_from_desk(e, unsent=True) for e in events[-limit:])


def local_page(store: Store, chosen: TrailFilter, *, after: int, limit: int) -> TrailPage:
    """One page of this desk's own trail (offline), its unsent events marked."""
    rows: list[TrailRow] = []
    position = after
    scanned = store.audit_events_after(after, limit=LOCAL_SCAN)
    for place, event, unsent in scanned:
        position = place
        if chosen.matches(event):
            rows.append(_from_desk(event, unsent=unsent))
            if len(rows) == limit:
                break
    more = len(rows) == limit or len(scanned) == LOCAL_SCAN
    return TrailPage(rows=tuple(rows), has_more=more and bool(store.audit_events_after(position, limit=1)),
                     next_after=position, online=False, note=OFFLINE_NOTE)


def read_page(store: Store, *, link: ServerLink | None, chosen: TrailFilter, after: int = 0,
              limit: int = PAGE_ROWS) -> TrailPage:
    """One page of the trail: the server's when it answers, else this desk's with :data:`OFFLINE_NOTE`.

    Not audited here: the use case (``medspa_desk.desk.compliance``) audits what the person saw.
    """
    chosen.check()
    if not 1 <= limit <= MAX_PAGE_ROWS:
        raise TrailFilterError(f"A page holds 1 to {MAX_PAGE_ROWS} rows.")
    if link is not None:
        try:
            page = link.api.audit_page(params={**chosen.params(), "after_seq": after, "limit": limit},
                                       access_token=link.access_token())
        except (ConnectionTrouble, ServerTrouble):
            if after:
                raise  # a later page of the server's trail: this desk's positions would not follow on
            return local_page(store, chosen, after=0, limit=limit)
        rows = tuple(_from_server(r) for r in page.rows)
        return TrailPage(rows=rows, has_more=page.has_more, next_after=page.rows[-1].seq if page.rows else after,
                         online=True, unsent=unsent_rows(store, chosen) if after == 0 else ())
    return local_page(store, chosen, after=after, limit=limit)


def every_row(store: Store, *, link: ServerLink | None, chosen: TrailFilter, most: int) -> Iterator[TrailPage]:
    """Every page of the filtered trail, up to ``most`` rows in all (for a PDF or a report)."""
    after, seen = 0, 0
    while True:
        page = read_page(store, link=link, chosen=chosen, after=after, limit=MAX_PAGE_ROWS)
        seen += len(page.rows)
        yield page
        if not page.has_more or seen >= most:
            return
        link = link if page.online else None  # offline from the first page: this desk's trail to the end
        after = page.next_after


def chain_status(store: Store, *, link: ServerLink) -> ChainStatus:
    """The server's signed checkpoint of the practice's chain, and whether this desk's own trail verifies."""
    answer: AuditCheckpoint = link.api.audit_checkpoint(access_token=link.access_token())
    walked = link.api.audit_verify(access_token=link.access_token())
    local = store.audit.verify()
    return ChainStatus(seq=answer.seq, head_hash=answer.hash, signed_at=answer.at, signature=answer.signature,
                       local_ok=local.ok, local_problem=local.reason, verified=walked)
