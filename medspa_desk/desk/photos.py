"""Adding a before/after photo to a treatment (the charting screen's "Add before photo…")."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from medspa_desk.records import PhotoKind
from medspa_desk.rules import UseCase
from medspa_desk.store import Actor, Store
from medspa_desk.store.photos import PhotoInfo, add_photo, read_photo_file


def import_photo(store: Store, path: Path, *, client_id: UUID, treatment_id: UUID, kind: PhotoKind,
                 actor: Actor) -> PhotoInfo:
    """Read the photo file, keep it encrypted in the store and queue it for every desk of the practice.

    Only a provider adds photos (``UseCase.ADD_PHOTO``); the refusal is audited.
    """
    store.permit(actor, UseCase.ADD_PHOTO, entity="treatment", entity_id=treatment_id)
    return add_photo(store, client_id=client_id, treatment_id=treatment_id, kind=kind,
                     image=read_photo_file(path), actor=actor)
