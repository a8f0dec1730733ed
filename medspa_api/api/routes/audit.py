"""The audit trail for managers: query, CSV export, signed checkpoint."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BeforeValidator

from medspa_api.api.deps import DatabaseDep, SettingsDep, requires
from medspa_api.api.long_poll import MAX_SEQ
from medspa_api.api.routes import ERRORS
from medspa_api.api.routing import TextSafeRoute
from medspa_api.api.schemas import AuditCheckpoint, AuditPage, AuditRow, AuditVerification
from medspa_api.audit_log import flush, verify_chain
from medspa_api.data.audit_queries import AuditFilter, as_csv, audit_rows, checkpoint
from medspa_api.db.dialect import as_utc
from medspa_api.permissions import Action
from medspa_api.sessions import Caller
from medspa_desk.records import AuditAction, AwareDatetime, utc_now

router = APIRouter(prefix="/audit", tags=["audit"], responses=ERRORS, route_class=TextSafeRoute)
Reader = Annotated[Caller, Depends(requires(Action.AUDIT_READ))]
Exporter = Annotated[Caller, Depends(requires(Action.AUDIT_EXPORT))]
PAGE = 1000
# A client's record is the client and its visits, forms, treatments and photos: a few hundred ids at most
# in six years; more is refused (422) rather than read.
MAX_ENTITY_IDS = 500
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _written_as_a_date(value: object) -> object:
    """Refuse what pydantic would otherwise read as a date: ``0.5`` (seconds since 1970) is not one."""
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("write the time as ISO 8601 with its zone, e.g. 2026-03-01T09:00:00-05:00")
    return value


QueryTime = Annotated[AwareDatetime, BeforeValidator(_written_as_a_date)]


def _row(row) -> AuditRow:
    return AuditRow(seq=row.seq, id=row.id, at=as_utc(row.at), recorded_at=as_utc(row.recorded_at),
                    actor_user_id=row.actor_user_id, device_id=row.device_id, address=row.address,
                    user_agent=row.user_agent, action=AuditAction(row.action), entity=row.entity,
                    entity_id=row.entity_id, outcome=row.outcome, detail=row.detail, origin=row.origin,
                    hash=row.hash)


def _log_read(conn, caller: Caller, action: AuditAction, count: int) -> None:
    buffer = caller.audit()
    buffer.record(actor_user_id=caller.user_id, device_id=caller.device_id, action=action, entity="audit",
                  detail=f"rows={count}")
    flush(conn, tenant_id=caller.tenant_id, buffer=buffer)


def _chosen(since: Annotated[QueryTime | None, Query(alias="from")] = None,
            until: Annotated[QueryTime | None, Query(alias="to")] = None, user_id: UUID | None = None, device_id: UUID | None = None,
            entity_id: Annotated[list[UUID], Query(max_length=MAX_ENTITY_IDS)] = [],  # noqa: B006
            action: Annotated[list[AuditAction], Query(max_length=len(AuditAction))] = []  # noqa: B006
            ) -> AuditFilter:
    """The filters a manager chose; ``entity_id`` and ``action`` may be repeated (any of them)."""
    return AuditFilter(since=since, until=until, user_id=user_id, device_id=device_id,
                       entity_ids=tuple(dict.fromkeys(entity_id)), actions=tuple(a.value for a in action))


Chosen = Annotated[AuditFilter, Depends(_chosen)]


@router.get("", response_model=AuditPage)
def list_audit(caller: Reader, db: DatabaseDep, chosen: Chosen,
               after_seq: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
               limit: Annotated[int, Query(ge=1, le=PAGE)] = PAGE) -> AuditPage:
    with db.transaction(caller.tenant_id) as conn:
        rows = audit_rows(conn, tenant_id=caller.tenant_id, chosen=chosen, after_seq=after_seq, limit=limit + 1)
        _log_read(conn, caller, AuditAction.VIEW, min(len(rows), limit))
    return AuditPage(rows=[_row(r) for r in rows[:limit]], has_more=len(rows) > limit)


@router.get("/export.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                             "description": "The audit rows as CSV"}})
def export_audit(caller: Exporter, db: DatabaseDep, chosen: Chosen) -> Response:
    with db.transaction(caller.tenant_id) as conn:
        rows = audit_rows(conn, tenant_id=caller.tenant_id, chosen=chosen)
        _log_read(conn, caller, AuditAction.EXPORT, len(rows))
    stamp = datetime.now().strftime("%Y%m%d")
    return Response(content=as_csv(rows), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'})


@router.get("/checkpoint", response_model=AuditCheckpoint)
def audit_checkpoint(caller: Reader, db: DatabaseDep, settings: SettingsDep) -> AuditCheckpoint:
    with db.transaction(caller.tenant_id) as conn:
        seq, head, at, signature = checkpoint(conn, tenant_id=caller.tenant_id, secret_key=settings.secret_key)
    return AuditCheckpoint(tenant_id=caller.tenant_id, seq=seq, hash=head, at=at, signature=signature)


@router.get("/verify", response_model=AuditVerification)
def audit_verify(caller: Reader, db: DatabaseDep) -> AuditVerification:
    """Walk the practice's whole chain now (every link, under the server's keys); the check is audited.

    One pass over the practice's trail in seq order: seconds for millions of rows, so the desk asks for it
    only when a manager presses "Check the chain".
    """
    with db.transaction(caller.tenant_id, write=False) as conn:
        check = verify_chain(conn, tenant_id=caller.tenant_id)
    with db.transaction(caller.tenant_id) as conn:
        buffer = caller.audit()
        buffer.record(actor_user_id=caller.user_id, device_id=caller.device_id, action=AuditAction.VIEW,
                      entity="audit", outcome="ok" if check.ok else "failed",
                      detail=f"verify;rows={check.rows}" + ("" if check.ok else f";first_bad={check.first_bad_seq}"))
        flush(conn, tenant_id=caller.tenant_id, buffer=buffer)
    return AuditVerification(ok=check.ok, rows=check.rows, verified_through_seq=check.last_seq if check.ok else None,
                             verified_through_at=check.last_at if check.ok else None,
                             first_bad_seq=check.first_bad_seq, checked_at=utc_now())
