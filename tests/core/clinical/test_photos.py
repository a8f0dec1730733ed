from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from medspa_desk.records import AuditAction, new_id
from medspa_desk.store import InvalidChange
from medspa_desk.store.photos import PhotoKind, add_photo, photo_image, photos_for, read_photo_file


def _png(path: Path) -> bytes:
    image = Image.frombytes("RGB", (64, 64), os.urandom(64 * 64 * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def test_an_imported_photo_is_stored_only_encrypted_and_comes_back_whole(store, demo, injector, tmp_path):
    source = tmp_path / "before.png"
    image = _png(source)
    treatment = demo.treatments[0]

    info = add_photo(store, client_id=treatment.client_id, treatment_id=treatment.id, kind=PhotoKind.BEFORE,
                     image=read_photo_file(source), actor=injector)

    assert photo_image(store, info.id, actor=injector) == image
    assert [(p.id, p.kind, p.media_type) for p in photos_for(store, treatment.id)] == \
        [(info.id, PhotoKind.BEFORE, "image/png")]
    store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    probe = image[100:164]  # random pixels: appear in clear nowhere unless stored unencrypted
    for file in (tmp_path / "desk.db").parent.iterdir():
        if file.name.startswith("desk.db"):
            assert probe not in file.read_bytes(), file.name
    actions = [(e.action, e.entity) for e in store.audit.events(limit=100_000) if e.entity_id == info.id]
    assert actions == [(AuditAction.CREATE, "photo"), (AuditAction.VIEW, "photo")]


def test_a_file_that_is_not_a_photo_is_refused_with_what_to_do(store, demo, injector, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a photo")
    treatment = demo.treatments[0]
    with pytest.raises(InvalidChange, match="not a JPEG or PNG photo"):
        add_photo(store, client_id=treatment.client_id, treatment_id=treatment.id, kind=PhotoKind.AFTER,
                  image=read_photo_file(text), actor=injector)
    with pytest.raises(InvalidChange, match="could not be read"):
        read_photo_file(tmp_path / "missing.jpg")
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(InvalidChange, match="empty"):
        read_photo_file(tmp_path / "empty.jpg")
    assert photos_for(store, treatment.id) == []


def test_a_photo_for_a_client_not_in_the_store_is_not_saved(store, injector, tmp_path):
    image = _png(tmp_path / "p.png")
    with pytest.raises(Exception, match="client is not in the local store"):
        add_photo(store, client_id=new_id(), treatment_id=new_id(), kind=PhotoKind.AFTER, image=image,
                  actor=injector)
