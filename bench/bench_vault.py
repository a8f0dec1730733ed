"""Vault figures: password unlock to a first answered query, and PIN unlock.

``vault.unlock_ms``: what a receptionist waits for after pressing Enter at the
sign-in screen: read the keyslot file, fetch the device secret from the
keychain, Argon2id (64 MiB, t=3, p=2) + HKDF + AES-GCM, open the SQLCipher
store with the data key (key set, cipher checked, migrations checked) and
answer a first query. ``vault.pin_unlock_ms``: Argon2id (16 MiB, t=2, p=1) +
HKDF + AES-GCM for the in-memory PIN copy; ``vault.pin_unlock_with_store_ms``
adds reopening the store, as the app does after a lock.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from uuid import uuid4

from bench.harness import Report, median, percentile, time_ms
from medspa_desk.store import Store
from medspa_desk.vault import PinLock, Vault
from medspa_desk.vault.crypto import password_kdf
from medspa_desk.vault.keychain import forget_device_secret
from medspa_desk.vault.session_lock import PIN_MEMORY_KIB, PIN_PARALLELISM, PIN_TIME_COST

PASSWORD = "front desk morning shift 2024"
PIN = "482915"


def run(report: Report) -> None:
    with tempfile.TemporaryDirectory(prefix="medspa-bench-vault-") as folder:
        directory = Path(folder)
        user_id = uuid4()
        vault, key = Vault.create(directory, user_id=user_id, password=PASSWORD)
        database = directory / "medspa.db"
        try:
            Store.open(database, key.buffer, create=True).close()
            params = password_kdf()
            print(f"   Argon2id slot: {params.memory_kib // 1024} MiB, t={params.time_cost}, "
                  f"p={params.parallelism}; PIN: {PIN_MEMORY_KIB // 1024} MiB, t={PIN_TIME_COST}, "
                  f"p={PIN_PARALLELISM}; keychain: {vault.keychain_notice or 'Secret Service device secret'}",
                  flush=True)

            def password_unlock_to_first_query() -> None:
                with Vault.load(directory).unlock(user_id, PASSWORD) as opened, \
                        Store.open(database, opened.buffer) as store:
                    store.locations()

            def password_unlock_only() -> None:
                Vault.load(directory).unlock(user_id, PASSWORD).wipe()

            samples = time_ms(password_unlock_to_first_query, repeat=12, warmup=2)
            report.figure("vault.unlock_ms", median(samples), unit="ms", target=800)
            report.figure("vault.unlock_p95_ms", percentile(samples, 95), unit="ms")
            report.figure("vault.unlock_keys_only_ms", median(time_ms(password_unlock_only, repeat=12)),
                          unit="ms")

            lock = PinLock(user_id=user_id)
            lock.set_pin(PIN, key=key)
            held = [key.copy()]

            def pin_unlock() -> None:
                lock.lock(held[0])
                held[0] = lock.unlock_with_pin(PIN)

            def pin_unlock_with_store() -> None:
                lock.lock(held[0])
                held[0] = lock.unlock_with_pin(PIN)
                with Store.open(database, held[0].buffer) as store:
                    store.locations()

            report.figure("vault.pin_unlock_ms", median(time_ms(pin_unlock, repeat=30)), unit="ms", target=50)
            report.figure("vault.pin_unlock_with_store_ms", median(time_ms(pin_unlock_with_store, repeat=20)),
                          unit="ms")
            held[0].wipe()
            lock.drop()
        finally:
            key.wipe()
            forget_device_secret(vault.vault_id)
