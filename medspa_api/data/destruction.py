"""The end of a contract: a practice destroyed on two managers' word (issue 18 item 5).

One manager asks, after exporting the practice (the SHA-256 of the export's manifest and its counts go
on record); a different manager confirms within ``DESTRUCTION_CONFIRM_WITHIN_H`` hours, typing the
practice's name. The confirmation deletes, in its one transaction, every row of the practice in every
table that has a ``tenant_id`` column (found from the schema, so a table added later is never missed),
and the practice itself. What is kept is the tombstone (``practice_destructions`` and
``destroyed_workstations``, keyed by ``practice_id``): the request, the confirmation, the rows deleted
per table, the practice's workstations and when each confirmed its wipe, and the destruction's own audit
events, which the practice receives with its certificate of destruction.

Every later request carrying the practice's token is answered 403 ``practice_destroyed``; the
workstation wipes itself (the revocation's erase) and confirms with its device secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from medspa_api.audit_log import flush
from medspa_api.data.destroyed import is_destroyed, is_destroyed_workstation, practice_destroyed
from medspa_api.db import tables as t
from medspa_api.db.dialect import as_utc, for_update, is_sqlite
from medspa_api.device_proof import device_proof
from medspa_api.errors import ApiError
from medspa_api.security.token_cache import forget_cached_checks
from medspa_desk.protocol import (
    DESTRUCTION_CONFIRM_WITHIN_H,
    DestroyedWorkstation,
    DestructionCertificate,
    DestructionConfirm,
    DestructionEvent,
    DestructionPending,
    DestructionRequest,
)
from medspa_desk.records import AuditAction, new_id

if TYPE_CHECKING:  # annotations only
    from medspa_api.sessions import Caller

ENTITY = "practice"
D = t.practice_destructions
W = t.destroyed_workstations
KEPT_TABLES = frozenset({D.name, W.name})  # the tombstone: keyed by practice_id, kept after the destruction
EVENTS_MAX = 200  # the destruction's own events kept in the tombstone (requests, refusals, confirmations, wipes)


def _row(conn: Connection, practice_id: UUID) -> sa.Row | None:
    return conn.execute(sa.select(D).where(D.c.practice_id == practice_id)).first()


def _name_of(conn: Connection, *, tenant_id: UUID, user_id: UUID) -> str:
    row = conn.execute(sa.select(t.users.c.display_name, t.users.c.username)
                       .where(t.users.c.tenant_id == tenant_id, t.users.c.id == user_id)).first()
    return (row.display_name or row.username) if row is not None else f"someone (id {str(user_id)[:8]})"


def _utc(value: datetime | None) -> datetime:
    stored = as_utc(value)
    assert stored is not None  # a column the row has by now
    return stored


def _expires(row: sa.Row) -> datetime:
    return _utc(row.requested_at) + timedelta(hours=DESTRUCTION_CONFIRM_WITHIN_H)


def _lives(row: sa.Row | None, now: datetime) -> bool:
    return row is not None and row.destroyed_at is None and row.confirmed_at is None and _expires(row) > now


def _keep_event(conn: Connection, *, practice_id: UUID, event: DestructionEvent) -> None:
    """Add ``event`` to the tombstone's own trail (the destruction's events outlive the practice's trail)."""
    stored = conn.execute(sa.select(D.c.events_json).where(D.c.practice_id == practice_id)).scalar()
    if stored is None:
        return
    events = json.loads(stored)[-(EVENTS_MAX - 1):]
    events.append(json.loads(event.model_dump_json()))
    conn.execute(D.update().where(D.c.practice_id == practice_id).values(events_json=json.dumps(events)))


def _audit(conn: Connection, caller: Caller, *, who: str, now: datetime, outcome: str, detail: str) -> None:
    """One event in the practice's chain and the same in the tombstone's trail."""
    buffer = caller.audit()
    buffer.record(actor_user_id=caller.user_id, device_id=caller.device_id,
                  action=AuditAction.DELETE if outcome == "ok" else AuditAction.ACCESS_DENIED,
                  entity=ENTITY, entity_id=caller.tenant_id, outcome=outcome, detail=detail)
    flush(conn, tenant_id=caller.tenant_id, buffer=buffer)
    _keep_event(conn, practice_id=caller.tenant_id, event=DestructionEvent(
        at=now, who=who, workstation=caller.device_id, action="destruction", outcome=outcome, detail=detail))


def pending(conn: Connection, *, tenant_id: UUID, now: datetime) -> DestructionPending:
    row = _row(conn, tenant_id)
    if row is None or not _lives(row, now):
        return DestructionPending()
    return DestructionPending(request_id=row.id, practice_id=tenant_id, practice=row.practice_name,
                              requested_by=row.requested_by, requested_by_name=row.requested_by_name,
                              requested_at=as_utc(row.requested_at),
                              expires_at=_expires(row), reason=row.reason, export_sha256=row.export_sha256,
                              export_counts=json.loads(row.export_counts))


