"""A signed-in person at a workstation: the vault, the store and sync put together.

:func:`sign_in` is the one way in. It unlocks the person's own keyslot when
they are enrolled here (works offline), and otherwise signs in online: the
first person on a new workstation creates its vault and deposits the data key
in escrow; a later person is enrolled through the escrow. Online, the refresh
token is kept in the OS keychain, wrapped under the person's own *user secret*
(from their keyslot, so no colleague enrolled here can open it), and the sync
engine starts. A password change gives a new user secret: the token kept under
the old one no longer opens, and the next sign-in goes online with the code.

:class:`DeskSession` then locks (the key is wiped and the store closed; a PIN
may reopen an in-memory sealed copy), unlocks and signs out, writing an audit
event for each. Everything here runs on the thread that owns the store (the
UI's database worker); the sync engine reaches the store through
``store_runner``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from medspa_desk.compliance.audit_trail import ServerLink
from medspa_desk.protocol import UserInfo
from medspa_desk.records import AuditAction, AuditEvent, Location, User
from medspa_desk.store import Actor, Store, StoreError
from medspa_desk.store.errors import from_os_error
from medspa_desk.sync.api import CentralApi, EnrolmentAnswer, EnrolmentRequest
from medspa_desk.sync.auth import Session, sign_in_online
from medspa_desk.sync.credentials import (
    forget_device_proof,
    forget_refresh_token,
    load_device_proof,
    load_refresh_token,
    save_device_proof,
    save_refresh_token,
)
from medspa_desk.sync.engine import SyncEngine
from medspa_desk.sync.errors import (
    ConnectionTrouble,
    DeviceRevoked,
    EnrolmentRequired,
    ServerTrouble,
    SignInNeeded,
    SyncError,
    TotpRequired,
)
from medspa_desk.sync.escrow import deposit_escrow, enroll_from_escrow
from medspa_desk.sync.revocation import wipe_workstation
from medspa_desk.sync.status import SyncCallbacks
from medspa_desk.sync.transport import make_client
from medspa_desk.vault import (
    KeyslotDamaged,
    PinLock,
    PinUnavailable,
    SecretKey,
    UnknownUser,
    Vault,
    VaultError,
)
from medspa_desk.vault.keyslots import KEYSLOT_FILE_NAME
from medspa_desk.workstation import Workstation, WorkstationConfig

T = TypeVar("T")

log = logging.getLogger(__name__)

# How long signing out or switching user waits for the person's own changes to reach the server.
SEND_BEFORE_LEAVING_S = 10.0

StoreRunner = Callable[[Callable[[], Any]], Any]


class NotReady(Exception):
    """The workstation has no practice data yet (first sync not finished)."""


@dataclass(frozen=True)
class SignInOptions:
    """How the desk reaches its server; saved with the workstation at first set-up."""

    server_url: str
    tenant: str
    ca_path: str | None = None
    pin_ca: bool = False
    dev_mode: bool = False
    device_name: str = "front desk"


def _user_record(info: UserInfo) -> User:
    return User(id=info.id, username=info.username, display_name=info.display_name, role=info.role,
                provider_id=info.provider_id)


class DeskSession:
    """One person signed in on this workstation."""

    def __init__(self, *, workstation: Workstation, config: WorkstationConfig, vault: Vault, store: Store,
                 key: SecretKey, user: User, online: Session | None, api: CentralApi | None,
                 store_runner: StoreRunner | None, callbacks: SyncCallbacks | None,
                 token_keeper: _TokenKeeper | None = None) -> None:
        self.workstation = workstation
        self.config = config
        self.vault = vault
        self.store: Store | None = store
        self.user = user
        self._key: SecretKey | None = key
        self._online = online
        self._api = api
        self._runner = store_runner
        self._callbacks = callbacks
        self._keeper = token_keeper
        self._pin: PinLock | None = None
        self._guard = threading.RLock()
        self.sync: SyncEngine | None = None
        self._location: Location | None = None
        self._own_waiting_at_lock = 0
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
            self._pin.set_pin(pin, key=self._key)

    def lock(self) -> None:
        """Pause sync, audit, close the store and wipe the key (a PIN keeps a sealed copy in memory)."""
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
        self.store = Store.open(self.workstation.database_path, key.buffer)
        self._key = key
        _flush_held_audit(self.workstation, self.store)
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
        if self._runner is not None:
            return self._runner(lambda: _own_waiting(store, user_id=self.user.id))
        return _own_waiting(store, user_id=self.user.id)

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

    def sign_out(self) -> None:
        """End the session: stop sync, audit, end the server session, wipe the key.

        Stopping sync and the logout request are network I/O: the app runs this
        on its network pool, never on the GUI thread.
        """
        with self._guard:
            if self.sync is not None:
                self.sync.stop(timeout_s=5.0)
                self.sync = None
            if self.store is not None:
                self._audit(AuditAction.SIGN_OUT)
                self.store.close()
                self.store = None
            else:
                self._hold(AuditAction.SIGN_OUT)
            if self._online is not None:
                online, self._online = self._online, None
                online.sign_out(forget=lambda: forget_refresh_token(server_url=self.config.server_url,
                                                                    user_id=self.user.id))
            if self._api is not None:
                self._api.close()
                self._api = None
            if self._pin is not None:
                self._pin.drop()
                self._pin = None
            if self._key is not None:
                self._key.wipe()
                self._key = None
            self._forget_token_keeper()

    def call_server(self, request: Callable[[CentralApi, str], T]) -> T:
        """``request(api, access_token)`` with this person's online session (a manager's staff and
        workstation calls); an expired access token is refreshed once. Network pool only."""
        online, api = self._online, self._api
        if online is None or api is None:
            raise ServerTrouble("This needs the practice's server, and the desk is working offline. Try "
                                "again when the server is back (the status bar says when).")
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
        self.sync = SyncEngine(self.store, self._client_factory, session=online, callbacks=self._callbacks,
                               store_runner=self._runner, on_device_revoked=self._wipe_after_revocation)
        self.sync.start()

    def _wipe_after_revocation(self) -> DeviceRevoked:
        with self._guard:
            if self.store is not None:
                with contextlib.suppress(Exception):
                    self.store.close()
                self.store = None
            if self._key is not None:
                self._key.wipe()
                self._key = None
            self._forget_token_keeper()
            return _erase(self.workstation, self.config)

    # --- audit -------------------------------------------------------------------------------

    def _event(self, action: AuditAction, *, outcome: str = "ok", detail: str = "") -> AuditEvent:
        return AuditEvent(actor_user_id=self.user.id, device_id=self.config.device_id, action=action,
                          entity="user", entity_id=self.user.id, outcome=outcome, detail=detail)

    def _audit(self, action: AuditAction, *, outcome: str = "ok", detail: str = "") -> None:
        assert self.store is not None
        self.store.audit.record(self._event(action, outcome=outcome, detail=detail))

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


def _flush_held_audit(workstation: Workstation, store: Store | None) -> None:
    if store is None:
        return
    held = workstation.held_audit()
    for event in held:
        with contextlib.suppress(Exception):  # already recorded before a crash: ids are unique
            store.audit.record(event)
    workstation.forget_held_audit()


def sign_in(directory: Path, *, username: str, password: str, totp: str | None = None,
            options: SignInOptions | None = None, store_runner: StoreRunner | None = None,
            callbacks: SyncCallbacks | None = None) -> DeskSession:
    """Sign ``username`` in on the workstation in ``directory``.

    Enrolled here: the keyslot opens the store (offline works), then sync
    resumes with the kept refresh token when the server answers. Not enrolled
    (or a new workstation): an online sign-in, with ``options`` naming the
    server the first time. Raises VaultError, SyncError or StoreError subclasses,
    each with a message a person can act on; a file the data folder cannot
    write (a full or read-only disk) is named as such, never a bare OSError.
    """
    try:
        return _sign_in_at(directory, username=username, password=password, totp=totp, options=options,
                           store_runner=store_runner, callbacks=callbacks)
    except OSError as exc:
        raise from_os_error(exc, folder=Path(directory)) from None


def _sign_in_at(directory: Path, *, username: str, password: str, totp: str | None,
                options: SignInOptions | None, store_runner: StoreRunner | None,
                callbacks: SyncCallbacks | None) -> DeskSession:
    workstation = Workstation(directory)
    config = workstation.load() if workstation.is_set_up() else None
    if config is None:
        if options is None:
            raise SignInNeeded("This workstation is not set up yet: enter the server address and practice "
                               "name, and sign in while connected.")
        config = WorkstationConfig(server_url=options.server_url, tenant=options.tenant,
                                   ca_path=options.ca_path, pin_ca=options.pin_ca, dev_mode=options.dev_mode)
    name = username.strip().lower()
    if name in config.users and (workstation.directory / KEYSLOT_FILE_NAME).exists():
        try:
            return _sign_in_here(workstation, config, username=name, user_id=config.users[name],
                                 password=password, totp=totp, store_runner=store_runner, callbacks=callbacks)
        except KeyslotDamaged as damaged:
            # Their own slot is damaged on disk: online, the escrowed key gives them a new one.
            try:
                return _sign_in_online(workstation, config, username=name, password=password, totp=totp,
                                       device_name=options.device_name if options else "front desk",
                                       store_runner=store_runner, callbacks=callbacks)
            except (ConnectionTrouble, ServerTrouble):
                raise damaged from None  # no server to restore from: say what is wrong here
    return _sign_in_online(workstation, config, username=name, password=password, totp=totp,
                           device_name=options.device_name if options else "front desk",
                           store_runner=store_runner, callbacks=callbacks)


def _sign_in_here(workstation: Workstation, config: WorkstationConfig, *, username: str, user_id: UUID,
                  password: str, totp: str | None, store_runner: StoreRunner | None,
                  callbacks: SyncCallbacks | None) -> DeskSession:
    try:
        vault = Vault.load(workstation.directory)
        key, user_secret = vault.unlock_with_user_secret(user_id, password)
    except VaultError as exc:
        _hold_refusal(workstation, config, user_id=user_id, exc=exc)
        raise
    # The token keeper takes its own copy; this one is wiped whatever happens.
    with user_secret:
        try:
            store = Store.open(workstation.database_path, key.buffer)
        except BaseException as exc:
            key.wipe()
            if isinstance(exc, StoreError):  # a read-only or full disk, a damaged file: named, audited
                _hold_refusal(workstation, config, user_id=user_id, exc=exc)
            raise
        _flush_held_audit(workstation, store)
        user = next((u for u in store.users() if u.id == user_id), None)
        if user is None or not user.active:
            store.close()
            key.wipe()
            raise SignInNeeded("Your account is not active at this practice; ask a manager.")
        try:
            online, api, keeper = _go_online(workstation, config, username=username, user_id=user_id,
                                             password=password, totp=totp, user_secret=user_secret)
        except BaseException:
            store.close()
            key.wipe()
            raise
    store.audit.record(AuditEvent(actor_user_id=user_id, device_id=config.device_id, action=AuditAction.SIGN_IN,
                                  entity="user", entity_id=user_id,
                                  detail="keyslot, online" if online else "keyslot, offline"))
    return DeskSession(workstation=workstation, config=config, vault=vault, store=store, key=key, user=user,
                       online=online, api=api, store_runner=store_runner, callbacks=callbacks,
                       token_keeper=keeper)


def _hold_refusal(workstation: Workstation, config: WorkstationConfig, *, user_id: UUID,
                  exc: Exception) -> None:
    """Audit a refused sign-in (held until the store opens); on a folder that cannot be written, log it."""
    event = AuditEvent(actor_user_id=user_id, device_id=config.device_id, action=AuditAction.SIGN_IN_FAILED,
                       entity="user", entity_id=user_id, outcome="denied",
                       detail=f"failures={getattr(exc, 'failures', 0)} reason={type(exc).__name__}")
    try:
        workstation.hold_audit(event)
    except OSError as error:
        log.warning("failed sign-in of user %s (%s) not held for the audit trail: %s", user_id,
                    type(exc).__name__, type(error).__name__)


def fetch_enrolment(directory: Path, *, username: str, password: str,
                    options: SignInOptions | None = None) -> EnrolmentAnswer:
    """The authenticator secret waiting for ``username`` at this workstation's server (given out once).

    Asked after sign-in answered :class:`~medspa_desk.sync.errors.EnrolmentRequired`; ``options`` name
    the server while the workstation is not set up yet.
    """
    workstation = Workstation(directory)
    if workstation.is_set_up():
        config = workstation.load()
        server = (config.server_url, config.tenant, config.ca_path, config.pin_ca, config.dev_mode)
    elif options is not None:
        server = (options.server_url, options.tenant, options.ca_path, options.pin_ca, options.dev_mode)
    else:
        raise SignInNeeded("This workstation is not set up yet: enter the server address and practice name.")
    url, tenant, ca_path, pin_ca, dev_mode = server
    api = CentralApi(make_client(url, ca_path=ca_path, pin_ca=pin_ca, dev_mode=dev_mode))
    try:
        return api.fetch_enrolment(EnrolmentRequest(tenant=tenant, username=username.strip(), password=password))
    finally:
        api.close()


def _api_for(config: WorkstationConfig) -> CentralApi:
    return CentralApi(make_client(config.server_url, ca_path=config.ca_path, pin_ca=config.pin_ca,
                                  dev_mode=config.dev_mode))


def _go_online(workstation: Workstation, config: WorkstationConfig, *, username: str, user_id: UUID,
               password: str, totp: str | None,
               user_secret: SecretKey) -> tuple[Session | None, CentralApi | None, _TokenKeeper | None]:
    """Sync for a person enrolled here, or work from the cache when the server is out of reach.

    With a kept refresh token the session resumes; without one (signed out
    earlier) or with one the server no longer takes, the password signs in
    online again, and the server may ask for the authenticator code
    (:class:`TotpRequired` reaches the sign-in window). A token kept under an
    earlier user secret (the password was changed since) does not open, so
    that, too, is a sign-in with the code. A revoked workstation is erased.
    """
    if config.device_id is None:
        return None, None, None
    api = _api_for(config)
    token = load_refresh_token(server_url=config.server_url, user_id=user_id, user_secret=user_secret)
    keeper = _TokenKeeper(config, user_id=user_id)
    keeper.use_secret(user_secret)
    proof = load_device_proof(server_url=config.server_url, device_id=config.device_id)
    try:
        if token is not None:
            try:
                session = Session.resume(api=api, refresh_token=token, device_id=config.device_id,
                                         keep_refresh_token=keeper, device_secret=proof)
                return session, api, keeper
            except SignInNeeded as exc:
                log.info("kept session of user %s ended (%s); signing in again", user_id, exc.code)
        tokens = sign_in_online(api, tenant=config.tenant, username=username, password=password, totp=totp,
                                device_id=config.device_id, device_secret=proof)
        return Session(api=api, tokens=tokens, keep_refresh_token=keeper, device_secret=proof), api, keeper
    except DeviceRevoked:
        api.close()
        keeper.forget()
        raise _erase(workstation, config) from None
    except (TotpRequired, EnrolmentRequired):  # the sign-in window asks for the code or the set-up
        api.close()
        keeper.forget()
        raise
    except SyncError as exc:
        # Unreachable, or the server refused the password this keyslot took (changed
        # elsewhere): the person works from the cache and the desk says it is offline.
        log.info("working offline for user %s: %s", user_id, type(exc).__name__)
        api.close()
        keeper.forget()
        return None, None, None
    except BaseException:
        api.close()
        keeper.forget()
        raise


def _erase(workstation: Workstation, config: WorkstationConfig) -> DeviceRevoked:
    assert config.vault_id is not None
    if config.device_id is not None:
        forget_device_proof(server_url=config.server_url, device_id=config.device_id)
    return wipe_workstation(database_path=workstation.database_path,
                            keyslot_path=workstation.directory / KEYSLOT_FILE_NAME, vault_id=config.vault_id,
                            user_ids=list(config.users.values()), server_url=config.server_url)


class _TokenKeeper:
    """Saves each rotated refresh token to the keychain, wrapped under the person's user secret.

    The session rotates tokens from the sync thread, also while the desk is
    locked, so the keeper holds its own copy of the secret (a PIN unlock never
    needs it). A token that arrives before the secret is known (enrolment
    through escrow) waits for it. :meth:`forget` wipes the copy at sign-out.
    """

    def __init__(self, config: WorkstationConfig, *, user_id: UUID) -> None:
        self._config = config
        self._user_id = user_id
        self._secret: SecretKey | None = None
        self._waiting: str | None = None
        self._forgotten = False
        self._guard = threading.Lock()

    def use_secret(self, user_secret: SecretKey) -> None:
        with self._guard:
            if self._secret is not None:
                self._secret.wipe()
            self._secret = user_secret.copy()
            waiting, self._waiting = self._waiting, None
        if waiting is not None:
            self(waiting)

    def __call__(self, token: str) -> None:
        with self._guard:
            if self._forgotten:
                return
            if self._secret is None:
                self._waiting = token
                return
            save_refresh_token(token, server_url=self._config.server_url, user_id=self._user_id,
                               user_secret=self._secret)

    def forget(self) -> None:
        """Wipe the secret copy; a token rotated after this is kept in memory only."""
        with self._guard:
            self._forgotten = True
            if self._secret is not None:
                self._secret.wipe()
                self._secret = None
            self._waiting = None


def _sign_in_online(workstation: Workstation, config: WorkstationConfig, *, username: str, password: str,
                    totp: str | None, device_name: str, store_runner: StoreRunner | None,
                    callbacks: SyncCallbacks | None) -> DeskSession:
    api = _api_for(config)
    key: SecretKey | None = None
    user_secret: SecretKey | None = None
    keeper: _TokenKeeper | None = None
    store: Store | None = None
    new_workstation = False
    try:
        proof = (load_device_proof(server_url=config.server_url, device_id=config.device_id)
                 if config.device_id is not None else None)
        tokens = sign_in_online(api, tenant=config.tenant, username=username, password=password, totp=totp,
                                device_id=config.device_id, device_name=device_name, device_secret=proof)
        user = _user_record(tokens.user)
        config = replace(config, device_id=tokens.device_id)
        if tokens.device_secret:  # a new registration: the server shows its proof once
            proof = tokens.device_secret
            save_device_proof(proof, server_url=config.server_url, device_id=tokens.device_id)
        new_workstation = not (workstation.directory / KEYSLOT_FILE_NAME).exists()
        if new_workstation:
            workstation.discard_unfinished_set_up()
            vault, key, user_secret = Vault.create_with_user_secret(workstation.directory, user_id=user.id,
                                                                    password=password, in_place=False)
            config = replace(config, vault_id=vault.vault_id)
        else:
            vault = Vault.load(workstation.directory)
        keeper = _TokenKeeper(config, user_id=user.id)
        online = Session(api=api, tokens=tokens, keep_refresh_token=keeper, device_secret=proof)
        if key is None:
            key = enroll_from_escrow(api=api, session=online, vault=vault, user_id=user.id, password=password)
            # The new slot's user secret: one more unlock (enrolment through escrow is rare).
            again, user_secret = vault.unlock_with_user_secret(user.id, password)
            again.wipe()
        else:
            deposit_escrow(api=api, session=online, vault=vault, data_key=key)
        with user_secret:
            keeper.use_secret(user_secret)
        store = Store.open(workstation.database_path, key.buffer, create=new_workstation)
        # The person's own record, so that an offline sign-in later knows their role.
        store.import_records([user])
        config = config.with_user(username, user.id)
        workstation.save(config)
        # A first sign-in's commit point: the key file takes its real name only now, with the key
        # in escrow, the store made and the settings saved. Cut off before, it leaves a pending
        # file that the next sign-in discards (docs/security-model.md, "First sign-in").
        vault.put_in_place()
    except BaseException:
        _abandon_sign_in(workstation, api=api, store=store, keeper=keeper, secrets=(key, user_secret),
                         discard_set_up=new_workstation)
        raise
    _flush_held_audit(workstation, store)
    store.audit.record(AuditEvent(actor_user_id=user.id, device_id=config.device_id, action=AuditAction.SIGN_IN,
                                  entity="user", entity_id=user.id,
                                  detail="online, new workstation" if new_workstation else "online"))
    return DeskSession(workstation=workstation, config=config, vault=vault, store=store, key=key, user=user,
                       online=online, api=api, store_runner=store_runner, callbacks=callbacks,
                       token_keeper=keeper)


def _abandon_sign_in(workstation: Workstation, *, api: CentralApi, store: Store | None,
                     keeper: _TokenKeeper | None, secrets: tuple[SecretKey | None, ...],
                     discard_set_up: bool) -> None:
    """Undo what a failed online sign-in holds; a first one also discards its unfinished vault."""
    api.close()
    if store is not None:
        with contextlib.suppress(Exception):
            store.close()
    for held in secrets:
        if held is not None:
            held.wipe()
    if keeper is not None:
        keeper.forget()
    if discard_set_up:
        with contextlib.suppress(OSError):  # a crash leaves it too: the next first sign-in discards it
            workstation.discard_unfinished_set_up()


__all__ = ["DeskSession", "NotReady", "SignInOptions", "UnknownUser", "changes_waiting_notice", "sign_in"]
