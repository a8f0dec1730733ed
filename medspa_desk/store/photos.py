"""Before/after photos of a treatment, kept only inside the encrypted store, and synced.

A photo is imported from a file the provider picks: the bytes are checked to
be a JPEG or PNG of sensible size, then written as a BLOB in the SQLCipher
database (so they are encrypted with everything else) and never copied to a
loose file. In the same transaction its record (``Photo``: what it is, not its
bytes) goes to ``photo_records`` and the outbox (``photo.add``), and the photo
is listed in ``photo_uploads``: the sync engine (``medspa_desk.sync.photo_sync``)
sends its bytes in chunks before it pushes the record. Another desk pulls the
record and fetches the bytes in chunks into ``photo_parts`` (in this file too),
joined into ``photos`` when the last one arrives and its SHA-256 matches.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from medspa_desk.protocol import MutationKind
from medspa_desk.records import (
    MAX_PHOTO_BYTES,
    AuditAction,
    Photo,
    PhotoKind,
    PhotoMediaType,
    new_id,
    photo_media_type,
    utc_now,
)
from medspa_desk.store.actor import Actor
from medspa_desk.store.changes import Changes
from medspa_desk.store.errors import InvalidChange, NotFound
from medspa_desk.store.rows import PHOTOS

PHOTO_ENTITY = Photo.entity
__all__ = ["MAX_PHOTO_BYTES", "PhotoInfo", "PhotoKind", "add_photo", "media_type_of", "photo_image", "photos_for"]


@dataclass(frozen=True)
class PhotoInfo:
    id: UUID
    treatment_id: UUID
    kind: PhotoKind
    media_type: str
    added_at: datetime
    size: int


def media_type_of(image: bytes) -> PhotoMediaType:
    """'image/jpeg' or 'image/png' from the file's first bytes; anything else is refused."""
    if found := photo_media_type(image):
        return found
    raise InvalidChange("That file is not a JPEG or PNG photo. Export the photo as JPEG or PNG "
                        "and import it again.")


def read_photo_file(path: Path) -> bytes:
    """The bytes of a photo file, or a plain refusal (missing, unreadable, too big, empty)."""
    try:
        size = Path(path).stat().st_size
        if size > MAX_PHOTO_BYTES:
            raise InvalidChange(f"That photo is {size / 1_048_576:.0f} MB; the limit is "
                                f"{MAX_PHOTO_BYTES // 1_048_576} MB. Export a smaller copy.")
        image = Path(path).read_bytes()
    except OSError as exc:
        raise InvalidChange(f"The photo file could not be read ({exc.strerror or type(exc).__name__}). "
                            "Check the file and try again.") from None
    if not image:
        raise InvalidChange("That photo file is empty.")
    return image


def add_photo(store: Any, *, client_id: UUID, treatment_id: UUID, kind: PhotoKind, image: bytes,
              actor: Actor) -> PhotoInfo:
    """Store ``image`` (JPEG/PNG bytes) for the treatment, encrypted with the store; audited and queued.

    The record goes to the outbox and the photo to ``photo_uploads`` in the same transaction, so the
    commit wakes the sync engine, which sends the bytes and then the record.
    """
    media_type = media_type_of(image)
    if len(image) > MAX_PHOTO_BYTES:
        raise InvalidChange(f"That photo is larger than {MAX_PHOTO_BYTES // 1_048_576} MB.")
    record = Photo(id=new_id(), client_id=client_id, treatment_id=treatment_id, kind=PhotoKind(kind),
                   media_type=media_type, added_at=utc_now(), size=len(image),
                   sha256=hashlib.sha256(image).hexdigest())
    with store.transaction() as conn:
        if not conn.execute("SELECT 1 FROM clients WHERE id = ?", (str(client_id),)).fetchone():
            raise NotFound("The client is not in the local store; the photo was not saved.")
        _keep_bytes(conn, record, image)
        conn.execute(PHOTOS.upsert_sql, PHOTOS.to_row(record))
        conn.execute("INSERT INTO photo_uploads (photo_id) VALUES (?)", (str(record.id),))
        store._queue(conn, actor=actor, kind=MutationKind.PHOTO_ADD, record=record, payload=record)
        store.note(actor, AuditAction.CREATE, entity=PHOTO_ENTITY, entity_id=record.id,
                   detail=record.kind.value)
    return _info(record)


def _info(record: Photo) -> PhotoInfo:
    return PhotoInfo(id=record.id, treatment_id=record.treatment_id, kind=record.kind,
                     media_type=record.media_type, added_at=record.added_at, size=record.size)


def _keep_bytes(conn: Any, record: Photo, image: bytes) -> None:
    conn.execute("INSERT INTO photos (id, client_id, treatment_id, kind, media_type, added_at, "
                 "sha256, image) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 (str(record.id), str(record.client_id), str(record.treatment_id), record.kind.value,
                  record.media_type, int(record.added_at.timestamp()), record.sha256, image))


