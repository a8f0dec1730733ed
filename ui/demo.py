"""``python main.py --demo``: a practice to click through, with no set-up.

This module holds the *offline* demo: a workstation folder in a temporary
directory with a real vault (Argon2id keyslots, the device secret in the OS
keychain when there is one), a real SQLCipher store seeded with the demo
practice (medspa_desk.demo_data), and an ``OfflineDeskSession`` that signs in
by unwrapping the user's keyslot, locks by wiping the key and closing the
store, and unlocks with a PIN or the password.

``OfflineDeskSession`` stands in for the lead's ``medspa_desk.session.DeskSession``
(same attributes: store, actor, user, location, zone, sync, lock,
unlock_with_pin, unlock_with_password, sign_out) until that lands; it has no
sync engine, so the status bar says the desk is offline.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from medspa_desk.records import AuditAction, AuditEvent, Location, Role, User

log = logging.getLogger(__name__)

DB_FILE = "desk.db"
USERS_FILE = "workstation-users.json"
DEMO_TENANT = "glow-aesthetics"
# The demo signs in as front desk; the PIN is set for it so the lock screen can be tried.
DEMO_PIN = "2468"
DEFAULT_IDLE_MINUTES = 5.0


@dataclass
class OfflineDeskSession:
    """A signed-in user on this workstation, working from the encrypted local copy."""

    directory: Path
    vault: Any
    store: Any
    user: User
    location: Location
    device_id: UUID | None = None
    idle_lock_minutes: float = DEFAULT_IDLE_MINUTES
    sync: Any = None
    _key: Any = None
    _pin: Any = None
    _missed: list[AuditEvent] = field(default_factory=list)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    @property
    def zone(self) -> ZoneInfo:
        return self.location.zone

    @property
    def actor(self) -> Any:
        from medspa_desk.store import Actor

        return Actor(user_id=self.user.id, device_id=self.device_id, role=self.user.role)

    @property
    def pin_available(self) -> bool:
        return self._pin is not None and self._pin.has_pin

    def set_pin(self, pin: str) -> None:
        from medspa_desk.vault import PinLock

        if self._pin is None:
            self._pin = PinLock(user_id=self.user.id)
        self._pin.set_pin(pin, key=self._key)

    def _audit(self, action: AuditAction, *, outcome: str = "ok", detail: str = "") -> None:
        event = AuditEvent(actor_user_id=self.user.id, device_id=self.device_id, action=action,
                           entity="user", entity_id=self.user.id, outcome=outcome, detail=detail)
        if self.store is None:
            self._missed.append(event)  # written at the next unlock
            return
        for missed in [*self._missed, event]:
            self.store.audit.record(missed)
        self._missed.clear()

    def lock(self) -> None:
        """Wipe the key and close the store; only a PIN-sealed copy stays (in memory)."""
        with self._guard:
            if self.store is None:
                return
            self._audit(AuditAction.LOCK)
            self.store.close()
            self.store = None
            if self._pin is not None and self._pin.has_pin:
                self._pin.lock(self._key)
            elif self._key is not None:
                self._key.wipe()
            self._key = None

    def unlock_with_pin(self, pin: str) -> Any:
        from medspa_desk.vault import VaultError

        with self._guard:
            if self._pin is None:
                from medspa_desk.vault import PinUnavailable

                raise PinUnavailable()
            try:
                key = self._pin.unlock_with_pin(pin)
            except VaultError as exc:
                self._audit(AuditAction.UNLOCK_FAILED, outcome="denied",
                            detail=f"pin failures={getattr(exc, 'failures', 0)}")
                raise
            self._open(key)
            self._audit(AuditAction.UNLOCK, detail="pin")
            return self.store

    def unlock_with_password(self, password: str) -> Any:
        from medspa_desk.vault import VaultError

        with self._guard:
            try:
                key = self.vault.unlock(self.user.id, password)
            except VaultError as exc:
                self._audit(AuditAction.UNLOCK_FAILED, outcome="denied",
                            detail=f"password failures={getattr(exc, 'failures', 0)}")
                raise
            self._open(key)
            if self._pin is not None and self._pin.is_locked:
                self._pin.drop()  # a fresh key: the old sealed copy is stale
                self._pin = None
            self._audit(AuditAction.UNLOCK, detail="password")
            return self.store

    def _open(self, key: Any) -> None:
        from medspa_desk.store import Store

        self.store = Store.open(self.directory / DB_FILE, key.buffer)
        self._key = key

    def sign_out(self) -> None:
        with self._guard:
            if self.store is not None:
                self._audit(AuditAction.SIGN_OUT)
                self.store.close()
                self.store = None
            if self._pin is not None:
                self._pin.drop()
                self._pin = None
            if self._key is not None:
                self._key.wipe()
                self._key = None


class OfflineSignIn:
    """Signs in by the user's keyslot on this workstation (no server)."""

    def __init__(self, directory: Path, *, pin: str | None = DEMO_PIN) -> None:
        self.directory = Path(directory)
        self.pin = pin

    def environment_notes(self) -> list[str]:
        from medspa_desk.vault import Vault

        notes = ["Working offline: this desk signs in with the password saved on this "
                 "workstation. Nothing is sent to a server in this mode."]
        try:
            vault = Vault.load(self.directory)
        except Exception as exc:
            from ui.operations import describe_error

            return [*notes, describe_error(exc)]
        notice = getattr(vault, "keychain_notice", None) or getattr(vault, "_keychain_notice", None)
        if notice:
            notes.append(str(notice))
        return notes

    def sign_in(self, *, server: str = "", tenant: str = "", username: str, password: str,
                totp: str | None = None) -> OfflineDeskSession:
        from medspa_desk.store import Store
        from medspa_desk.vault import UnknownUser, Vault, VaultError

        users = json.loads((self.directory / USERS_FILE).read_text(encoding="utf-8"))
        vault = Vault.load(self.directory)
        if username not in users:
            raise UnknownUser()
        user_id = UUID(users[username])
        try:
            key = vault.unlock(user_id, password)
        except VaultError:
            log.warning("offline sign-in refused for user %s", user_id)
            raise
        store = Store.open(self.directory / DB_FILE, key.buffer)
        user = next(u for u in store.users() if u.id == user_id)
        location = store.locations()[0]
        session = OfflineDeskSession(directory=self.directory, vault=vault, store=store, user=user,
                                     location=location, _key=key)
        session._audit(AuditAction.SIGN_IN, detail="offline")
        if self.pin:
            session.set_pin(self.pin)
        return session


