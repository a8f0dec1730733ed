"""Loading the demo practice (``medspa_demo.practice``) into the central API's database, in bulk."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from uuid import UUID

import sqlalchemy as sa

from medspa_api.data.changes import LOCATION_SCOPED
from medspa_api.data.tenants import create_tenant
from medspa_api.db import tables as t
from medspa_api.db.database import Database
from medspa_api.db.dialect import bulk_insert, for_update
from medspa_api.security.passwords import check_new_password, hash_password
from medspa_api.security.totp import enrolment_uri, new_secret
from medspa_demo.model import Scale
from medspa_demo.practice import generate_practice
from medspa_desk.records import Appointment, Record, User, utc_now
from medspa_desk.scheduling import blocked_interval

CHUNK = 10_000


def bulk_load(db: Database, *, tenant_id: UUID, records: Iterable[Record]) -> int:
    """Store many records at once with consecutive seqs (a fresh practice; no merge rules apply)."""
    loaded = 0
    batch: list[Record] = []

    def flush(chunk: list[Record]) -> None:
        with db.transaction(tenant_id) as conn:
            head = conn.execute(for_update(sa.select(t.change_heads.c.last_seq)
                                           .where(t.change_heads.c.tenant_id == tenant_id))).scalar() or 0
            now = utc_now()
            rows, changes, slots = [], [], []
            for offset, record in enumerate(chunk, start=1):
                seq = head + offset
                # pydantic's own JSON writer: the same document as json.dumps(to_json()), several times faster.
                data = record.model_copy(update={"seq": seq}).model_dump_json()
                location = getattr(record, "location_id", None) if record.entity in LOCATION_SCOPED else None
                if record.entity == "location":
                    location = record.id
                rows.append({"tenant_id": tenant_id, "id": record.id, "entity": record.entity,
                             "version": record.version, "seq": seq, "location_id": location,
                             "deleted": False, "data": data, "updated_at": record.updated_at})
                changes.append({"tenant_id": tenant_id, "seq": seq, "entity": record.entity,
                                "entity_id": record.id, "version": record.version, "deleted": False, "at": now})
                if isinstance(record, Appointment):
                    start, end = blocked_interval(record)
                    slots.append({"tenant_id": tenant_id, "appointment_id": record.id,
                                  "provider_id": record.provider_id, "room_id": record.room_id,
                                  "blocked_from": start, "blocked_to": end, "holds_slot": record.holds_slot})
            bulk_insert(conn, t.records, rows)
            bulk_insert(conn, t.changes, changes)
            bulk_insert(conn, t.appointment_slots, slots)
            conn.execute(t.change_heads.update().where(t.change_heads.c.tenant_id == tenant_id)
                         .values(last_seq=head + len(chunk)))

    for record in records:
        batch.append(record)
        if len(batch) >= CHUNK:
            flush(batch)
            loaded += len(batch)
            batch = []
    if batch:
        flush(batch)
        loaded += len(batch)
    return loaded


def seed_demo(db: Database, *, tenant_name: str, password: str = "", scale: Scale | None = None) -> str:
    """Create the demo practice; every demo user gets ``password`` (or a generated one) and a TOTP."""
    practice = generate_practice(scale=scale) if scale else generate_practice()
    password = password or "-".join(secrets.token_hex(3) for _ in range(4))
    check_new_password(password, tenant=tenant_name)
    with db.transaction() as conn:
        tenant_id = create_tenant(conn, name=tenant_name)
    count = bulk_load(db, tenant_id=tenant_id, records=practice.all_records())
    shared_hash = hash_password(password)
    lines = [f"Demo practice {tenant_name!r} ({tenant_id}): {count} records.",
             f"Every demo user's password: {password}"]
    with db.transaction(tenant_id) as conn:
        for user in practice.users:
            secret = new_secret()
            _insert_auth_user(conn, tenant_id=tenant_id, user=user, password_hash=shared_hash, secret=secret)
            lines.append(f"  {user.role.value:10s} {user.username}: "
                         f"{enrolment_uri(secret, username=user.username, tenant=tenant_name)}")
    return "\n".join(lines)


def _insert_auth_user(conn: sa.Connection, *, tenant_id: UUID, user: User, password_hash: str, secret: str) -> None:
    conn.execute(t.users.insert().values(
        tenant_id=tenant_id, id=user.id, username=user.username, display_name=user.display_name,
        role=user.role.value, provider_id=user.provider_id, password_hash=password_hash, totp_secret=secret,
        totp_last_counter=0, active=user.active, failed_logins=0, created_at=utc_now()))