def request(conn: Connection, *, caller: Caller, body: DestructionRequest, now: datetime) -> DestructionPending:
    """Record the request (a new one replaces one still waiting or lapsed); audited."""
    if is_destroyed(conn, practice_id=caller.tenant_id):
        raise practice_destroyed()
    practice = conn.execute(sa.select(t.tenants.c.name).where(t.tenants.c.id == caller.tenant_id)).scalar_one()
    who = _name_of(conn, tenant_id=caller.tenant_id, user_id=caller.user_id)
    values = {"id": new_id(), "practice_name": practice, "requested_by": caller.user_id,
              "requested_by_name": who, "requested_at": now, "reason": body.reason.strip(),
              "export_sha256": body.export_sha256, "export_counts": json.dumps(body.export_counts),
              "confirmed_by": None, "confirmed_by_name": None, "confirmed_at": None}
    if _row(conn, caller.tenant_id) is None:
        conn.execute(D.insert().values(practice_id=caller.tenant_id, **values))
    else:
        conn.execute(D.update().where(D.c.practice_id == caller.tenant_id).values(**values))
    _audit(conn, caller, who=who, now=now, outcome="ok",
           detail=f"requested;request={values['id']};export_sha256={body.export_sha256}")
    return pending(conn, tenant_id=caller.tenant_id, now=now)


def confirmation_refusal(conn: Connection, *, caller: Caller, body: DestructionConfirm,
                         now: datetime) -> tuple[ApiError, str] | None:
    """Why this confirmation is refused (the answer and its audit outcome), or None to go ahead. The request
    stays locked until the transaction ends: of two managers confirming at once, the second finds it gone."""
    row = conn.execute(for_update(sa.select(D).where(D.c.practice_id == caller.tenant_id))).first()
    if not _lives(row, now):
        return ApiError(409, "no_destruction_request", "There is no request to destroy the practice waiting "
                        "(none was made, or it lapsed after 24 hours). A manager asks for it first, after "
                        "exporting the practice."), "no_request"
    assert row is not None
    if row.id != body.request_id:
        return ApiError(409, "destruction_request_changed", "The request was replaced by a newer one. Read it "
                        "again and confirm that one if it is right."), "request_changed"
    if row.requested_by == caller.user_id:
        return ApiError(409, "same_manager", "You asked for this destruction, so you cannot also confirm it. "
                        "A second, different manager must confirm it from their own sign-in."), "same_manager"
    if body.practice_name.strip().casefold() != row.practice_name.casefold():
        return ApiError(422, "practice_name_mismatch", "The practice name typed does not match. Type the "
                        f"practice's name exactly as shown ({row.practice_name}) to confirm."), "name_mismatch"
    return None


def refuse_confirmation(conn: Connection, *, caller: Caller, outcome: str, now: datetime) -> None:
    who = _name_of(conn, tenant_id=caller.tenant_id, user_id=caller.user_id)
    _audit(conn, caller, who=who, now=now, outcome=outcome, detail="confirm refused")


def confirm(conn: Connection, *, caller: Caller, body: DestructionConfirm, now: datetime) -> DestructionCertificate:
    """Destroy the practice (confirmation checked by :func:`confirmation_refusal`): every row of it on this
    server, in this transaction. The certificate is read again later with the key whose hash came with it."""
    tenant_id = caller.tenant_id
    who = _name_of(conn, tenant_id=tenant_id, user_id=caller.user_id)
    conn.execute(D.update().where(D.c.practice_id == tenant_id)
                 .values(confirmed_by=caller.user_id, confirmed_by_name=who, confirmed_at=now))
    _audit(conn, caller, who=who, now=now, outcome="ok", detail="confirmed; the practice's rows are deleted now")
    devices = conn.execute(sa.select(t.devices.c.id, t.devices.c.name, t.devices.c.secret_hash,
                                     t.devices.c.revoked_at).where(t.devices.c.tenant_id == tenant_id)).all()
    if devices:
        conn.execute(W.insert(), [{"practice_id": tenant_id, "device_id": d.id, "name": d.name,
                                   "secret_hash": d.secret_hash, "revoked_at": d.revoked_at} for d in devices])
    deleted = delete_practice_rows(conn, practice_id=tenant_id)
    forget_cached_checks(conn)
    conn.execute(D.update().where(D.c.practice_id == tenant_id)
                 .values(destroyed_at=now, deleted_json=json.dumps(deleted), certificate_hash=body.certificate_key_sha256))
    _keep_event(conn, practice_id=tenant_id, event=DestructionEvent(
        at=now, who="the server", action="destruction", outcome="ok",
        detail=f"deleted {sum(deleted.values())} rows in one transaction from {len(deleted)} tables"))
    return certificate(conn, practice_id=tenant_id)


