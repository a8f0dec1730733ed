"""A photo's bytes, in chunks: open an upload, PUT each chunk, finish it; read them back by byte range.

The photo's record travels in a push (``photo.add``), which the server takes only once the bytes are
whole here. Uploads need ``photo.upload`` (whoever may add a photo), reads ``photo.read`` (whoever may
read treatment details), both from the one permission table. Every refusal is audited (ids and the
code, never bytes), and so is each read that starts at the photo's first byte (a view) and each
upload made whole (a create). Another practice's photo is "not found", as if it did not exist.
"""

from __future__ import annotations

import re
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from fastapi.concurrency import run_in_threadpool

from medspa_api.api.deps import DatabaseDep, requires
from medspa_api.api.routes import ERRORS
from medspa_api.api.routing import TextSafeRoute, takes_bytes
from medspa_api.audit_log import flush
from medspa_api.data import photos
from medspa_api.data.photos import PhotoRefused
from medspa_api.db.database import Database
from medspa_api.errors import ApiError
from medspa_api.permissions import Action
from medspa_api.sessions import Caller
from medspa_desk.protocol import (
    MAX_PHOTO_CHUNK_BYTES,
    PHOTO_CHUNK_SHA256_HEADER,
    PhotoUpload,
    PhotoUploadStart,
)
from medspa_desk.records import MAX_PHOTO_BYTES, AuditAction, Photo

router = APIRouter(prefix="/photos", tags=["photos"], responses={**ERRORS, 415: ERRORS[422], 416: ERRORS[422]},
                   route_class=TextSafeRoute)
