"""The server's audit trail: append-only, hash-chained per tenant.

Events are collected during a request and appended at the end of the same
transaction as the business write, so they stand or fall together: if the
audit row cannot be written, the write rolls back and the caller answers 503.

The link is ``medspa_desk.audit.chain_hash`` (the one definition shared with the
workstation) over the event, with the server-only context of the row (tenant,
position, address, user agent, origin, key id) folded into the previous hash,
so editing any stored column breaks the chain; the stored link is an
HMAC-SHA256 of that under a key the database does not hold (the server's
settings, :class:`ChainKeys`), so whoever can only write the database, such
as the app role on PostgreSQL, cannot append a row that verifies. Each row
names its key (``key_id``) so keys can be rotated (docs/operations.md); rows
chained before the chain had a key verify unkeyed up to the seq the migration
wrote into ``audit_keyed_from`` and no further.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from medspa_api.db import tables as t
from medspa_api.db.dialect import as_utc, for_update
from medspa_api.settings import Settings
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


def key_id(key: bytes) -> str:
    """A short public name for a chain key, stored with each row it links (never the key itself)."""
    return hashlib.sha256(b"medspa audit key id|" + key).hexdigest()[:16]


@dataclass(frozen=True)
class ChainKeys:
    """The key new links are made under, and earlier keys still needed to verify older rows."""

    current: bytes
    previous: tuple[bytes, ...] = ()

    @property
    def current_id(self) -> str:
        return key_id(self.current)

    def by_id(self) -> dict[str, bytes]:
        return {key_id(key): key for key in (*self.previous, self.current)}


def derived_chain_key(secret_key: str) -> bytes:
    """The chain key of a server that names none: derived from its secret key (which the database never holds)."""
    return hmac.new(secret_key.encode("utf-8"), b"medspa audit chain key", hashlib.sha256).digest()


def chain_keys(settings: Settings) -> ChainKeys:
    current = settings.audit_key.encode("utf-8") if settings.audit_key else derived_chain_key(settings.secret_key)
    previous = (*(key.encode("utf-8") for key in settings.audit_previous_keys),
                *(derived_chain_key(secret) for secret in settings.audit_previous_secrets))
    return ChainKeys(current=current, previous=previous)


# The keys each database handle's chains are made with: set where the settings are known (create_app, the
# CLI), so the many places that append audit rows need not carry them.
_KEYS: weakref.WeakKeyDictionary[Engine, ChainKeys] = weakref.WeakKeyDictionary()


def use_chain_keys(engine: Engine, keys: ChainKeys) -> None:
    _KEYS[engine] = keys


def _keys_for(conn: Connection) -> ChainKeys:
    keys = _KEYS.get(conn.engine)
    if keys is None:
        raise AuditUnavailable("no audit chain key is set for this database")
    return keys


def _context_digest(*, tenant_id: UUID, seq: int, origin: str, address: str, user_agent: str,
                    key_name: str = "") -> str:
    fields: dict[str, Any] = {"tenant_id": str(tenant_id), "seq": seq, "origin": origin, "address": address,
                              "user_agent": user_agent}
    if key_name:
        fields["key_id"] = key_name
    context = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(context.encode("utf-8")).hexdigest()


def link_hash(*, prev_hash: str, event: AuditEvent, tenant_id: UUID, seq: int, origin: str,
              address: str, user_agent: str, key: bytes | None = None) -> str:
    """The row's link: an HMAC under ``key``; unkeyed (a plain hash) only for rows from before the key."""
    context = _context_digest(tenant_id=tenant_id, seq=seq, origin=origin, address=address,
                              user_agent=user_agent, key_name=key_id(key) if key is not None else "")
    digest = chain_hash(prev_hash + context, event)
    if key is None:
        return digest
    return hmac.new(key, digest.encode("ascii"), hashlib.sha256).hexdigest()


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
    keys = _keys_for(conn)
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
                           address=address, user_agent=agent, key=keys.current)
        rows.append({"tenant_id": tenant_id, "seq": seq, "id": event.id, "at": event.at, "recorded_at": now,
                     "actor_user_id": event.actor_user_id, "device_id": event.device_id,
                     "address": address, "user_agent": agent, "action": event.action.value,
                     "entity": event.entity, "entity_id": event.entity_id, "outcome": event.outcome,
                     "detail": event.detail, "origin": origin, "prev_hash": prev, "hash": digest,
                     "key_id": keys.current_id})
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
    last_seq: int | None = None  # the newest row that verified, and when it happened
    last_at: datetime | None = None


def verify_chain(conn: Connection, *, tenant_id: UUID, keys: ChainKeys | None = None) -> ChainCheck:
    """Walk one tenant's chain in order; report the first row whose link does not hold.

    Rows purged after the six-year retention leave the chain starting at the
    oldest kept row's ``prev_hash``. ``keys`` defaults to those set for this
    database (:func:`use_chain_keys`); a row under a key not among them fails.
    """
    known = (keys or _keys_for(conn)).by_id()
    unkeyed_until = conn.execute(sa.select(t.audit_keyed_from.c.seq)
                                 .where(t.audit_keyed_from.c.tenant_id == tenant_id)).scalar() or 0
    prev: str | None = None
    count = 0
    last: Any = None
    result = conn.execute(sa.select(t.audit).where(t.audit.c.tenant_id == tenant_id).order_by(t.audit.c.seq))
    for row in result:
        count += 1
        if prev is not None and row.prev_hash != prev:
            return ChainCheck(False, count, row.seq)
        if row.key_id:
            key = known.get(row.key_id)
            if key is None:
                return ChainCheck(False, count, row.seq)
        elif row.seq > unkeyed_until:
            return ChainCheck(False, count, row.seq)
        else:
            key = None
        expected = link_hash(prev_hash=row.prev_hash, event=event_of(row), tenant_id=tenant_id, seq=row.seq,
                             origin=row.origin, address=row.address, user_agent=row.user_agent, key=key)
        if not hmac.compare_digest(expected, row.hash):
            return ChainCheck(False, count, row.seq)
        prev = row.hash
        last = row
    return ChainCheck(True, count, None, prev or GENESIS_HASH, last_seq=last.seq if count else None,
                      last_at=as_utc(last.at) if count else None)
