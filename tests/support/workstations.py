"""Workstation folders made on disk for tests and benchmarks, without a sync.

``seed_offline_workstation`` leaves a folder as a first sync would: a vault
every listed user holds a keyslot in, the workstation settings and the
encrypted store holding ``records``. ``medspa_desk.signing_in.sign_in`` then opens
a real ``DeskSession`` from it, offline (no refresh token is kept, so no sync
engine starts).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from medspa_desk.store import Store
from medspa_desk.vault import Vault
from medspa_desk.workstation import Workstation, WorkstationConfig

PRACTICE_NAME = "Glow Aesthetics"
SERVER_URL = "https://desk.example-spa.com"


def seed_offline_workstation(directory: Path, *, records: Any, users: list[Any], location_id: Any,
                             passwords: dict[str, str]) -> None:
    """A workstation folder as a first sync would leave it: vault, settings, store with ``records``."""
    workstation = Workstation(directory)
    first, *others = users
    vault, key = Vault.create(directory, user_id=first.id, password=passwords[first.username])
    try:
        for user in others:
            vault.enroll(user.id, passwords[user.username], key=key)
        with Store.open(workstation.database_path, key.buffer, create=True) as store:
            store.import_records(records)
    finally:
        key.wipe()
    config = WorkstationConfig(server_url=SERVER_URL, tenant=PRACTICE_NAME, vault_id=vault.vault_id,
                               location_id=location_id)
    for user in users:
        config = config.with_user(user.username, user.id)
    workstation.save(config)
