"""Failed sign-ins: each audited, counted per person and per address, and the lock-outs they earn.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from medspa_api.audit_log import AuditBuffer, Origin, flush
from medspa_api.db import tables as t
from medspa_api.db.database import Database
from medspa_api.db.dialect import as_utc, insert_ignoring_duplicates
from medspa_api.errors import ApiError
from medspa_api.settings import Settings
from medspa_desk.records import AuditAction, utc_now


def record_failure(db: Database, *, tenant_id: UUID | None, user: sa.Row | None, origin: Origin,
                    settings: Settings, outcome: str, device_id: UUID | None, counted: bool = True) -> None:
    with db.transaction(tenant_id) as conn:
        note_failure(conn, tenant_id=tenant_id, user_id=user.id if user is not None else None, origin=origin,
                      settings=settings, outcome=outcome, device_id=device_id, counted=counted)


def note_failure(conn: Connection, *, tenant_id: UUID | None, user_id: UUID | None, origin: Origin,
                  settings: Settings, outcome: str, device_id: UUID | None, counted: bool) -> None:
    """Count a refused sign-in against the address (always) and the account (when ``counted``); audit it.

    The audit row carries the account the attempt named whenever it exists in the practice, also when
    it is locked or disabled, so a manager sees every attempt on it.
    """
    now = utc_now()
    _count_address_failure(conn, address=origin.address, settings=settings, now=now)
    if tenant_id is None:
        return
    if user_id is not None and counted:
        _count_user_failure(conn, tenant_id=tenant_id, user_id=user_id, settings=settings, now=now)
    buffer = AuditBuffer(origin=origin)
    buffer.record(actor_user_id=user_id, device_id=device_id, action=AuditAction.SIGN_IN_FAILED, entity="user",
                  entity_id=user_id, outcome=outcome)
    flush(conn, tenant_id=tenant_id, buffer=buffer)


def _count_user_failure(conn: Connection, *, tenant_id: UUID, user_id: UUID, settings: Settings,
                        now: datetime) -> None:
    """One more failure, counted by the database itself, locking (or extending the lock) from the count on.

    The row read before the (slow) password check is stale by now: parallel
    guesses computing ``read + 1`` would overwrite each other and never reach
    the lockout count. The increment and the count it returns are one statement.
    Failures while locked count too, and each one sets the lock again from now,
    doubling with every failure past the count (per-account backoff), up to
    ``lockout_max_s``: guessing on a locked account only keeps it locked longer.
    """
    u = t.users.c
    failures = conn.execute(t.users.update().where(u.tenant_id == tenant_id, u.id == user_id)
                            .values(failed_logins=u.failed_logins + 1).returning(u.failed_logins)).scalar()
    if failures is not None and failures >= settings.lockout_after_failures:
        conn.execute(t.users.update().where(u.tenant_id == tenant_id, u.id == user_id)
                     .values(locked_until=now + timedelta(seconds=lock_duration_s(failures, settings))))


def lock_duration_s(failures: int, settings: Settings) -> int:
    """How long the account stays locked after its ``failures``-th failure in a row."""
    doublings = min(failures - settings.lockout_after_failures, 16)
    return min(settings.lockout_s * 2 ** doublings, settings.lockout_max_s)


def _count_address_failure(conn: Connection, *, address: str, settings: Settings, now: datetime) -> None:
    """Count a failure from ``address`` in its window, atomically (a new window once the old one is over)."""
    a = t.address_throttle.c
    insert_ignoring_duplicates(conn, t.address_throttle, [{"address": address, "window_start": now, "failures": 0}])
    window_over = a.window_start < now - timedelta(seconds=settings.address_window_s)
    conn.execute(t.address_throttle.update().where(a.address == address).values(
        failures=sa.case((window_over, 1), else_=a.failures + 1),
        window_start=sa.case((window_over, now), else_=a.window_start)))


def check_address(db: Database, *, address: str, settings: Settings) -> None:
    with db.transaction(write=False) as conn:
        row = conn.execute(sa.select(t.address_throttle).where(t.address_throttle.c.address == address)).first()
    if row is None:
        return
    window_ends = as_utc(row.window_start) + timedelta(seconds=settings.address_window_s)
    if row.failures >= settings.address_max_failures and window_ends > utc_now():
        wait = int((window_ends - utc_now()).total_seconds()) + 1
        raise ApiError(429, "too_many_attempts",
                       f"Too many failed sign-ins from this computer; try again in {max(1, wait // 60)} minutes.",
                       headers={"Retry-After": str(wait)})

