"""Signing in at a workstation: :func:`sign_in` is the one way in.

It unlocks the person's own keyslot when they are enrolled here (works offline), and
otherwise signs in online: the first person on a new workstation creates its vault and
deposits the data key in escrow; a later person is enrolled through the escrow. Online,
the refresh token is kept in the OS keychain, wrapped under the person's own *user
secret* (from their keyslot, so no colleague enrolled here can open it), and the sync
engine starts. A password change gives a new user secret: the token kept under the old
one no longer opens, and the next sign-in goes online with the code. The result is a
:class:`~medspa_desk.session.DeskSession`.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from uuid import UUID

from medspa_desk.protocol import UserInfo
from medspa_desk.records import AuditAction, AuditEvent, User
from medspa_desk.session import DeskSession, erase_workstation, flush_held_audit
from medspa_desk.store import Store, StoreError
from medspa_desk.store.errors import from_os_error
from medspa_desk.store.worker import StoreWorker
from medspa_desk.sync.api import CentralApi, EnrolmentAnswer, EnrolmentRequest
from medspa_desk.sync.auth import Session, sign_in_online
from medspa_desk.sync.credentials import (
    load_device_proof,
    load_refresh_token,
    save_device_proof,
)
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
from medspa_desk.sync.status import SyncCallbacks
from medspa_desk.sync.transport import make_client
from medspa_desk.token_keeper import TokenKeeper
from medspa_desk.vault import (
    KeyslotDamaged,
    SecretKey,
    UnknownUser,
    Vault,
    VaultError,
)
from medspa_desk.vault.keyslots import KEYSLOT_FILE_NAME
from medspa_desk.workstation import Workstation, WorkstationConfig

log = logging.getLogger(__name__)

# Signing in may wait for Argon2 and for the server; the store worker's job gets this long.
SIGN_IN_TIMEOUT_S = 180.0


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


def sign_in(directory: Path, *, username: str, password: str, worker: StoreWorker, totp: str | None = None,
            options: SignInOptions | None = None, callbacks: SyncCallbacks | None = None,
            timeout_s: float = SIGN_IN_TIMEOUT_S, handed_over_by: UUID | None = None) -> DeskSession:
    """Sign ``username`` in on the workstation in ``directory``, as one job on ``worker``.

    The store is opened on the worker's thread, and the session locks,
    unlocks and closes it there; its sync engine reaches it there too (hand
    ``session.store`` to the worker with ``worker.attach`` for a view's own
    jobs). Enrolled here: the keyslot
    opens the store (offline works), then sync resumes with the kept refresh
    token when the server answers. Not enrolled (or a new workstation): an
    online sign-in, with ``options`` naming the server the first time. Raises
    VaultError, SyncError or StoreError subclasses, each with a message a
    person can act on; a file the data folder cannot write (a full or
    read-only disk) is named as such, never a bare OSError; TimeoutError when
    the worker did not finish it within ``timeout_s``.

    ``handed_over_by``: the person who switched user on this desk just before
    (:meth:`DeskSession.hand_over`); a colleague signing in then is audited as
    a ``switch`` from them, on this workstation's trail (synced to the server).
    """
    def job(_attached: object) -> DeskSession:
        try:
            session = _sign_in_at(directory, username=username, password=password, totp=totp, options=options,
                                  worker=worker, callbacks=callbacks)
        except OSError as exc:
            raise from_os_error(exc, folder=Path(directory)) from None
        if handed_over_by is not None and handed_over_by != session.user.id and session.store is not None:
            session.store.audit.record(AuditEvent(
                actor_user_id=session.user.id, device_id=session.config.device_id, action=AuditAction.SWITCH,
                entity="user", entity_id=handed_over_by,
                detail=f"handed over by {handed_over_by} to {session.user.id}",
            ))
        return session

    return worker.run_sync(job, timeout=timeout_s)


def _sign_in_at(directory: Path, *, username: str, password: str, totp: str | None,
                options: SignInOptions | None, worker: StoreWorker,
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
                                 password=password, totp=totp, worker=worker, callbacks=callbacks)
        except KeyslotDamaged as damaged:
            # Their own slot is damaged on disk: online, the escrowed key gives them a new one.
            try:
                return _sign_in_online(workstation, config, username=name, password=password, totp=totp,
                                       device_name=options.device_name if options else "front desk",
                                       worker=worker, callbacks=callbacks)
            except (ConnectionTrouble, ServerTrouble):
                raise damaged from None  # no server to restore from: say what is wrong here
    return _sign_in_online(workstation, config, username=name, password=password, totp=totp,
                           device_name=options.device_name if options else "front desk",
                           worker=worker, callbacks=callbacks)


def _sign_in_here(workstation: Workstation, config: WorkstationConfig, *, username: str, user_id: UUID,
                  password: str, totp: str | None, worker: StoreWorker,
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
        flush_held_audit(workstation, store)
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
                       online=online, api=api, worker=worker, callbacks=callbacks,
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
               user_secret: SecretKey) -> tuple[Session | None, CentralApi | None, TokenKeeper | None]:
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
    keeper = TokenKeeper(config, user_id=user_id)
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
        raise erase_workstation(workstation, config) from None
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


def _sign_in_online(workstation: Workstation, config: WorkstationConfig, *, username: str, password: str,
                    totp: str | None, device_name: str, worker: StoreWorker,
                    callbacks: SyncCallbacks | None) -> DeskSession:
    api = _api_for(config)
    key: SecretKey | None = None
    user_secret: SecretKey | None = None
    keeper: TokenKeeper | None = None
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
        keeper = TokenKeeper(config, user_id=user.id)
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
    flush_held_audit(workstation, store)
    store.audit.record(AuditEvent(actor_user_id=user.id, device_id=config.device_id, action=AuditAction.SIGN_IN,
                                  entity="user", entity_id=user.id,
                                  detail="online, new workstation" if new_workstation else "online"))
    return DeskSession(workstation=workstation, config=config, vault=vault, store=store, key=key, user=user,
                       online=online, api=api, worker=worker, callbacks=callbacks,
                       token_keeper=keeper)


def _abandon_sign_in(workstation: Workstation, *, api: CentralApi, store: Store | None,
                     keeper: TokenKeeper | None, secrets: tuple[SecretKey | None, ...],
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


__all__ = ["SignInOptions", "UnknownUser", "fetch_enrolment", "sign_in"]
