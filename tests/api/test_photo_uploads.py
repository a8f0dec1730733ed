"""A photo's bytes on the server: chunked, resumable, bounded, checked, tenant-scoped and audited (both databases)."""

from __future__ import annotations

import hashlib
import os
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_desk.protocol import MAX_PHOTO_CHUNK_BYTES, PHOTO_CHUNK_SHA256_HEADER
from medspa_desk.records import MAX_PHOTO_BYTES, Role, new_id
from tests.api.desk import Desk, create_client, mutation, new_client
from tests.support.live_api import LiveApi

CHUNK = 64 * 1024
JPEG = b"\xff\xd8\xff\xe0" + os.urandom(3 * CHUNK + 1000)  # four chunks, the last one short


def _start(desk: Desk, photo_id: UUID, client_id: UUID, image: bytes = JPEG, **changes: Any) -> Any:
    body = {"photo_id": str(photo_id), "client_id": str(client_id), "size": len(image),
            "sha256": hashlib.sha256(image).hexdigest(), "media_type": "image/jpeg", "chunk_size": CHUNK, **changes}
    return desk.post("/photos/uploads", json=body)


def _put(desk: Desk, photo_id: UUID, index: int, data: bytes, *, sha256: str | None = None) -> Any:
    return desk.http.put(desk.api.url(f"/photos/{photo_id}/chunks/{index}"), content=data, headers={
        "Content-Type": "application/octet-stream",
        PHOTO_CHUNK_SHA256_HEADER: sha256 or hashlib.sha256(data).hexdigest()})


def _chunks(image: bytes) -> list[bytes]:
    return [image[at:at + CHUNK] for at in range(0, len(image), CHUNK)]


def _audited(live_api: LiveApi, photo_id: UUID, *, tenant_id: UUID | None = None) -> list[tuple[str, str]]:
    a = t.audit.c
    with live_api.database.transaction(tenant_id or live_api.tenant.id, write=False) as conn:
        return [(row.action, row.outcome) for row in conn.execute(
            sa.select(a.action, a.outcome).where(a.tenant_id == (tenant_id or live_api.tenant.id),
                                                 a.entity_id == photo_id).order_by(a.seq))]


def _photo_record(photo_id: UUID, client_id: UUID, image: bytes = JPEG) -> dict[str, Any]:
    return mutation("photo.add", "photo", photo_id, {
        "id": str(photo_id), "client_id": str(client_id), "treatment_id": str(new_id()), "kind": "before",
        "media_type": "image/jpeg", "added_at": "2026-03-02T15:00:00Z", "size": len(image),
        "sha256": hashlib.sha256(image).hexdigest()})


def test_an_upload_cut_short_resumes_with_the_chunks_the_server_lacks_and_reads_back_by_range(
        live_api: LiveApi) -> None:
    photo_id, client = new_id(), new_client()
    with Desk.sign_in(live_api, live_api.fresh(Role.PROVIDER)) as provider:
        provider.push_ok(create_client(client))
        assert _start(provider, photo_id, client.id).json()["held"] == []
        parts = _chunks(JPEG)
        for index in (0, 2):
            assert _put(provider, photo_id, index, parts[index]).status_code == 200
        resumed = _start(provider, photo_id, client.id).json()  # after a cut: what does the server hold?
        assert (resumed["held"], resumed["chunks"], resumed["complete"]) == ([0, 2], 4, False)
        assert provider.post(f"/photos/{photo_id}/complete").json()["code"] == "chunks_missing"
        for index in (1, 3):
            assert _put(provider, photo_id, index, parts[index]).status_code == 200
        assert _put(provider, photo_id, 3, parts[3]).json()["held"] == [0, 1, 2, 3]  # sent again: harmless
        assert provider.post(f"/photos/{photo_id}/complete").json()["complete"] is True
        [answer] = provider.push_ok(_photo_record(photo_id, client.id))
        assert answer["outcome"] == "applied", answer

    with Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        got = b""
        while len(got) < len(JPEG):
            part = manager.get(f"/photos/{photo_id}/content",
                               headers={"Range": f"bytes={len(got)}-{len(got) + 100_000 - 1}"})
            assert part.status_code == 206, part.text
            assert part.headers["content-range"].startswith(f"bytes {len(got)}-")
            got += part.content
    assert got == JPEG
    assert ("create", "ok") in _audited(live_api, photo_id)  # made whole
    assert ("view", "ok") in _audited(live_api, photo_id)  # read from its first byte


