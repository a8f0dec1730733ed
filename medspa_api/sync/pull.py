"""Pull: records changed after a cursor, in seq order, in pages.

Each record appears once, at the seq it was last changed at (the records
table is indexed by tenant and seq), so a long-offline desk downloads the
present, not the history. The page is written as JSON text straight from the
stored record JSON: validating and re-serialising every record would make the
initial pull of a practice several times slower.

``remaining`` is the number of changes (seq values) after the page's cursor up
to the practice's newest seq, read from the tenant's head row: exactly what
the protocol names, and an upper bound of the records still to download
(superseded changes and other locations' records are not sent again), so a
progress bar may finish early but never runs backwards. Counting the records
themselves on every page would scan the rest of the table each time.
``has_more`` is exact: the page query asks for one row more than it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import sqlalchemy as sa

from medspa_api.audit_log import flush
from medspa_api.data.changes import latest_seq
from medspa_api.db import tables as t
from medspa_api.db.database import Database
from medspa_api.db.dialect import uuid_text, walk_in_seq_order
from medspa_api.sessions import Caller
from medspa_desk.records import AuditAction, utc_now


@dataclass(frozen=True)
class PageBody:
    """One page's PullResponse as JSON bytes, with the two fields a desk needs to ask for the next one."""

    content: bytes
    cursor: int
    has_more: bool


def pull_page(db: Database, *, caller: Caller, after: int, limit: int, location_id: UUID | None) -> PageBody:
    """The PullResponse for one page."""
    r = t.records.c
    scope = [r.tenant_id == caller.tenant_id, r.seq > after]
    if location_id is not None:
        # Other locations' appointments, rooms and shifts stay on the server.
        scope.append(sa.or_(r.location_id.is_(None), r.location_id == location_id,
                            r.entity == "location"))
    # Read without the write lock (SQLite would hold every push back for the whole page), then record
    # the read; if the audit row cannot be written, the page is never sent (503).
    with db.transaction(caller.tenant_id, write=False) as conn:
        walk_in_seq_order(conn)
        rows = conn.execute(sa.select(r.seq, r.entity, uuid_text(conn, r.id).label("id"), r.version, r.deleted, r.data)
                            .where(*scope).order_by(r.seq).limit(limit + 1)).all()
        has_more = len(rows) > limit
        rows = rows[:limit]
        cursor = rows[-1].seq if rows else after
        remaining = max(0, latest_seq(conn, tenant_id=caller.tenant_id) - cursor) if has_more else 0
    if rows:
        with db.transaction(caller.tenant_id) as conn:
            buffer = caller.audit()
            buffer.record(actor_user_id=caller.user_id, device_id=caller.device_id, action=AuditAction.VIEW,
                          entity="changes", detail=f"pull after={after} records={len(rows)}")
            flush(conn, tenant_id=caller.tenant_id, buffer=buffer)
    parts = []
    for row in rows:
        # Entity names are the server's own identifiers (records.py), never quoted characters.
        head = f'{{"seq":{row.seq},"entity":"{row.entity}","entity_id":"{row.id}","version":{row.version}'
        if row.deleted:
            parts.append(head + ',"deleted":true,"data":null}')
        else:
            parts.append(head + ',"deleted":false,"data":' + row.data + "}")
    body = (f'{{"changes":[{",".join(parts)}],"cursor":{cursor},"has_more":{"true" if has_more else "false"},'
            f'"remaining":{remaining},"server_time":"{utc_now().isoformat()}"}}')
    return PageBody(content=body.encode("utf-8"), cursor=cursor, has_more=has_more)
