"""Before/after photos of a treatment, kept only inside the encrypted store.

A photo is imported from a file the provider picks: the bytes are checked to
be a JPEG or PNG of sensible size, then written as a BLOB in the SQLCipher
database (so they are encrypted with everything else) and never copied to a
loose file. Photos stay on this workstation; they are not synced.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from uuid import UUID

from medspa_desk.records import AuditAction, new_id, utc_now
from medspa_desk.store.actor import Actor
from medspa_desk.store.errors import InvalidChange, NotFound

MAX_PHOTO_BYTES = 25 * 1024 * 1024
PHOTO_ENTITY = "photo"


class PhotoKind(StrEnum):
    BEFORE = "before"
    AFTER = "after"


@dataclass(frozen=True)
class PhotoInfo:
    id: UUID
    treatment_id: UUID
    kind: PhotoKind
    media_type: str
    added_at: datetime
    size: int


def media_type_of(image: bytes) -> str:
    """'image/jpeg' or 'image/png' from the file's first bytes; anything else is refused."""
    if image[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if image[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
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
    """Store ``image`` (JPEG/PNG bytes) for the treatment, encrypted with the store; audited."""
    media_type = media_type_of(image)
    if len(image) > MAX_PHOTO_BYTES:
        raise InvalidChange(f"That photo is larger than {MAX_PHOTO_BYTES // 1_048_576} MB.")
    info = PhotoInfo(id=new_id(), treatment_id=treatment_id, kind=PhotoKind(kind),
                     media_type=media_type, added_at=utc_now(), size=len(image))
    with store.transaction() as conn:
        if not conn.execute("SELECT 1 FROM clients WHERE id = ?", (str(client_id),)).fetchone():
            raise NotFound("The client is not in the local store; the photo was not saved.")
        conn.execute("INSERT INTO photos (id, client_id, treatment_id, kind, media_type, added_at, "
                     "sha256, image) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     (str(info.id), str(client_id), str(treatment_id), info.kind.value, media_type,
                      int(info.added_at.timestamp()), hashlib.sha256(image).hexdigest(), image))
        store.note(actor, AuditAction.CREATE, entity=PHOTO_ENTITY, entity_id=info.id,
                   detail=info.kind.value)
    return info


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