def test_bytes_that_are_not_a_photo_a_wrong_chunk_and_an_oversize_photo_are_refused_plainly_and_audited(
        live_api: LiveApi) -> None:
    photo_id, client = new_id(), new_client()
    not_a_photo = b"%PDF-1.4" + os.urandom(CHUNK)
    with Desk.sign_in(live_api, live_api.fresh(Role.PROVIDER)) as provider:
        too_big = _start(provider, new_id(), client.id, size=MAX_PHOTO_BYTES + 1)
        assert too_big.status_code == 422 and "size" in too_big.json()["message"]
        assert _start(provider, photo_id, client.id, image=not_a_photo).status_code == 200
        refused = _put(provider, photo_id, 0, not_a_photo[:CHUNK])
        assert refused.status_code == 415, refused.text
        assert refused.json()["code"] == "not_a_photo" and "JPEG or PNG" in refused.json()["message"]
        wrong_size = _put(provider, photo_id, 1, not_a_photo[CHUNK:] + b"extra")
        assert wrong_size.json()["code"] == "chunk_size"
        damaged = _put(provider, photo_id, 1, not_a_photo[CHUNK:], sha256="0" * 64)
        assert damaged.json()["code"] == "checksum_mismatch"
        oversize_body = _put(provider, photo_id, 1, bytes(MAX_PHOTO_CHUNK_BYTES + 1))
        assert oversize_body.status_code == 413
        provider.push_ok(create_client(client))
        [answer] = provider.push_ok(_photo_record(photo_id, client.id, image=not_a_photo))
        assert (answer["outcome"], answer["code"]) == ("rejected", "photo_bytes_missing")
    outcomes = [outcome for _action, outcome in _audited(live_api, photo_id)]
    for code in ("not_a_photo", "chunk_size", "checksum_mismatch", "rejected"):
        assert code in outcomes, (code, outcomes)


def test_another_practices_photo_is_not_found_and_the_attempt_is_audited(live_api: LiveApi) -> None:
    photo_id, client = new_id(), new_client()
    with Desk.sign_in(live_api, live_api.fresh(Role.PROVIDER)) as provider:
        provider.push_ok(create_client(client))
        _start(provider, photo_id, client.id)
        for index, part in enumerate(_chunks(JPEG)):
            _put(provider, photo_id, index, part)
        assert provider.post(f"/photos/{photo_id}/complete").json()["complete"] is True
    other = live_api.add_tenant(f"Other Spa {new_id().hex[-8:]}")
    with Desk.sign_in(live_api, "provider", tenant=other) as outsider:
        read = outsider.get(f"/photos/{photo_id}/content", headers={"Range": "bytes=0-99"})
        put = _put(outsider, photo_id, 0, _chunks(JPEG)[0])
        finish = outsider.post(f"/photos/{photo_id}/complete")
    for answer in (read, put, finish):
        assert answer.status_code == 404 and answer.json()["code"] == "not_found", answer.text
        assert "No such photo in this practice" in answer.json()["message"]
    assert _audited(live_api, photo_id, tenant_id=other.id) == [("access_denied", "not_found")] * 3


def test_only_whoever_may_add_a_photo_uploads_and_only_clinical_readers_read(live_api: LiveApi) -> None:
    photo_id = new_id()
    with Desk.sign_in(live_api, live_api.fresh(Role.FRONT_DESK)) as front_desk:
        assert _start(front_desk, photo_id, new_id()).json()["code"] == "forbidden"
        assert front_desk.get(f"/photos/{photo_id}/content").json()["code"] == "forbidden"
