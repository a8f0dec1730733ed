"""A photo's bytes on the server: the upload (what the photo is to be) and its chunks, per practice.

Keyword-only functions over an open transaction; every query names the tenant (and PostgreSQL's
row-level security checks it again). Refusals are :class:`PhotoRefused`: the route audits and answers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_desk.protocol import PhotoUpload, PhotoUploadStart
from medspa_desk.records import photo_media_type, utc_now


class PhotoRefused(Exception):
    """An upload step or a read refused: the HTTP status, a code programs test, words a person reads."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message


NOT_FOUND = PhotoRefused(404, "not_found", "No such photo in this practice. Sync again; if it stays, add the "
                                           "photo again on the desk that took it.")


@dataclass(frozen=True)
class HeldPhoto:
    id: UUID
    client_id: UUID
    size: int
    sha256: str
    media_type: str
    chunk_size: int
    completed_at: datetime | None

    @property
    def chunks(self) -> int:
        return -(-self.size // self.chunk_size)

    def chunk_length(self, index: int) -> int:
        return min(self.chunk_size, self.size - index * self.chunk_size)


def held(conn: sa.Connection, *, tenant_id: UUID, photo_id: UUID) -> HeldPhoto | None:
    u = t.photo_uploads.c
    row = conn.execute(sa.select(u.id, u.client_id, u.size, u.sha256, u.media_type, u.chunk_size, u.completed_at)
                       .where(u.tenant_id == tenant_id, u.id == photo_id)).first()
    return HeldPhoto(**row._mapping) if row else None


def _held_indexes(conn: sa.Connection, *, tenant_id: UUID, photo_id: UUID) -> list[int]:
    c = t.photo_chunks.c
    return list(conn.execute(sa.select(c.idx).where(c.tenant_id == tenant_id, c.photo_id == photo_id)
                             .order_by(c.idx)).scalars())


def state(conn: sa.Connection, *, tenant_id: UUID, photo: HeldPhoto) -> PhotoUpload:
    return PhotoUpload(photo_id=photo.id, size=photo.size, chunk_size=photo.chunk_size, chunks=photo.chunks,
                       held=_held_indexes(conn, tenant_id=tenant_id, photo_id=photo.id),
                       complete=photo.completed_at is not None)


def start(conn: sa.Connection, *, tenant_id: UUID, user_id: UUID, device_id: UUID,
          request: PhotoUploadStart) -> PhotoUpload:
    """Open an upload, or find the one already open for this photo (a resumed upload: the same answer)."""
    photo = held(conn, tenant_id=tenant_id, photo_id=request.photo_id)
    if photo is None:
        conn.execute(t.photo_uploads.insert().values(
            tenant_id=tenant_id, id=request.photo_id, client_id=request.client_id, size=request.size,
            sha256=request.sha256, media_type=request.media_type, chunk_size=request.chunk_size,
            created_by=user_id, device_id=device_id, created_at=utc_now()))
        photo = held(conn, tenant_id=tenant_id, photo_id=request.photo_id)
        assert photo is not None
    elif (photo.client_id, photo.size, photo.sha256, photo.media_type, photo.chunk_size) != (
            request.client_id, request.size, request.sha256, request.media_type, request.chunk_size):
        raise PhotoRefused(409, "upload_mismatch", "A photo with this id is already on the server and is "
                           "not this one. Add the photo again on the desk; it gets a new id.")
    return state(conn, tenant_id=tenant_id, photo=photo)


def keep_chunk(conn: sa.Connection, *, tenant_id: UUID, photo_id: UUID, index: int, data: bytes,
               sha256: str) -> PhotoUpload:
    """Check one chunk (its place, length, checksum; the first one's magic bytes) and keep it once."""
    photo = held(conn, tenant_id=tenant_id, photo_id=photo_id)
    if photo is None:
        raise NOT_FOUND
    if index >= photo.chunks:
        raise PhotoRefused(422, "chunk_out_of_range", f"This photo has {photo.chunks} chunks (0 to "
                           f"{photo.chunks - 1}); chunk {index} is not one of them.")
    if len(data) != photo.chunk_length(index):
        raise PhotoRefused(422, "chunk_size", f"Chunk {index} must be {photo.chunk_length(index):,} bytes; "
                           f"{len(data):,} came. Send it again.")
    if hashlib.sha256(data).hexdigest() != sha256.lower():
        raise PhotoRefused(422, "checksum_mismatch", f"Chunk {index} does not match its checksum (it was "
                           "damaged on the way). Send it again.")
    if index == 0 and photo_media_type(data) != photo.media_type:
        raise PhotoRefused(415, "not_a_photo", "Those bytes are not a JPEG or PNG photo (checked by their "
                           "first bytes). Export the photo as JPEG or PNG and add it again.")
    if index not in _held_indexes(conn, tenant_id=tenant_id, photo_id=photo_id):
        conn.execute(t.photo_chunks.insert().values(tenant_id=tenant_id, photo_id=photo_id, idx=index, data=data))
    return state(conn, tenant_id=tenant_id, photo=photo)


def complete(conn: sa.Connection, *, tenant_id: UUID, photo_id: UUID) -> tuple[PhotoUpload, bool]:
    """Mark the photo whole once every chunk is held and they hash to its SHA-256; True when it just became so.

    Chunks that join to other bytes are dropped (committed), so the desk sends them all again.
    """
    photo = held(conn, tenant_id=tenant_id, photo_id=photo_id)
    if photo is None:
        raise NOT_FOUND
    if photo.completed_at is not None:
        return state(conn, tenant_id=tenant_id, photo=photo), False
    missing = set(range(photo.chunks)) - set(_held_indexes(conn, tenant_id=tenant_id, photo_id=photo_id))
    if missing:
        raise PhotoRefused(409, "chunks_missing", f"{len(missing)} of the photo's {photo.chunks} chunks have not "
                           "arrived yet. Send them, then finish the upload.")
    digest = hashlib.sha256()
    for data in _chunk_data(conn, tenant_id=tenant_id, photo_id=photo_id, first=0, last=photo.chunks - 1):
        digest.update(data)
    if digest.hexdigest() != photo.sha256:
        c = t.photo_chunks.c
        conn.execute(t.photo_chunks.delete().where(c.tenant_id == tenant_id, c.photo_id == photo_id))
        return state(conn, tenant_id=tenant_id, photo=photo), False
    u = t.photo_uploads.c
    conn.execute(t.photo_uploads.update().where(u.tenant_id == tenant_id, u.id == photo_id)
                 .values(completed_at=utc_now()))
    return state(conn, tenant_id=tenant_id, photo=photo).model_copy(update={"complete": True}), True


def _chunk_data(conn: sa.Connection, *, tenant_id: UUID, photo_id: UUID, first: int, last: int) -> list[bytes]:
    c = t.photo_chunks.c
    return [bytes(data) for data in conn.execute(
        sa.select(c.data).where(c.tenant_id == tenant_id, c.photo_id == photo_id, c.idx.between(first, last))
        .order_by(c.idx)).scalars()]


def read_range(conn: sa.Connection, *, tenant_id: UUID, photo_id: UUID, first: int, last: int
               ) -> tuple[HeldPhoto, bytes, int]:
    """Bytes ``first`` to ``last`` (inclusive, cut to the photo's end) of a whole photo, and the end used."""
    photo = held(conn, tenant_id=tenant_id, photo_id=photo_id)
    if photo is None or photo.completed_at is None:
        raise NOT_FOUND
    if first >= photo.size:
        raise PhotoRefused(416, "range_not_satisfiable", f"The photo is {photo.size:,} bytes; ask for a range "
                           "inside it.")
    last = min(last, photo.size - 1)
    data = b"".join(_chunk_data(conn, tenant_id=tenant_id, photo_id=photo_id, first=first // photo.chunk_size,
                                last=last // photo.chunk_size))
    skip = first - (first // photo.chunk_size) * photo.chunk_size
    return photo, data[skip:skip + last - first + 1], last


def is_whole(conn: sa.Connection, *, tenant_id: UUID, photo_id: UUID) -> HeldPhoto | None:
    """The photo, when its bytes are all on the server (what ``photo.add`` asks)."""
    photo = held(conn, tenant_id=tenant_id, photo_id=photo_id)
    return photo if photo is not None and photo.completed_at is not None else None
