"""What a destroyed practice's tombstone still answers, without a sign-in (there is no one left to sign in).

- ``POST /destructions/wiped``: a workstation of a destroyed practice confirms it wiped itself, proven by
  its device secret (the tombstone kept each workstation's secret hash);
- ``POST /destructions/certificate``: the certificate of destruction as it stands now (which workstations
  have confirmed), for whoever holds the key given with the confirmation.

A refusal about a destroyed practice (a wrong device secret, a wrong key) is kept in its destruction's
events, which the certificate lists.
"""

from __future__ import annotations

from fastapi import APIRouter

from medspa_api.api.deps import DatabaseDep
from medspa_api.api.routes import ERRORS
from medspa_api.api.routing import TextSafeRoute
from medspa_api.data import destruction
from medspa_api.errors import ApiError
from medspa_desk.protocol import (
    CertificateRequest,
    DestructionCertificate,
    WipeConfirmation,
    WipeRecorded,
)
from medspa_desk.records import utc_now

router = APIRouter(prefix="/destructions", tags=["practice"], responses=ERRORS, route_class=TextSafeRoute)


@router.post("/wiped", response_model=WipeRecorded)
def workstation_wiped(body: WipeConfirmation, db: DatabaseDep) -> WipeRecorded:
    """Record that a destroyed practice's workstation erased its data key and store files (once)."""
    with db.transaction() as conn:
        at = destruction.record_wipe(conn, device_id=body.device_id, secret=body.device_secret, now=utc_now())
    if isinstance(at, ApiError):
        raise at
    return WipeRecorded(device_id=body.device_id, wiped_at=at)


@router.post("/certificate", response_model=DestructionCertificate)
def destruction_certificate(body: CertificateRequest, db: DatabaseDep) -> DestructionCertificate:
    """The certificate of destruction now: what was deleted, when, and which workstations have confirmed."""
    with db.transaction() as conn:
        found = destruction.certificate_by_key(conn, practice_id=body.practice_id, key=body.certificate_key,
                                               now=utc_now())
    if isinstance(found, ApiError):
        raise found
    return found
