"""A signed-in person at a workstation: the vault, the store and sync put together.

:func:`medspa_desk.signing_in.sign_in` makes one. :class:`DeskSession` then locks (the key is wiped and the store closed; a PIN
may reopen an in-memory sealed copy), unlocks and signs out, writing an audit
event for each. The store is opened, locked and closed on the desk's one
:class:`~medspa_desk.store.worker.StoreWorker` (the UI's database worker), and
the sync engine reaches the store through the same worker; called from
another thread, those steps are queued there and waited for.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from medspa_desk.compliance.audit_trail import ServerLink
from medspa_desk.records import AuditAction, AuditEvent, Location, User, utc_now
from medspa_desk.store import Actor, Store, StoreError
from medspa_desk.store.worker import StoreWorker
from medspa_desk.switching import drop_every_warm_seat, keep_warm
from medspa_desk.sync.api import CentralApi
from medspa_desk.sync.auth import Session
from medspa_desk.sync.credentials import (
    forget_device_proof,
    forget_refresh_token,
)
from medspa_desk.sync.engine import SyncEngine
from medspa_desk.sync.errors import (
    DeviceRevoked,
    PracticeDestroyed,
    ServerTrouble,
    SignInNeeded,
)
from medspa_desk.sync.revocation import wipe_workstation
from medspa_desk.sync.status import SyncCallbacks
from medspa_desk.sync.transport import ServerAddress, make_client
from medspa_desk.token_keeper import TokenKeeper
from medspa_desk.vault import (
    PinLock,
    PinUnavailable,
    SecretKey,
    Vault,
    VaultError,
)
from medspa_desk.vault.keyslots import KEYSLOT_FILE_NAME
from medspa_desk.workstation import Workstation, WorkstationConfig

T = TypeVar("T")

NEEDS_THE_SERVER = ("This needs the practice's server, and the desk is working offline. Try again when the "
                    "server is back (the status bar says when).")

log = logging.getLogger(__name__)

# How long signing out or switching user waits for the person's own changes to reach the server.
SEND_BEFORE_LEAVING_S = 10.0

class NotReady(Exception):
    """The workstation has no practice data yet (first sync not finished)."""


class DeskSession:
    """One person signed in on this workstation."""

    def __init__(self, *, workstation: Workstation, config: WorkstationConfig, vault: Vault, store: Store,
                 key: SecretKey, user: User, online: Session | None, api: CentralApi | None,
                 worker: StoreWorker, callbacks: SyncCallbacks | None,
                 token_keeper: TokenKeeper | None = None, signed_in_at: datetime | None = None) -> None:
        self.workstation = workstation
        self.config = config
        self.vault = vault
        self.store: Store | None = store
        self.user = user
        self._key: SecretKey | None = key
        self._online = online
        self._api = api
        self._worker = worker
        self._callbacks = callbacks
        self._keeper = token_keeper
        self._pin: PinLock | None = None
        self._guard = threading.RLock()
        self.sync: SyncEngine | None = None
        self._location: Location | None = None
        self._own_waiting_at_lock = 0
        # The last sign-in here with the password (a PIN switch carries it over): a warm seat's age.
        self.signed_in_at = signed_in_at or utc_now()
        self.reload_location()
        if online is not None:
            self._start_sync(online)

    # --- who and where -----------------------------------------------------------------

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.user.id, device_id=self.config.device_id, role=self.user.role)

    @property
    def location(self) -> Location:
        """The location this desk works at; read once from the store, then kept.

        Views ask for it on the GUI thread, which must not touch the store, so
        it is loaded on the store's thread (sign-in, unlock, :meth:`reload_location`).
        """
        if self._location is None:
            raise NotReady("The practice's schedule has not arrived yet; wait for the first sync to finish.")
        return self._location

    def reload_location(self) -> Location | None:
        """Read the location again (after reference data changed); run on the store's thread."""
        store = self._open_store()
        locations = store.locations()
        if locations:
            self._location = next((loc for loc in locations if loc.id == self.config.location_id), locations[0])
        return self._location

    @property
    def zone(self) -> ZoneInfo:
        return self.location.zone

    @property
    def idle_lock_minutes(self) -> float:
        """The practice's idle-lock policy (synced with the location); the workstation's until it arrives."""
        if self._location is not None:
            return float(self._location.idle_lock_minutes)
        return self.config.idle_lock_minutes

    @property
    def is_locked(self) -> bool:
        return self.store is None

    @property
    def pin_available(self) -> bool:
        return self._pin is not None and self._pin.has_pin

    # --- lock and unlock ---------------------------------------------------------------------

    def set_pin(self, pin: str) -> None:
        with self._guard:
            if self._key is None:
                raise SignInNeeded("Unlock first, then set a PIN.")
            if self._pin is None:
                self._pin = PinLock(user_id=self.user.id)
            # Sealed with the key: the user secret, so the PIN may bring this person back after a
            # switch while their server session lasts (medspa_desk.switching).
            companion = self._keeper.secret_copy() if self._keeper is not None else None
            try:
                self._pin.set_pin(pin, key=self._key, companion=companion)
            finally:
                if companion is not None:
                    companion.wipe()

    def lock(self) -> None:
        """Pause sync, audit, close the store and wipe the key (a PIN keeps a sealed copy in memory).

        Runs on the store worker, after the store calls queued there before it.
        """
        self._worker.run_sync(lambda _attached: self._lock_here())

    def _lock_here(self) -> None:
        with self._guard:
            if self.store is None:
                return
            if self.sync is not None:
                self.sync.pause()
            self._audit(AuditAction.LOCK)
            try:
                self._own_waiting_at_lock = _own_waiting(self.store, user_id=self.user.id)
            except StoreError as exc:  # a count for the sign-out notice must never stop the lock
                log.warning("counting queued changes at lock failed: %s", type(exc).__name__)
            self.store.close()
            self.store = None
            if self._pin is not None and self._pin.has_pin and self._key is not None:
                self._pin.lock(self._key)
            elif self._key is not None:
                self._key.wipe()
            self._key = None

    def unlock_with_pin(self, pin: str) -> Store:
        with self._guard:
            if self._pin is None:
                raise PinUnavailable()
            try:
                key = self._pin.unlock_with_pin(pin)
            except VaultError as exc:
                self._hold(AuditAction.UNLOCK_FAILED, outcome="denied",
                           detail=f"pin misses={getattr(exc, 'failures', 0)}")
                raise
            return self._reopen(key, how="pin")

    def unlock_with_password(self, password: str) -> Store:
        with self._guard:
            try:
                key = self.vault.unlock(self.user.id, password)
            except VaultError as exc:
                self._hold(AuditAction.UNLOCK_FAILED, outcome="denied",
                           detail=f"password failures={getattr(exc, 'failures', 0)}")
                raise
            if self._pin is not None and self._pin.is_locked:
                self._pin.drop()  # a fresh key from the keyslot: the sealed copy is stale
                self._pin = None
            return self._reopen(key, how="password")

    def _reopen(self, key: SecretKey, *, how: str) -> Store:
        """Open the store again, on the store worker (the unlock's key derivation ran on the caller's)."""
        return self._worker.run_sync(lambda _attached: self._reopen_here(key, how=how))

    def _reopen_here(self, key: SecretKey, *, how: str) -> Store:
        self.store = Store.open(self.workstation.database_path, key.buffer)
        self._key = key
        flush_held_audit(self.workstation, self.store)
        self._audit(AuditAction.UNLOCK, detail=how)
        self.reload_location()
        if self.sync is not None:
            self.sync.resume(self.store)
        return self.store

    # --- leaving -------------------------------------------------------------------------------

    def own_changes_waiting(self) -> int:
        """This person's changes still queued on this desk (as counted at lock, while locked)."""
        store = self.store
        if store is None:
            return self._own_waiting_at_lock
        if self.sync is not None:
            return self.sync.with_store(lambda s: _own_waiting(s, user_id=self.user.id))
        return self._worker.run_sync(lambda _attached: _own_waiting(store, user_id=self.user.id))

    def send_own_changes(self, *, timeout_s: float = SEND_BEFORE_LEAVING_S) -> int:
        """Push this person's queued changes before they sign out or switch; how many still wait.

        Network I/O and waiting: never call it on the GUI thread. It returns as
        soon as nothing of theirs waits, when a try begun after the request
        fails (offline: waiting longer would not help), or after ``timeout_s``.
        Locked or offline-signed-in, nothing can be sent: it only counts.
        """
        engine = self.sync
        if engine is None or self.store is None:
            return self.own_changes_waiting()
        deadline = time.monotonic() + timeout_s
        asked_after = engine.cycles_ended
        engine.sync_now()
        while True:
            left = self.own_changes_waiting()
            failed_since = engine.cycles_ended > asked_after and engine.waiting_to_retry
            if left == 0 or failed_since or time.monotonic() >= deadline:
                return left
            time.sleep(0.05)

    def stop_sync(self, *, timeout_s: float = 5.0) -> None:
        """Stop sync for good, keeping the sign-in for next time (quitting the app, after :meth:`lock`).

        Stopping sync ends the change stream and waits for a cycle in flight:
        network I/O, which the app runs on its network pool, never on the GUI thread.
        """
        with self._guard:
            engine, self.sync = self.sync, None
        if engine is not None:
            engine.stop(timeout_s=timeout_s)

    def sign_out(self) -> None:
        """End the session: stop sync, audit, end the server session, wipe the key.

        Stopping sync and the logout request are network I/O: the app runs this
        on its network pool, never on the GUI thread.
        """
        self._leave(keep_server_session=False)

    def hand_over(self) -> None:
        """Switch user: leave as :meth:`sign_out` does, but keep this person's server session.

        Their refresh token stays in the keychain, sealed under their user
        secret, and the server session stays open (unused) until the practice's
        switch window ends, so they switch back in with their password alone
        inside it; after it the server refuses the token and the code is asked.
        Stopping sync is network I/O: the network pool only.
        """
        self._leave(keep_server_session=True)

    def _leave(self, *, keep_server_session: bool) -> None:
        detail = "switch user, server session kept" if keep_server_session else ""
        with self._guard:
            if self.sync is not None:
                self.sync.stop(timeout_s=5.0)
                self.sync = None
            if self.store is not None:
                self._worker.run_sync(lambda _attached: self._close_store(AuditAction.SIGN_OUT, detail=detail))
            else:
                self._hold(AuditAction.SIGN_OUT, detail=detail)
            if self._online is not None:
                online, self._online = self._online, None
                if not keep_server_session:
                    online.sign_out(forget=lambda: forget_refresh_token(server_url=self.config.server_url,
                                                                        user_id=self.user.id))
            if self._api is not None:
                self._api.close()
                self._api = None
            if self._pin is not None:
                if keep_server_session and self._pin.has_companion:
                    # A warm seat: their PIN may bring them back while the server keeps their session.
                    if not self._pin.is_locked and self._key is not None:
                        self._pin.lock(self._key)
                    keep_warm(self.workstation.directory, user_id=self.user.id, lock=self._pin,
                              signed_in_at=self.signed_in_at)
                else:
                    self._pin.drop()
                self._pin = None
            if self._key is not None:
                self._key.wipe()
                self._key = None
            self._forget_token_keeper()

    @property
    def server_address(self) -> ServerAddress:
        """The practice's server and how this desk trusts it (End of contract keeps it with the receipt)."""
        c = self.config
        return ServerAddress(url=c.server_url, ca_path=c.ca_path, pin_ca=c.pin_ca, dev_mode=c.dev_mode)

    @property
    def workstation_id(self) -> UUID | None:
        """This workstation's id at the server (None before its first sign-in online)."""
        return self.config.device_id

    def call_server(self, request: Callable[[CentralApi, str], T]) -> T:
        """``request(api, access_token)`` with this person's online session (a manager's staff and
        workstation calls); an expired access token is refreshed once. Network pool only."""
        online, api = self._online, self._api
        if online is None or api is None:
            raise ServerTrouble(NEEDS_THE_SERVER)
        return online.call(lambda access_token: request(api, access_token))

    def _forget_token_keeper(self) -> None:
        if self._keeper is not None:
            self._keeper.forget()
            self._keeper = None

    def server_link(self) -> ServerLink | None:
        """The central API and this person's token, for the Compliance menu's reads; None when offline."""
        online, api = self._online, self._api
        if online is None or api is None:
            return None
        return ServerLink(api=api, access_token=online.access_token)

    # --- sync --------------------------------------------------------------------------------

    def _client_factory(self) -> Any:
        return make_client(self.config.server_url, ca_path=self.config.ca_path, pin_ca=self.config.pin_ca,
                           dev_mode=self.config.dev_mode)

    def _start_sync(self, online: Session) -> None:
        store = self.store
        assert store is not None  # a session starts sync at sign-in, its store open
        self.sync = SyncEngine(store, self._client_factory, session=online, callbacks=self._callbacks,
                               worker=self._worker, on_device_revoked=self._wipe_after_revocation)
        self.sync.start()

    def _wipe_after_revocation(self, why: DeviceRevoked) -> DeviceRevoked:
        store = self.store
        if store is not None:  # (the engine closed it on the worker already; closing twice is nothing)
            with contextlib.suppress(Exception):
                self._worker.run_sync(lambda _attached: store.close())
        with self._guard:
            self.store = None
            if self._key is not None:
                self._key.wipe()
                self._key = None
            self._forget_token_keeper()
            return erase_workstation(self.workstation, self.config,
                                     practice_destroyed=isinstance(why, PracticeDestroyed))

    # --- audit -------------------------------------------------------------------------------

    def _event(self, action: AuditAction, *, outcome: str = "ok", detail: str = "") -> AuditEvent:
        return AuditEvent(actor_user_id=self.user.id, device_id=self.config.device_id, action=action,
                          entity="user", entity_id=self.user.id, outcome=outcome, detail=detail)

    def _audit(self, action: AuditAction, *, outcome: str = "ok", detail: str = "") -> None:
        assert self.store is not None
        self.store.audit.record(self._event(action, outcome=outcome, detail=detail))

    def _close_store(self, action: AuditAction, *, detail: str = "") -> None:
        """Audit ``action`` and close the store (on the store worker)."""
        self._audit(action, detail=detail)
        assert self.store is not None
        self.store.close()
        self.store = None

    def _hold(self, action: AuditAction, *, outcome: str = "ok", detail: str = "") -> None:
        self.workstation.hold_audit(self._event(action, outcome=outcome, detail=detail))

    def _open_store(self) -> Store:
        if self.store is None:
            raise SignInNeeded("The desk is locked; unlock it first.")
        return self.store


