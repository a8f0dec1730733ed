"""The server's audit trail: append-only, hash-chained per tenant.

Events are collected during a request and appended at the end of the same
transaction as the business write, so they stand or fall together: if the
audit row cannot be written, the write rolls back and the caller answers 503.

The link is ``medspa_desk.audit.chain_hash`` (the one definition shared with the
workstation) over the event, with the server-only context of the row (tenant,
position, address, user agent, origin) folded into the previous hash, so
editing any stored column breaks the chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from medspa_api.db import tables as t
from medspa_api.db.dialect import as_utc, for_update
from medspa_desk.audit import GENESIS_HASH, chain_hash
from medspa_desk.records import AuditAction, AuditEvent, utc_now


class AuditUnavailable(RuntimeError):
    """The audit row could not be written, so the change it describes was not kept."""


@dataclass(frozen=True, kw_only=True)
class Origin:
    """Where a request came from, as the audit records it (no PHI)."""

    address: str = ""
    user_agent: str = ""


@dataclass
class AuditBuffer:
    """Events waiting to be appended in the current transaction."""

    origin: Origin = field(default_factory=Origin)
    pending: list[tuple[AuditEvent, str]] = field(default_factory=list)

    def record(self, *, actor_user_id: UUID | None, device_id: UUID | None, action: AuditAction,
               entity: str = "", entity_id: UUID | None = None, outcome: str = "ok",
               detail: str = "") -> None:
        self.pending.append((AuditEvent(actor_user_id=actor_user_id, device_id=device_id, action=action,
                                        entity=entity, entity_id=entity_id, outcome=outcome,
                                        detail=detail[:500]), "server"))

    def add_client_events(self, events: list[AuditEvent]) -> None:
        self.pending.extend((event, "client") for event in events)


def _context_digest(*, tenant_id: UUID, seq: int, origin: str, address: str, user_agent: str) -> str:
    context = json.dumps({"tenant_id": str(tenant_id), "seq": seq, "origin": origin, "address": address,
                          "user_agent": user_agent}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(context.encode("utf-8")).hexdigest()


def link_hash(*, prev_hash: str, event: AuditEvent, tenant_id: UUID, seq: int, origin: str,
              address: str, user_agent: str) -> str:
    context = _context_digest(tenant_id=tenant_id, seq=seq, origin=origin, address=address,
                              user_agent=user_agent)
    return chain_hash(prev_hash + context, event)


def flush(conn: Connection, *, tenant_id: UUID, buffer: AuditBuffer) -> int:
    """Append the buffered events (client events once each); returns how many were stored."""
    if not buffer.pending:
        return 0
    try:
        return _append(conn, tenant_id=tenant_id, buffer=buffer)
    except sa.exc.DBAPIError as exc:
        raise AuditUnavailable("the audit trail could not be written") from exc
    finally:
        buffer.pending.clear()


def _append(conn: Connection, *, tenant_id: UUID, buffer: AuditBuffer) -> int:
    head = conn.execute(for_update(sa.select(t.audit_heads.c.last_seq, t.audit_heads.c.last_hash)
                                   .where(t.audit_heads.c.tenant_id == tenant_id))).first()
    if head is None:
        raise AuditUnavailable("the tenant has no audit head")
    seq, prev = int(head.last_seq), head.last_hash
    client_ids = [event.id for event, origin in buffer.pending if origin == "client"]
    known: set[UUID] = set()
    for start in range(0, len(client_ids), 500):
        chunk = client_ids[start:start + 500]
        known.update(conn.execute(sa.select(t.audit.c.id).where(t.audit.c.tenant_id == tenant_id,
                                                                  t.audit.c.id.in_(chunk))).scalars())
    now = utc_now()
    rows: list[dict[str, Any]] = []
    for event, origin in buffer.pending:
        if event.id in known:
            continue
        known.add(event.id)
        seq += 1
        address = buffer.origin.address[:64]
        agent = buffer.origin.user_agent[:200]
        digest = link_hash(prev_hash=prev, event=event, tenant_id=tenant_id, seq=seq, origin=origin,
                           address=address, user_agent=agent)
        rows.append({"tenant_id": tenant_id, "seq": seq, "id": event.id, "at": event.at, "recorded_at": now,
                     "actor_user_id": event.actor_user_id, "device_id": event.device_id,
                     "address": address, "user_agent": agent, "action": event.action.value,
                     "entity": event.entity, "entity_id": event.entity_id, "outcome": event.outcome,
                     "detail": event.detail, "origin": origin, "prev_hash": prev, "hash": digest})
        prev = digest
    if rows:
        conn.execute(t.audit.insert(), rows)
        conn.execute(t.audit_heads.update().where(t.audit_heads.c.tenant_id == tenant_id)
                     .values(last_seq=seq, last_hash=prev))
    return sum(1 for row in rows if row["origin"] == "client")


def event_of(row: Any) -> AuditEvent:
    return AuditEvent(id=row.id, at=as_utc(row.at), actor_user_id=row.actor_user_id, device_id=row.device_id,
                      action=AuditAction(row.action), entity=row.entity, entity_id=row.entity_id,
                      outcome=row.outcome, detail=row.detail)


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    rows: int
    first_bad_seq: int | None = None
    head_hash: str = GENESIS_HASH


def verify_chain(conn: Connection, *, tenant_id: UUID) -> ChainCheck:
    """Walk one tenant's chain in order; report the first row whose link does not hold.

    Rows purged after the six-year retention leave the chain starting at the
    oldest kept row's ``prev_hash``.
    """
    prev: str | None = None
    count = 0
    result = conn.execute(sa.select(t.audit).where(t.audit.c.tenant_id == tenant_id).order_by(t.audit.c.seq))
    for row in result:
        count += 1
        if prev is not None and row.prev_hash != prev:
            return ChainCheck(False, count, row.seq)
        expected = link_hash(prev_hash=row.prev_hash, event=event_of(row), tenant_id=tenant_id, seq=row.seq,
                             origin=row.origin, address=row.address, user_agent=row.user_agent)
        if expected != row.hash:
            return ChainCheck(False, count, row.seq)
        prev = row.hash
    return ChainCheck(True, count, None, prev or GENESIS_HASH)
