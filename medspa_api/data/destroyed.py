"""Whether a practice, or a workstation of one, was destroyed at the end of its contract: the questions
every request and sign-in asks (``medspa_api.sessions``, ``medspa_api.signin``), apart from the
destruction itself (``medspa_api.data.destruction``), which needs the caller those modules make.
"""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from medspa_api.db import tables as t
from medspa_api.device_proof import device_proof
from medspa_api.errors import ApiError

D = t.practice_destructions
W = t.destroyed_workstations


def practice_destroyed() -> ApiError:
    return ApiError(403, "practice_destroyed", "This practice's records were destroyed at the end of its "
                    "contract, so this workstation erases its own copy now. Nothing more to do here.")


def is_destroyed(conn: Connection, *, practice_id: UUID) -> bool:
    return conn.execute(sa.select(D.c.destroyed_at).where(D.c.practice_id == practice_id)).scalar() is not None


def is_destroyed_workstation(conn: Connection, *, device_id: UUID, secret: str) -> bool:
    """Is this (proven) workstation one of a destroyed practice's? Its sign-in is then told to wipe."""
    row = conn.execute(sa.select(W.c.secret_hash).where(W.c.device_id == device_id)).first()
    return row is not None and device_proof(row.secret_hash, secret) is None