def _own_waiting(store: Store, *, user_id: UUID) -> int:
    return store.outbox_count() - store.outbox_waiting_for_others(user_id)


def changes_waiting_notice(count: int, *, who: str) -> str:
    """What the desk says when someone leaves with changes not yet sent (empty when none wait)."""
    if count <= 0:
        return ""
    changes = "1 change" if count == 1 else f"{count:,} changes"
    return (f"{changes} made by {who} could not be sent yet: the server cannot be reached. "
            f"{'It is' if count == 1 else 'They are'} kept safely on this desk and will be sent "
            f"the next time {who} signs in here while connected.")


def flush_held_audit(workstation: Workstation, store: Store | None) -> None:
    if store is None:
        return
    held = workstation.held_audit()
    for event in held:
        with contextlib.suppress(Exception):  # already recorded before a crash: ids are unique
            store.audit.record(event)
    workstation.forget_held_audit()


def erase_workstation(workstation: Workstation, config: WorkstationConfig, *,
                      practice_destroyed: bool = False) -> DeviceRevoked:
    """The revocation's erase: store files, keyslots, keychain entries. For a practice destroyed at the end
    of its contract, the rest of what the practice left here goes too (its set-up and held events)."""
    assert config.vault_id is not None
    drop_every_warm_seat()
    if config.device_id is not None:
        forget_device_proof(server_url=config.server_url, device_id=config.device_id)
    erased = wipe_workstation(database_path=workstation.database_path,
                              keyslot_path=workstation.directory / KEYSLOT_FILE_NAME, vault_id=config.vault_id,
                              user_ids=list(config.users.values()), server_url=config.server_url)
    if practice_destroyed:
        workstation.forget_practice()
    return erased