@dataclass(frozen=True)
class DemoWorkstation:
    directory: Path
    credentials: dict[str, str]  # username → password, demo only
    front_desk: str
    provider: str
    manager: str


def prepare_offline_workstation(directory: Path, *, clients: int = 2000, seed: int = 7) -> DemoWorkstation:
    """A workstation folder with a vault for every demo user and a store seeded with the practice."""
    from medspa_desk import demo_data

    practice = demo_data.generate_practice(seed=seed, clients=clients)
    return seed_workstation(directory, records=practice.all_records(), users=practice.users,
                            passwords=demo_passwords(practice))


def demo_passwords(practice: Any) -> dict[str, str]:
    from medspa_desk import demo_data

    known = getattr(demo_data, "DEMO_PASSWORDS", None) or {}
    default = getattr(demo_data, "DEMO_PASSWORD", None)
    return {u.username: known.get(u.username) or known.get(u.role.value) or default
            or "glow-demo-password" for u in practice.users}


def seed_workstation(directory: Path, *, records: Iterable[Any], users: list[User],
                     passwords: dict[str, str]) -> DemoWorkstation:
    from medspa_desk.store import Store
    from medspa_desk.vault import Vault

    directory = Path(directory)
    active = [u for u in users if u.active]
    first, *others = active
    vault, key = Vault.create(directory, user_id=first.id, password=passwords[first.username])
    try:
        for user in others:
            vault.enroll(user.id, passwords[user.username], key=key)
        with Store.open(directory / DB_FILE, key.buffer, create=True) as store:
            store.import_records(records)
    finally:
        key.wipe()
    (directory / USERS_FILE).write_text(json.dumps({u.username: str(u.id) for u in active}),
                                        encoding="utf-8")

    def by_role(role: Role) -> str:
        return next(u.username for u in active if u.role is role)

    return DemoWorkstation(directory=directory, credentials={u.username: passwords[u.username] for u in active},
                           front_desk=by_role(Role.FRONT_DESK), provider=by_role(Role.PROVIDER),
                           manager=by_role(Role.MANAGER))


def demo_notes(workstation: DemoWorkstation) -> list[str]:
    creds = workstation.credentials
    return [
        "Demo practice (sample data, not real people). Sign in as:",
        f"  front desk: {workstation.front_desk} / {creds[workstation.front_desk]}",
        f"  provider: {workstation.provider} / {creds[workstation.provider]}",
        f"  manager: {workstation.manager} / {creds[workstation.manager]}",
        f"Lock with Ctrl+L; unlock with PIN {DEMO_PIN} or the password.",
        "Offline demo: the practice is seeded straight into this desk's encrypted store.",
    ]


def start_demo(*, clients: int = 2000) -> Any:
    """The demo desk: a throwaway workstation folder, seeded, with the sign-in window filled in."""
    import tempfile

    from ui.app import DeskApp

    directory = Path(tempfile.mkdtemp(prefix="medspa-desk-demo-"))
    workstation = prepare_offline_workstation(directory, clients=clients)
    log.info("demo workstation ready")
    return DeskApp(OfflineSignIn(directory), tenant=DEMO_TENANT, username=workstation.front_desk,
                   password=workstation.credentials[workstation.front_desk],
                   notes=demo_notes(workstation))