def photos_for(store: Any, treatment_id: UUID) -> list[PhotoInfo]:
    """The treatment's photos (no image bytes), oldest first."""
    rows = store.select("SELECT id, kind, media_type, added_at, length(image) FROM photos "
                       "WHERE treatment_id = ? ORDER BY added_at, id", (str(treatment_id),))
    return [PhotoInfo(id=UUID(i), treatment_id=treatment_id, kind=PhotoKind(k), media_type=m,
                      added_at=datetime.fromtimestamp(a, UTC), size=s) for i, k, m, a, s in rows]


def photo_image(store: Any, photo_id: UUID, *, actor: Actor) -> bytes:
    """One photo's bytes, checked against the hash stored with it; audited as a view."""
    rows = store.select("SELECT image, sha256 FROM photos WHERE id = ?", (str(photo_id),))
    if not rows:
        raise NotFound("That photo is not on this workstation.")
    image, digest = bytes(rows[0][0]), rows[0][1]
    if hashlib.sha256(image).hexdigest() != digest:
        raise InvalidChange("That photo is damaged (it no longer matches its checksum).")
    store.note(actor, AuditAction.VIEW, entity=PHOTO_ENTITY, entity_id=photo_id)
    return image


# --- Transfers (the sync engine's calls, each a job on the store worker) ------------------------


def photos_to_upload(store: Any) -> list[Photo]:
    """Photos made on this desk whose bytes the server does not hold whole yet (refused ones left out)."""
    rows = store.select("SELECT r.data FROM photo_uploads u JOIN photo_records r ON r.id = u.photo_id "
                        "WHERE u.refused = '' ORDER BY r.id")
    return [Photo.model_validate_json(data) for (data,) in rows]


def photos_being_sent(store: Any) -> set[UUID]:
    """Ids of the photos whose bytes are still to be sent: their records wait in the outbox until then."""
    return {UUID(photo_id) for (photo_id,) in store.select("SELECT photo_id FROM photo_uploads WHERE refused = ''")}


def photo_bytes(store: Any, photo_id: UUID, *, at: int, size: int) -> bytes:
    """``size`` bytes of a stored photo from byte ``at`` (read from the BLOB, never a whole copy)."""
    rows = store.select("SELECT substr(image, ?, ?) FROM photos WHERE id = ?", (at + 1, size, str(photo_id)))
    if not rows:
        raise NotFound("That photo is not on this workstation.")
    return bytes(rows[0][0])


def photo_uploaded(store: Any, photo_id: UUID) -> None:
    """The server holds the photo's bytes whole: nothing more to send."""
    with store.transaction() as conn:
        conn.execute("DELETE FROM photo_uploads WHERE photo_id = ?", (str(photo_id),))


def photo_upload_refused(store: Any, photo_id: UUID, *, reason: str) -> None:
    """The server refused the bytes: they are not sent again (its refusal of the record says why)."""
    with store.transaction() as conn:
        conn.execute("UPDATE photo_uploads SET refused = ? WHERE photo_id = ?", (reason[:500] or "refused",
                                                                                 str(photo_id)))


def photos_to_fetch(store: Any) -> list[tuple[Photo, int]]:
    """Photos whose record arrived and whose bytes did not (yet), with how many bytes are held already."""
    rows = store.select("SELECT r.data, coalesce((SELECT sum(length(p.data)) FROM photo_parts p "
                        "WHERE p.photo_id = r.id), 0) FROM photo_records r "
                        "WHERE NOT EXISTS (SELECT 1 FROM photos WHERE photos.id = r.id) ORDER BY r.id")
    return [(Photo.model_validate_json(data), held) for data, held in rows]


def keep_photo_part(store: Any, photo: Photo, *, at: int, data: bytes) -> Changes:
    """Keep one fetched chunk in the store; with the last one, join them into the photo.

    A chunk that does not start where the held ones end is ignored (the next fetch asks again).
    Joined bytes that do not match the record's SHA-256 are dropped and fetched again.
    """
    with store.transaction() as conn:
        held = conn.execute("SELECT coalesce(sum(length(data)), 0) FROM photo_parts WHERE photo_id = ?",
                            (str(photo.id),)).fetchone()[0]
        if at != held or not data or at + len(data) > photo.size:
            return Changes()
        conn.execute("INSERT INTO photo_parts (photo_id, at_byte, data) VALUES (?, ?, ?)", (str(photo.id), at, data))
        if at + len(data) < photo.size:
            return Changes()
        image = b"".join(bytes(part) for (part,) in conn.execute(
            "SELECT data FROM photo_parts WHERE photo_id = ? ORDER BY at_byte", (str(photo.id),)))
        conn.execute("DELETE FROM photo_parts WHERE photo_id = ?", (str(photo.id),))
        intact = hashlib.sha256(image).hexdigest() == photo.sha256 and photo_media_type(image) == photo.media_type
        if intact:
            _keep_bytes(conn, photo, image)
    if not intact:  # the parts are gone (committed): the next fetch starts again from the first byte
        raise InvalidChange("A photo fetched from the server did not match its checksum; it will be fetched again.")
    return Changes(clients=frozenset({photo.client_id}))
