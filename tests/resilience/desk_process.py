"""A workstation's sync run in a process of its own, so a test can SIGKILL it mid-pull or mid-push.

    python -m tests.resilience.desk_process DIR SERVER_URL CA_PATH USER_ID DEVICE_ID PAGE BATCH

It unlocks the vault with the desk password, resumes the session from the
refresh token in the real keychain, runs one sync cycle and prints a line
after every pulled page (``pulled DONE TOTAL``) and every settled push
(``pending N``), then ``done``.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from uuid import UUID

from medspa_desk.store.store import Store
from medspa_desk.store.worker import StoreWorker
from medspa_desk.sync.api import CentralApi
from medspa_desk.sync.auth import Session
from medspa_desk.sync.credentials import load_device_proof, load_refresh_token, save_refresh_token
from medspa_desk.sync.engine import SyncEngine
from medspa_desk.sync.status import SyncCallbacks, SyncStatus
from medspa_desk.vault import Vault
from tests.support.sync_desks import DESK_PASSWORD, client_factory


def report(status: SyncStatus) -> None:
    if status.progress is not None:
        print(f"pulled {status.progress.done} {status.progress.total}", flush=True)
    else:
        print(f"pending {status.pending}", flush=True)


def main(argv: list[str]) -> int:
    directory, server_url, ca_path, user, device, page, batch = argv
    user_id, device_id = UUID(user), UUID(device)
    key, user_secret = Vault.load(Path(directory)).unlock_with_user_secret(user_id, DESK_PASSWORD)
    worker = StoreWorker()  # as the app's database worker: the store opens there and sync's calls run there
    store = worker.open(lambda: Store.open(Path(directory) / "desk.db", key.buffer))
    factory = client_factory(server_url, ca_path)
    token = load_refresh_token(server_url=server_url, user_id=user_id, user_secret=user_secret)
    if token is None:
        print("no saved sign-in", flush=True)
        return 2
    # As the app resumes: the workstation's proof from the keychain, where its first sign-in put it.
    proof = load_device_proof(server_url=server_url, device_id=device_id)
    session = Session.resume(api=CentralApi(factory()), refresh_token=token, device_id=device_id,
                             keep_refresh_token=functools.partial(save_refresh_token, server_url=server_url,
                                                                  user_id=user_id, user_secret=user_secret),
                             device_secret=proof)
    engine = SyncEngine(store, factory, session=session, worker=worker, long_poll=False, pull_page=int(page),
                        push_batch=int(batch), callbacks=SyncCallbacks(status_did_change=report))
    engine.run_once()
    engine.stop()
    worker.detach(close=True)
    worker.stop()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
