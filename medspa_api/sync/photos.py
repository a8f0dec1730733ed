"""``photo.add``: a photo's record, taken once its bytes are whole on the server and match it."""

from __future__ import annotations

from medspa_api.data import photos
from medspa_api.sync.context import PushContext, parse
from medspa_api.sync.documents import insert_once
from medspa_api.sync.outcomes import Rejected
from medspa_desk.records import Photo, Record


def add(ctx: PushContext) -> Record:
    photo = parse(Photo, {**ctx.mutation.payload, "id": str(ctx.mutation.entity_id)})
    if ctx.log.get(photo.client_id, entity="client") is None:
        raise Rejected("not_found", "No client with this id is on the server yet; sync again after the client "
                       "has been sent.")
    held = photos.is_whole(ctx.conn, tenant_id=ctx.tenant_id, photo_id=photo.id)
    if held is None:
        raise Rejected("photo_bytes_missing", "The photo's bytes did not reach the server (they were refused or "
                       "not sent). Add the photo again.")
    if (held.client_id, held.size, held.sha256, held.media_type) != (
            photo.client_id, photo.size, photo.sha256, photo.media_type):
        raise Rejected("photo_mismatch", "The photo's bytes on the server are not the photo described. Add the "
                       "photo again.")
    return insert_once(ctx, photo, what="A photo")
