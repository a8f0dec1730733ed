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
from datetime import datetime
from pathlib import Path
from uuid import UUID

from medspa_desk.protocol import UserInfo
from medspa_desk.records import AuditAction, AuditEvent, User
from medspa_desk.session import DeskSession, erase_workstation, flush_held_audit
from medspa_desk.store import Store, StoreError
from medspa_desk.store.errors import from_os_error
from medspa_desk.store.worker import StoreWorker
from medspa_desk.switching import drop_warm, warm_seat
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
    PracticeDestroyed,
    ServerTrouble,
    SignInNeeded,
    SyncError,
    TotpRequired,
)
from medspa_desk.sync.escrow import deposit_escrow, enroll_from_escrow
from medspa_desk.sync.revocation import confirm_destroyed_wipe
from medspa_desk.sync.status import SyncCallbacks
from medspa_desk.sync.transport import make_client
from medspa_desk.token_keeper import TokenKeeper
from medspa_desk.vault import (
    KeyslotDamaged,
    PinUnavailable,
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
PIN_NOT_WARM = ("A PIN brings you back only after you switched user on this desk with a PIN set, within the "
                "practice's switch window. Type your password.")
PIN_SESSION_ENDED = "Your sign-in at the practice's server has ended. Type your password."
PIN_NEEDS_SERVER = ("The practice's server cannot be reached to confirm your sign-in, so a PIN is not enough. "
                    "Type your password.")


class PasswordNeeded(SignInNeeded):
    """A PIN switch was refused: the person types their password (and the code when the server asks)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, code="password_needed")


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
        _audit_switch(session, handed_over_by=handed_over_by)
        return session

    return worker.run_sync(job, timeout=timeout_s)


def _audit_switch(session: DeskSession, *, handed_over_by: UUID | None) -> None:
    """Who took the desk over from whom, on this workstation's trail (it syncs to the server)."""
    if handed_over_by is None or handed_over_by == session.user.id or session.store is None:
        return
    session.store.audit.record(AuditEvent(
        actor_user_id=session.user.id, device_id=session.config.device_id, action=AuditAction.SWITCH,
        entity="user", entity_id=handed_over_by, detail=f"handed over by {handed_over_by} to {session.user.id}"))


def pin_switch_possible(directory: Path, *, username: str) -> bool:
    """May ``username`` try their PIN here (a warm seat: see ``medspa_desk.switching``)? For the sign-in window."""
    workstation = Workstation(directory)
    if not workstation.is_set_up():
        return False
    user_id = workstation.load().users.get(username.strip().lower())
    return user_id is not None and warm_seat(directory, user_id=user_id) is not None


def sign_in_with_pin(directory: Path, *, username: str, pin: str, worker: StoreWorker,
                     callbacks: SyncCallbacks | None = None, handed_over_by: UUID | None = None,
                     timeout_s: float = SIGN_IN_TIMEOUT_S) -> DeskSession:
    """Switch back in with the PIN: only a warm seat, and only if the server takes the kept session.

    A person not enrolled here, without a warm seat, whose server session ended (the
    switch window passed, signed out elsewhere, revoked) or on a desk that cannot reach
    the server gets :class:`PasswordNeeded`; a wrong PIN is :class:`WrongPin` and the
    fifth drops the seat (:class:`PinUnavailable`), each audited. Network I/O: never on
    the GUI thread.
    """
    def job(_attached: object) -> DeskSession:
        try:
            session = _pin_sign_in_at(Workstation(directory), username=username, pin=pin, worker=worker,
                                      callbacks=callbacks)
        except OSError as exc:
            raise from_os_error(exc, folder=Path(directory)) from None
        _audit_switch(session, handed_over_by=handed_over_by)
        return session

    return worker.run_sync(job, timeout=timeout_s)


def _pin_sign_in_at(workstation: Workstation, *, username: str, pin: str, worker: StoreWorker,
                    callbacks: SyncCallbacks | None) -> DeskSession:
    if not workstation.is_set_up() or not (workstation.directory / KEYSLOT_FILE_NAME).exists():
        raise PasswordNeeded(PIN_NOT_WARM)
    config = workstation.load()
    name = username.strip().lower()
    user_id = config.users.get(name)
    seat = warm_seat(workstation.directory, user_id=user_id) if user_id is not None else None
    if user_id is None or seat is None:
        raise PasswordNeeded(PIN_NOT_WARM)
    try:
        key, user_secret = seat.lock.open_with_pin(pin)
    except VaultError as exc:
        if isinstance(exc, PinUnavailable):
            drop_warm(workstation.directory, user_id=user_id)
        workstation.hold_audit(AuditEvent(
            actor_user_id=user_id, device_id=config.device_id, action=AuditAction.SIGN_IN_FAILED, entity="user",
            entity_id=user_id, outcome="denied",
            detail=f"pin switch misses={getattr(exc, 'failures', 0)} reason={type(exc).__name__}"))
        raise
    # The seat is spent whatever follows: in use now, or refused (the password is needed then).
    drop_warm(workstation.directory, user_id=user_id)
    assert user_secret is not None  # a warm seat always holds it (``warm_seat`` checks)
    with user_secret:
        try:
            vault = Vault.load(workstation.directory)
        except BaseException:
            key.wipe()
            raise
        session = _open_here(workstation, config, vault=vault, key=key, user_secret=user_secret, username=name,
                             user_id=user_id, password=None, totp=None, worker=worker, callbacks=callbacks,
                             how="pin switch", signed_in_at=seat.signed_in_at)
    session.set_pin(pin)  # their PIN locks this session too, and may bring them back after the next switch
    return session


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
    drop_warm(workstation.directory, user_id=user_id)  # the password is in: a PIN seat of theirs is stale
    # The token keeper takes its own copy; this one is wiped whatever happens.
    with user_secret:
        return _open_here(workstation, config, vault=vault, key=key, user_secret=user_secret, username=username,
                          user_id=user_id, password=password, totp=totp, worker=worker, callbacks=callbacks,
                          how="keyslot")


def _open_here(workstation: Workstation, config: WorkstationConfig, *, vault: Vault, key: SecretKey,
               user_secret: SecretKey, username: str, user_id: UUID, password: str | None, totp: str | None,
               worker: StoreWorker, callbacks: SyncCallbacks | None, how: str,
               signed_in_at: datetime | None = None) -> DeskSession:
    """Open the store with the person's key and go online (``password`` None: a PIN switch)."""
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
    except BaseException as exc:
        if isinstance(exc, PasswordNeeded):
            store.audit.record(AuditEvent(
                actor_user_id=user_id, device_id=config.device_id, action=AuditAction.SIGN_IN_FAILED,
                entity="user", entity_id=user_id, outcome="denied", detail=f"{how}: password needed"))
        store.close()
        key.wipe()
        raise
    store.audit.record(AuditEvent(actor_user_id=user_id, device_id=config.device_id, action=AuditAction.SIGN_IN,
                                  entity="user", entity_id=user_id,
                                  detail=f"{how}, online" if online else f"{how}, offline"))
    return DeskSession(workstation=workstation, config=config, vault=vault, store=store, key=key, user=user,
                       online=online, api=api, worker=worker, callbacks=callbacks,
                       token_keeper=keeper, signed_in_at=signed_in_at)


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
               password: str | None, totp: str | None,
               user_secret: SecretKey) -> tuple[Session | None, CentralApi | None, TokenKeeper | None]:
    """Sync for a person enrolled here, or work from the cache when the server is out of reach.

    With a kept refresh token the session resumes; without one (signed out
    earlier) or with one the server no longer takes, the password signs in
    online again, and the server may ask for the authenticator code
    (:class:`TotpRequired` reaches the sign-in window). A token kept under an
    earlier user secret (the password was changed since) does not open, so
    that, too, is a sign-in with the code. A revoked workstation is erased.

    ``password`` None is a PIN switch: only a kept session the server takes will do;
    anything else (none kept, ended, unreachable) is :class:`PasswordNeeded`.
    """
    if config.device_id is None:
        if password is None:
            raise PasswordNeeded(PIN_NEEDS_SERVER)
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
                if password is None:
                    raise PasswordNeeded(PIN_SESSION_ENDED) from None
        if password is None:
            raise PasswordNeeded(PIN_SESSION_ENDED)
        tokens = sign_in_online(api, tenant=config.tenant, username=username, password=password, totp=totp,
                                device_id=config.device_id, device_secret=proof)
        return Session(api=api, tokens=tokens, keep_refresh_token=keeper, device_secret=proof), api, keeper
    except DeviceRevoked as refused:
        keeper.forget()
        erased = erase_workstation(workstation, config, practice_destroyed=isinstance(refused, PracticeDestroyed))
        if isinstance(refused, PracticeDestroyed):
            erased = confirm_destroyed_wipe(api, device_id=config.device_id, device_secret=proof)
        api.close()
        raise erased from None
    except (TotpRequired, EnrolmentRequired, PasswordNeeded):  # the sign-in window asks for more
        api.close()
        keeper.forget()
        raise
    except SyncError as exc:
        if password is None:  # a PIN switch needs the server to vouch for the session
            api.close()
            keeper.forget()
            raise PasswordNeeded(PIN_NEEDS_SERVER) from None
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
        assert user_secret is not None  # a new vault's or the escrow slot's, set on both paths above
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


__all__ = ["PasswordNeeded", "SignInOptions", "UnknownUser", "fetch_enrolment", "pin_switch_possible", "sign_in",
           "sign_in_with_pin"]