def delete_practice_rows(conn: Connection, *, practice_id: UUID) -> dict[str, int]:
    """Delete every row of the practice from every table with a ``tenant_id`` column, then the practice;
    the rows deleted per table. Only a destruction confirmed by two different managers gets through the
    database's own walls (the append-only triggers on SQLite, a function the app role may call on
    PostgreSQL: see migration 0012)."""
    if not is_sqlite(conn):
        rows = conn.execute(sa.text("SELECT table_name, deleted FROM medspa_destroy_practice(:p)"),
                            {"p": practice_id}).all()
        return {name: int(count) for name, count in rows}
    deleted: dict[str, int] = {}
    for table in reversed(t.metadata.sorted_tables):
        if "tenant_id" in table.c:
            deleted[table.name] = conn.execute(table.delete().where(table.c.tenant_id == practice_id)).rowcount
    deleted["tenants"] = conn.execute(t.tenants.delete().where(t.tenants.c.id == practice_id)).rowcount
    return dict(sorted(deleted.items()))


def certificate(conn: Connection, *, practice_id: UUID) -> DestructionCertificate:
    row = _row(conn, practice_id)
    assert row is not None and row.destroyed_at is not None
    stations = conn.execute(sa.select(W).where(W.c.practice_id == practice_id).order_by(W.c.name, W.c.device_id))
    return DestructionCertificate(
        practice_id=practice_id, practice=row.practice_name, request_id=row.id,
        requested_by_name=row.requested_by_name, requested_at=_utc(row.requested_at), reason=row.reason,
        export_sha256=row.export_sha256, export_counts=json.loads(row.export_counts),
        confirmed_by_name=row.confirmed_by_name or "", confirmed_at=_utc(row.confirmed_at),
        destroyed_at=_utc(row.destroyed_at), deleted=json.loads(row.deleted_json),
        workstations=[DestroyedWorkstation(device_id=w.device_id, name=w.name,
                                           revoked_at=as_utc(w.revoked_at),
                                           wiped_at=as_utc(w.wiped_at)) for w in stations],
        events=[DestructionEvent.model_validate(e) for e in json.loads(row.events_json)])


CERTIFICATE_UNKNOWN = ApiError(404, "no_certificate", "No certificate of destruction matches this practice and "
                               "key. Use the receipt saved beside the certificate when the practice was destroyed.")


def certificate_by_key(conn: Connection, *, practice_id: UUID, key: str,
                       now: datetime) -> DestructionCertificate | ApiError:
    """The certificate for the holder of its key; a wrong key is kept in the destruction's events (the
    refusal to give, committed with them) and answered as if there were no such certificate."""
    stored = conn.execute(sa.select(D.c.certificate_hash).where(D.c.practice_id == practice_id)).scalar()
    if stored is None:
        return CERTIFICATE_UNKNOWN
    if not hmac.compare_digest(stored, hashlib.sha256(key.encode()).hexdigest()):
        _keep_event(conn, practice_id=practice_id, event=DestructionEvent(
            at=now, who="someone without the key", action="certificate", outcome="wrong_key"))
        return CERTIFICATE_UNKNOWN
    return certificate(conn, practice_id=practice_id)


WORKSTATION_UNKNOWN = ApiError(404, "not_a_destroyed_workstation", "This workstation is not one of a destroyed "
                               "practice's; nothing to confirm.")


def record_wipe(conn: Connection, *, device_id: UUID, secret: str, now: datetime) -> datetime | ApiError:
    """The workstation wiped itself: recorded once (a repeat keeps the first time), proven by its secret.
    A refusal comes back (not raised) so its event in the destruction's trail is committed."""
    row = conn.execute(sa.select(W).where(W.c.device_id == device_id)).first()
    if row is None:
        return WORKSTATION_UNKNOWN
    if device_proof(row.secret_hash, secret) is not None:
        _keep_event(conn, practice_id=row.practice_id, event=DestructionEvent(
            at=now, who=row.name or "a workstation", workstation=device_id, action="workstation_wiped",
            outcome="invalid_device_secret", detail="not recorded: the device secret did not match"))
        return ApiError(401, "invalid_device_secret", "This workstation could not prove it is the one that was "
                        "registered; its wipe is not recorded.")
    if row.wiped_at is not None:
        return _utc(row.wiped_at)
    conn.execute(W.update().where(W.c.practice_id == row.practice_id, W.c.device_id == device_id)
                 .values(wiped_at=now))
    _keep_event(conn, practice_id=row.practice_id, event=DestructionEvent(
        at=now, who=row.name or "a workstation", workstation=device_id, action="workstation_wiped", outcome="ok",
        detail="cryptographic erase of the data key; store files deleted"))
    return now


__all__ = ["KEPT_TABLES", "certificate", "certificate_by_key", "confirm", "confirmation_refusal",
           "delete_practice_rows", "is_destroyed", "is_destroyed_workstation", "pending", "practice_destroyed", "record_wipe",
           "refuse_confirmation", "request"]