Uploader = Annotated[Caller, Depends(requires(Action.PHOTO_UPLOAD))]
Reader = Annotated[Caller, Depends(requires(Action.PHOTO_READ))]
MAX_CHUNKS = -(-MAX_PHOTO_BYTES // (64 * 1024))
_RANGE = re.compile(r"^bytes=(\d{1,9})-(\d{0,9})$")
OCTETS = "application/octet-stream"
BINARY = {"schema": {"type": "string", "format": "binary"}}


def _audited(db: Database, caller: Caller, *, action: AuditAction, photo_id: UUID, outcome: str = "ok",
             detail: str = "") -> None:
    with db.transaction(caller.tenant_id) as conn:
        buffer = caller.audit()
        buffer.record(actor_user_id=caller.user_id, device_id=caller.device_id, action=action,
                      entity=Photo.entity, entity_id=photo_id, outcome=outcome, detail=detail)
        flush(conn, tenant_id=caller.tenant_id, buffer=buffer)


def _refuse(db: Database, caller: Caller, refused: PhotoRefused, *, photo_id: UUID, step: str,
            doing: AuditAction = AuditAction.CREATE) -> ApiError:
    """Audit the refusal in its own transaction (the step's was rolled back) and turn it into the answer.

    Another practice's photo (or none) is an ``access_denied``; any other refusal is recorded as what was
    being done (``create`` for an upload step, ``view`` for a read) with the code as its outcome.
    """
    action = AuditAction.ACCESS_DENIED if refused.status == 404 else doing
    _audited(db, caller, action=action, photo_id=photo_id, outcome=refused.code, detail=step)
    return ApiError(refused.status, refused.code, refused.message)


def _start(db: Database, caller: Caller, body: PhotoUploadStart) -> PhotoUpload:
    try:
        with db.transaction(caller.tenant_id) as conn:
            return photos.start(conn, tenant_id=caller.tenant_id, user_id=caller.user_id,
                                device_id=caller.device_id, request=body)
    except PhotoRefused as refused:
        raise _refuse(db, caller, refused, photo_id=body.photo_id, step="upload_start") from None


@router.post("/uploads", response_model=PhotoUpload)
def start_upload(body: PhotoUploadStart, caller: Uploader, db: DatabaseDep) -> PhotoUpload:
    """Open the upload of a photo's bytes, or resume it: the answer lists the chunks the server holds."""
    return _start(db, caller, body)


def _keep(db: Database, caller: Caller, *, photo_id: UUID, index: int, data: bytes, sha256: str) -> PhotoUpload:
    try:
        with db.transaction(caller.tenant_id) as conn:
            return photos.keep_chunk(conn, tenant_id=caller.tenant_id, photo_id=photo_id, index=index, data=data,
                                     sha256=sha256)
    except PhotoRefused as refused:
        raise _refuse(db, caller, refused, photo_id=photo_id, step=f"chunk {index}") from None


@router.put("/{photo_id}/chunks/{index}", response_model=PhotoUpload,
            openapi_extra={"requestBody": {"required": True, "content": {OCTETS: BINARY}}})
@takes_bytes
async def put_chunk(request: Request, photo_id: UUID, caller: Uploader, db: DatabaseDep,
                    index: Annotated[int, Path(ge=0, lt=MAX_CHUNKS)],
                    sha256: Annotated[str, Header(alias=PHOTO_CHUNK_SHA256_HEADER, pattern=r"^[0-9a-fA-F]{64}$",
                                                  description="the chunk's SHA-256, in hex")]) -> PhotoUpload:
    """One chunk of the photo's bytes (the body, at most 4 MiB), kept once; sent again, it is answered again."""
    data = await request.body()
    return await run_in_threadpool(_keep, db, caller, photo_id=photo_id, index=index, data=data, sha256=sha256)


def _complete(db: Database, caller: Caller, photo_id: UUID) -> PhotoUpload:
    try:
        with db.transaction(caller.tenant_id) as conn:
            answer, made_whole = photos.complete(conn, tenant_id=caller.tenant_id, photo_id=photo_id)
    except PhotoRefused as refused:
        raise _refuse(db, caller, refused, photo_id=photo_id, step="upload_complete") from None
    if made_whole:
        _audited(db, caller, action=AuditAction.CREATE, photo_id=photo_id, detail="bytes")
    elif not answer.complete:
        raise _refuse(db, caller, PhotoRefused(422, "checksum_mismatch", "The photo's chunks do not join into the "
                      "photo announced (its checksum differs); they were dropped. Send them again."),
                      photo_id=photo_id, step="upload_complete")
    return answer


@router.post("/{photo_id}/complete", response_model=PhotoUpload)
def complete_upload(photo_id: UUID, caller: Uploader, db: DatabaseDep) -> PhotoUpload:
    """Finish the upload: every chunk held and their SHA-256 the photo's. Asked again, answered again."""
    return _complete(db, caller, photo_id)


@router.get("/{photo_id}/content", status_code=206, response_class=Response,
            responses={206: {"content": {OCTETS: BINARY}, "description": "the bytes asked for"}})
def read_content(photo_id: UUID, caller: Reader, db: DatabaseDep,
                 range_: Annotated[str | None, Header(alias="Range", max_length=30,
                                                      description="bytes=first-last (at most 4 MiB)")] = None,
                 ) -> Response:
    """Bytes of a whole photo, by range (206 with ``Content-Range``); a cut download asks for the rest."""
    first, last = 0, MAX_PHOTO_CHUNK_BYTES - 1
    if range_ is not None:
        match = _RANGE.fullmatch(range_.strip())
        if match is None or (match.group(2) and int(match.group(2)) < int(match.group(1))):
            raise _refuse(db, caller, PhotoRefused(416, "range_not_satisfiable", "Ask for one byte range as "
                          "bytes=first-last."), photo_id=photo_id, step="read", doing=AuditAction.VIEW)
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) else first + MAX_PHOTO_CHUNK_BYTES - 1
    last = min(last, first + MAX_PHOTO_CHUNK_BYTES - 1)
    try:
        with db.transaction(caller.tenant_id, write=False) as conn:
            photo, data, last = photos.read_range(conn, tenant_id=caller.tenant_id, photo_id=photo_id, first=first,
                                                  last=last)
    except PhotoRefused as refused:
        raise _refuse(db, caller, refused, photo_id=photo_id, step="read", doing=AuditAction.VIEW) from None
    if first == 0:
        _audited(db, caller, action=AuditAction.VIEW, photo_id=photo_id, detail="bytes")
    return Response(content=data, status_code=206, media_type=OCTETS,
                    headers={"Content-Range": f"bytes {first}-{last}/{photo.size}"})
