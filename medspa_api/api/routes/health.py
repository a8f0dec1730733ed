"""Liveness and readiness, without authentication and without revealing database details."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from medspa_api.api.deps import DatabaseDep
from medspa_api.api.routing import TextSafeRoute
from medspa_api.api.schemas import Health
from medspa_desk.records import utc_now

router = APIRouter(tags=["health"], route_class=TextSafeRoute)


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
def healthz(db: DatabaseDep) -> Health | JSONResponse:
    try:
        with db.transaction(write=False) as conn:
            revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        return Health(status="ok", database="ok", schema_revision=revision, server_time=utc_now())
    except sa.exc.SQLAlchemyError:
        answer = Health(status="degraded", database="unavailable", schema_revision=None, server_time=utc_now())
        return JSONResponse(status_code=503, content=answer.model_dump(mode="json"))
