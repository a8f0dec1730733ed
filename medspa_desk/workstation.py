"""One installed workstation: its folder, its settings, and who is enrolled on it.

The folder holds the encrypted cache (``desk.db``), the keyslot file, the PHI-free
log, and ``workstation.json``: the server it syncs with, its device id, and the
staff usernames enrolled here (staff identities, not PHI; they let an offline
sign-in find the right keyslot before anything is decrypted).

Audit events that happen while nothing is unlocked (a failed sign-in, a lock)
cannot go into the encrypted store yet; they wait in ``pending-audit.jsonl``
(ids, actions and times only) and move into the store's audit trail at the
next unlock.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from uuid import UUID

import platformdirs

from medspa_desk.records import AuditEvent
from medspa_desk.vault import Vault
from medspa_desk.vault.atomic_file import write_private_file
from medspa_desk.vault.keyslots import KEYSLOT_FILE_NAME, PENDING_KEYSLOT_FILE_NAME

CONFIG_FILE = "workstation.json"
DB_FILE = "desk.db"
PENDING_AUDIT_FILE = "pending-audit.jsonl"
CONFIG_FORMAT = 1
DEFAULT_IDLE_LOCK_MINUTES = 5.0


class WorkstationSettingsError(Exception):
    """The workstation's settings file cannot be used; the message says what to do."""


def default_directory() -> Path:
    return Path(platformdirs.user_data_dir("MedspaDesk", appauthor=False))


@dataclass(frozen=True)
class WorkstationConfig:
    server_url: str
    tenant: str
    ca_path: str | None = None
    pin_ca: bool = False
    dev_mode: bool = False
    device_id: UUID | None = None
    vault_id: UUID | None = None
    location_id: UUID | None = None
    # username -> user id of the staff enrolled (holding a keyslot) on this workstation.
    users: dict[str, UUID] = field(default_factory=dict)
    idle_lock_minutes: float = DEFAULT_IDLE_LOCK_MINUTES

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("device_id", "vault_id", "location_id"):
            data[name] = str(data[name]) if data[name] else None
        data["users"] = {name: str(uid) for name, uid in self.users.items()}
        data["format"] = CONFIG_FORMAT
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WorkstationConfig:
        if data.get("format") != CONFIG_FORMAT:
            raise WorkstationSettingsError(
                "This workstation's settings were written by a newer version of Medspa Desk; "
                "install the newer version.")
        try:
            return cls(
                server_url=str(data["server_url"]), tenant=str(data["tenant"]),
                ca_path=data.get("ca_path"), pin_ca=bool(data.get("pin_ca", False)),
                dev_mode=bool(data.get("dev_mode", False)),
                device_id=UUID(data["device_id"]) if data.get("device_id") else None,
                vault_id=UUID(data["vault_id"]) if data.get("vault_id") else None,
                location_id=UUID(data["location_id"]) if data.get("location_id") else None,
                users={str(k): UUID(v) for k, v in dict(data.get("users", {})).items()},
                idle_lock_minutes=float(data.get("idle_lock_minutes", DEFAULT_IDLE_LOCK_MINUTES)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise WorkstationSettingsError(
                f"This workstation's settings file is damaged ({type(exc).__name__}); "
                "ask a manager to set the workstation up again.") from None

    def with_user(self, username: str, user_id: UUID) -> WorkstationConfig:
        return replace(self, users={**self.users, username.strip().lower(): user_id})


class Workstation:
    """The folder of one installed workstation."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    @property
    def database_path(self) -> Path:
        return self.directory / DB_FILE

    @property
    def config_path(self) -> Path:
        return self.directory / CONFIG_FILE

    @property
    def log_dir(self) -> Path:
        return self.directory / "logs"

    def is_set_up(self) -> bool:
        return self.config_path.exists()

    def load(self) -> WorkstationConfig:
        try:
            data = json.loads(self.config_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise WorkstationSettingsError(
                "This workstation is not set up yet; sign in once while connected to the server.") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            raise WorkstationSettingsError(
                "This workstation's settings file cannot be read; ask a manager to set the "
                "workstation up again.") from None
        if not isinstance(data, dict):
            raise WorkstationSettingsError(
                "This workstation's settings file is damaged; ask a manager to set the workstation up again.")
        return WorkstationConfig.from_json(data)

    def save(self, config: WorkstationConfig) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        body = json.dumps(config.to_json(), indent=2, sort_keys=True).encode("utf-8")
        write_private_file(self.config_path, body)

    def discard_unfinished_set_up(self) -> bool:
        """Remove what a first sign-in cut off before its commit point left; False if nothing.

        Only when no key file is in place and a pending one is there: the
        pending vault's key opens nothing but this attempt's new store, which
        holds only the person's own user record, so the store goes with it.
        """
        if (self.directory / KEYSLOT_FILE_NAME).exists():
            return False
        if not (self.directory / PENDING_KEYSLOT_FILE_NAME).exists():
            return False
        database = self.database_path
        for path in (database, *(database.with_name(database.name + s) for s in ("-wal", "-shm"))):
            path.unlink(missing_ok=True)
        return Vault.discard_pending(self.directory)

    # --- audit events waiting for an unlock ------------------------------------------------

    def hold_audit(self, event: AuditEvent) -> None:
        """Keep an event (ids only) until the store is open; appended and fsynced."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.directory / PENDING_AUDIT_FILE
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, (json.dumps(event.model_dump(mode="json")) + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def held_audit(self) -> list[AuditEvent]:
        path = self.directory / PENDING_AUDIT_FILE
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        events = []
        for line in lines:
            try:
                events.append(AuditEvent.model_validate_json(line))
            except ValueError:
                continue  # a line cut by a crash mid-append; the rest still count
        return events

    def forget_practice(self) -> None:
        """Remove what a destroyed practice left in this folder besides the store and keyslot (which the
        erase removed): the set-up, a half-made keyslot, held events and the logs."""
        for path in (self.config_path, self.directory / PENDING_KEYSLOT_FILE_NAME,
                     self.directory / PENDING_AUDIT_FILE):
            path.unlink(missing_ok=True)
        if self.log_dir.is_dir():
            for path in self.log_dir.iterdir():
                if path.is_file():
                    path.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                self.log_dir.rmdir()

    def forget_held_audit(self) -> None:
        (self.directory / PENDING_AUDIT_FILE).unlink(missing_ok=True)
