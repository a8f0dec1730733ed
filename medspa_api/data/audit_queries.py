"""Reading the audit trail for managers, and signed checkpoints of its head."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from medspa_api.db import tables as t
from medspa_api.db.dialect import as_utc
from medspa_desk.audit import CSV_COLUMNS, spreadsheet_safe
from medspa_desk.records import utc_now


@dataclass(frozen=True)
class AuditFilter:
    """Which rows a manager asked for: every part optional, all of them together (AND)."""

    since: datetime | None = None
    until: datetime | None = None
    user_id: UUID | None = None
    device_id: UUID | None = None
    entity_ids: tuple[UUID, ...] = ()  # a record, or a client with its visits, forms and treatments
    actions: tuple[str, ...] = ()


def audit_rows(conn: Connection, *, tenant_id: UUID, since: datetime | None = None, until: datetime | None = None,
               user_id: UUID | None = None, entity_id: UUID | None = None, after_seq: int = 0,
               limit: int | None = None, chosen: AuditFilter | None = None) -> list[sa.Row]:
    a = t.audit.c
    chosen = chosen or AuditFilter(since=since, until=until, user_id=user_id,
                                   entity_ids=(entity_id,) if entity_id is not None else ())
    where = [a.tenant_id == tenant_id, a.seq > after_seq]
    if chosen.since is not None:
        where.append(a.at >= chosen.since)
    if chosen.until is not None:
        where.append(a.at < chosen.until)
    if chosen.user_id is not None:
        where.append(a.actor_user_id == chosen.user_id)
    if chosen.device_id is not None:
        where.append(a.device_id == chosen.device_id)
    if chosen.entity_ids:
        where.append(a.entity_id.in_(chosen.entity_ids))
    if chosen.actions:
        where.append(a.action.in_(chosen.actions))
    query = sa.select(t.audit).where(*where).order_by(a.seq)
    if limit is not None:
        query = query.limit(limit)
    return list(conn.execute(query))


def as_csv(rows: list[sa.Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        values = []
        for column in CSV_COLUMNS:
            value = getattr(row, column)
            if isinstance(value, datetime):
                value = as_utc(value).isoformat()
            values.append(spreadsheet_safe("" if value is None else str(value)))
        writer.writerow(values)
    return out.getvalue()


def checkpoint(conn: Connection, *, tenant_id: UUID, secret_key: str) -> tuple[int, str, datetime, str]:
    """Record and sign the chain head; keep the answer outside the database to detect a rewrite."""
    head = conn.execute(sa.select(t.audit_heads.c.last_seq, t.audit_heads.c.last_hash)
                        .where(t.audit_heads.c.tenant_id == tenant_id)).one()
    now = utc_now()
    exists = conn.execute(sa.select(t.audit_checkpoints.c.seq).where(
        t.audit_checkpoints.c.tenant_id == tenant_id, t.audit_checkpoints.c.seq == head.last_seq)).first()
    if exists is None:
        conn.execute(t.audit_checkpoints.insert().values(tenant_id=tenant_id, seq=head.last_seq,
                                                         hash=head.last_hash, at=now))
    return head.last_seq, head.last_hash, now, sign_checkpoint(
        tenant_id=tenant_id, seq=head.last_seq, chain_hash=head.last_hash, at=now, secret_key=secret_key)


def sign_checkpoint(*, tenant_id: UUID, seq: int, chain_hash: str, at: datetime, secret_key: str) -> str:
    message = f"{tenant_id}|{seq}|{chain_hash}|{at.isoformat()}".encode()
    return hmac.new(secret_key.encode("utf-8"), message, hashlib.sha256).hexdigest()
