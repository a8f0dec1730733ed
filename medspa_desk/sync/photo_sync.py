"""Photo bytes between this desk and the server, in chunks, resumable both ways.

The sync engine runs :meth:`PhotoTransfers.send` before each push and
:meth:`PhotoTransfers.fetch` after each pull, on its worker thread:

- **Send.** Each photo listed in ``photo_uploads`` (added on this desk) is
  opened on the server (``POST /photos/uploads``, which answers the chunks it
  already holds), the missing chunks are read from the store's BLOB one at a
  time and PUT with their SHA-256, and the upload is finished. The row goes
  once the server holds the photo whole, so the ``photo.add`` record pushed
  next is taken. A connection cut mid-way fails the cycle like any other (retry
  on the backoff); the next try asks again what the server holds and sends only
  the rest. Bytes the server refuses (a 4xx other than sign-in) are not sent
  again; the record's push is then refused and filed in the conflict inbox.
- **Fetch.** Each photo whose record arrived without its bytes is asked for by
  byte range from where the held parts end; each part goes straight into the
  store (``photo_parts``) in its own transaction, and the last one joins them
  into ``photos`` after the SHA-256 check. A cut download resumes from the parts
  already kept. Nothing is ever written to a file.

Only a person allowed to (the permission table: ``photo.upload``, ``photo.read``)
moves photo bytes; for anyone else this desk waits until such a person signs in.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from medspa_desk.protocol import PHOTO_CHUNK_BYTES, PhotoUploadStart
from medspa_desk.records import Photo
from medspa_desk.rules import ServerAction, may_call
from medspa_desk.store import photos
from medspa_desk.store.changes import Changes
from medspa_desk.store.errors import InvalidChange
from medspa_desk.sync.api import CentralApi
from medspa_desk.sync.auth import Session
from medspa_desk.sync.errors import ServerRefused

log = logging.getLogger(__name__)
T = TypeVar("T")


class StoreRunner(Protocol):
    """The engine's ``with_store``: a task run on the store worker, its answer handed back."""

    def __call__(self, task: Callable[[Any], T], /) -> T: ...


class PhotoTransfers:
    def __init__(self, *, with_store: StoreRunner, session: Callable[[], Session],
                 api: Callable[[], CentralApi], chunk_bytes: int = PHOTO_CHUNK_BYTES) -> None:
        self._with_store = with_store
        self._session = session
        self._api = api
        self._chunk_bytes = chunk_bytes

    def send(self) -> None:
        """Upload every photo added here whose bytes the server does not hold whole yet."""
        session = self._session()
        if not may_call(session.user.role, ServerAction.PHOTO_UPLOAD):
            return
        for photo in self._with_store(photos.photos_to_upload):
            try:
                self._send_one(session, photo)
            except ServerRefused as refused:
                if refused.status == 403:  # not this person's to send: it waits for someone who may
                    log.info("a photo's bytes wait for someone allowed to send them")
                    continue
                log.warning("the server refused a photo's bytes: %s", refused.code or refused.status)
                self._with_store(functools.partial(photos.photo_upload_refused, photo_id=photo.id,
                                                   reason=str(refused)))

    def _send_one(self, session: Session, photo: Photo) -> None:
        api = self._api()
        state = session.call(functools.partial(api.start_photo_upload, PhotoUploadStart(
            photo_id=photo.id, client_id=photo.client_id, size=photo.size, sha256=photo.sha256,
            media_type=photo.media_type, chunk_size=self._chunk_bytes)))
        if not state.complete:
            held = set(state.held)
            for index in range(state.chunks):
                if index in held:
                    continue
                at = index * state.chunk_size
                data = self._with_store(functools.partial(photos.photo_bytes, photo_id=photo.id, at=at,
                                                          size=min(state.chunk_size, state.size - at)))
                session.call(functools.partial(api.put_photo_chunk, photo.id, index, data))
            state = session.call(functools.partial(api.complete_photo_upload, photo.id))
        if state.complete:
            self._with_store(functools.partial(photos.photo_uploaded, photo_id=photo.id))

    def fetch(self) -> Changes:
        """Fetch the bytes of every photo whose record arrived without them; what the views redraw."""
        session = self._session()
        if not may_call(session.user.role, ServerAction.PHOTO_READ):
            return Changes()
        arrived = Changes()
        for photo, held in self._with_store(photos.photos_to_fetch):
            try:
                arrived |= self._fetch_one(session, photo, held)
            except InvalidChange:
                log.warning("a fetched photo did not match its checksum; it is fetched again next time")
            except ServerRefused as refused:
                if refused.status == 403:  # the server no longer lets this person read them (a role changed)
                    log.info("a photo's bytes wait for someone allowed to read them; asked again next sync")
                    continue
                log.info("a photo's bytes are not on the server (%s); asked again next sync", refused.code)
        return arrived

    def _fetch_one(self, session: Session, photo: Photo, held: int) -> Changes:
        api = self._api()
        done = Changes()
        while held < photo.size:
            last = min(photo.size, held + self._chunk_bytes) - 1
            data = session.call(functools.partial(api.photo_bytes, photo.id, first=held, last=last))
            if not data:
                break
            done = self._with_store(functools.partial(photos.keep_photo_part, photo=photo, at=held, data=data))
            held += len(data)
        return done
