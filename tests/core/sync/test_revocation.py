"""A revoked workstation erases its cache, keyslots and keychain entries."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

from medspa_desk.store.store import Store
from medspa_desk.sync.credentials import load_refresh_token, refresh_token_entry, save_refresh_token
from medspa_desk.sync.errors import DeviceRevoked
from medspa_desk.sync.revocation import wipe_workstation
from medspa_desk.vault import Vault
from medspa_desk.vault.keychain import device_secret_entry

SERVER = "https://sync.example.test"


def test_wiping_removes_database_wal_shm_keyslots_and_keychain_entries(secret_service: None,
                                                                       tmp_path: Path) -> None:
    first, second = uuid4(), uuid4()
    vault, key = Vault.create(tmp_path, user_id=first, password="correct horse battery")
    vault.enroll(second, "second staple battery", key=key)
    database = tmp_path / "desk.db"
    store = Store.open(database, key.buffer, create=True)
    store.close()
    # A crash leaves the WAL and shared memory files beside the database.
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"desk.db{suffix}").write_bytes(b"left by a crash")
    passwords = {first: "correct horse battery", second: "second staple battery"}
    secrets = {}
    for user in (first, second):
        again, secrets[user] = vault.unlock_with_user_secret(user, passwords[user])
        again.wipe()
        save_refresh_token(f"rt-{user}", server_url=SERVER, user_id=user, user_secret=secrets[user])
    assert device_secret_entry(vault.vault_id).get() is not None

    error = wipe_workstation(database_path=database, keyslot_path=vault.path, vault_id=vault.vault_id,
                             user_ids=vault.users(), server_url=SERVER)

    assert isinstance(error, DeviceRevoked)
    assert "erased" in error.message
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    for user in (first, second):
        assert refresh_token_entry(server_url=SERVER, user_id=user).get() is None
        assert load_refresh_token(server_url=SERVER, user_id=user, user_secret=secrets[user]) is None
        secrets[user].wipe()
    assert device_secret_entry(vault.vault_id).get() is None
    key.wipe()


def test_wiping_twice_is_harmless(secret_service: None, tmp_path: Path) -> None:
    vault_id = uuid4()
    wipe_workstation(database_path=tmp_path / "gone.db", keyslot_path=tmp_path / "keyslots.json",
                     vault_id=vault_id, user_ids=[uuid4()], server_url=SERVER)
    assert list(tmp_path.iterdir()) == []
