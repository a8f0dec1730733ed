"""What the sign-in window signs in through: ``medspa_desk.signing_in.sign_in`` on the database worker.

The session opens the encrypted store, and the store belongs to the UI's
database worker (``ui.operations.db_worker()``, the app's one
:class:`~medspa_desk.store.worker.StoreWorker`), so the whole sign-in runs as
one job there. The sync engine then reaches the store through the same worker
and reports to the status bar through ``ui.events.CoreEventBridge``.

``environment_notes()`` gives the plain lines shown under the form: no system
keychain (and what that means), a workstation not set up yet (the window then
asks for the server address and the practice), and, after an online attempt
failed to reach the server, that staff already enrolled here can still sign in.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from uuid import UUID

from medspa_desk.session import DeskSession
from medspa_desk.signing_in import SignInOptions, pin_switch_possible, sign_in_with_pin
from medspa_desk.signing_in import sign_in as session_sign_in
from medspa_desk.sync.errors import ConnectionTrouble, InsecureServerAddress, SignInNeeded
from medspa_desk.sync.page_parser import OFFLOAD_AT
from medspa_desk.sync.status import SyncCallbacks
from medspa_desk.vault.session_lock import PIN_PATTERN
from medspa_desk.workstation import Workstation, WorkstationSettingsError
from ui.collector import follow_session_events, freeze_long_lived, full_collections
from ui.events import CoreEventBridge, post_to_gui_thread
from ui.operations import db_worker

log = logging.getLogger(__name__)

NO_KEYCHAIN = ("The system keychain is not available ({problem}). This desk still works, but its "
               "records are protected by your password alone; ask IT to turn the keychain on.")
NOT_SET_UP = ("This workstation is not set up yet. Enter the server address and the practice's "
              "sign-in name (your manager has them), then sign in while connected.")
UNREACHABLE = ("The server cannot be reached right now. Staff who have signed in on this "
               "workstation before can still sign in and work from this desk's copy; changes are "
               "sent when the server is back.")


def sync_callbacks(bridge: CoreEventBridge | None = None) -> SyncCallbacks:
    """The engine's callbacks, each re-emitted on ``ui.events.bus`` on the GUI thread.

    While a cycle runs, the collector's full collections are held off
    (``ui.collector``); they resume on the GUI thread once the views have had
    the cycle's end, so the first full walk does not meet the whole cycle's
    ``Changes`` still in flight.
    """
    bridge = bridge or CoreEventBridge()

    def started() -> None:
        full_collections.hold_off()
        bridge.sync_did_start()

    def finished(changes: Any) -> None:
        bridge.sync_did_finish(changes)
        post_to_gui_thread(full_collections.resume)

    def failed(error: Any) -> None:
        bridge.sync_did_fail(error)
        post_to_gui_thread(full_collections.resume)

    def status_changed(status: Any) -> None:
        progress = status.progress
        if progress is not None and progress.total >= OFFLOAD_AT:
            full_collections.hold_off_young_too()
        bridge.status_did_change(status)

    def arrived(changes: Any) -> None:
        full_collections.collect_youngest()
        bridge.changes_did_arrive(changes)

    return SyncCallbacks(sync_did_start=started, sync_did_finish=finished, sync_did_fail=failed,
                         status_did_change=status_changed, changes_did_arrive=arrived)


class DeskBackend:
    """Signs people in on the workstation in ``directory`` (see the module docstring)."""

    def __init__(self, directory: Path, *, ca_path: str | None = None, dev_mode: bool = False,
                 device_name: str = "front desk", bridge: CoreEventBridge | None = None) -> None:
        self.workstation = Workstation(Path(directory))
        self.ca_path = ca_path
        self.dev_mode = dev_mode
        self.device_name = device_name
        self.bridge = bridge or CoreEventBridge()
        self.server_unreachable = False
        # Who switched user on this desk last (DeskSession.hand_over): the next sign-in is audited as a switch.
        self.handed_over_by: UUID | None = None
        follow_session_events()

    @property
    def directory(self) -> Path:
        return self.workstation.directory

    def is_set_up(self) -> bool:
        """The workstation knows its server (the sign-in window then hides server and practice)."""
        return self.workstation.is_set_up()

    def environment_notes(self) -> list[str]:
        from medspa_desk.vault import keychain_problem

        notes = []
        problem = keychain_problem()
        if problem:
            notes.append(NO_KEYCHAIN.format(problem=problem.rstrip(".")))
        if not self.is_set_up():
            notes.append(NOT_SET_UP)
        else:
            try:
                self.workstation.load()
            except WorkstationSettingsError as exc:
                notes.append(str(exc))
        if self.server_unreachable:
            notes.append(UNREACHABLE)
        return notes

    def sign_in(self, *, server: str = "", tenant: str = "", username: str, password: str,
                totp: str | None = None) -> DeskSession:
        """A signed-in session whose store the database worker owns; raises with words to show."""
        worker = db_worker()
        try:
            if totp is None and PIN_PATTERN.fullmatch(password) and self.pin_switch_possible(username):
                # Back after a switch, with the PIN: a warm seat and a session the server still takes.
                session = sign_in_with_pin(self.directory, username=username, pin=password, worker=worker,
                                           callbacks=sync_callbacks(self.bridge),
                                           handed_over_by=self.handed_over_by)
            else:
                session = session_sign_in(self.directory, username=username, password=password, totp=totp,
                                          options=self._options(server=server, tenant=tenant), worker=worker,
                                          callbacks=sync_callbacks(self.bridge), handed_over_by=self.handed_over_by)
        except ConnectionTrouble as exc:
            self.server_unreachable = not isinstance(exc, InsecureServerAddress)
            raise
        self.server_unreachable = False
        self.handed_over_by = None
        worker.attach(session.store)
        # What signing in loaded (the store, the engine, their modules) lives as long as the session.
        freeze_long_lived()
        log.info("signed in user %s (%s)", session.user.id, "online" if session.sync else "offline")
        return session

    def pin_switch_possible(self, username: str) -> bool:
        """May this person type their PIN instead of the password (a warm seat after a switch)?"""
        try:
            return pin_switch_possible(self.directory, username=username)
        except (OSError, WorkstationSettingsError):
            return False

    def fetch_enrolment(self, *, server: str = "", tenant: str = "", username: str, password: str) -> Any:
        """The authenticator secret a manager left waiting for this person (once; network pool only)."""
        from medspa_desk.signing_in import fetch_enrolment

        return fetch_enrolment(self.directory, username=username, password=password,
                               options=self._options(server=server, tenant=tenant))

    def _options(self, *, server: str, tenant: str) -> SignInOptions | None:
        if self.is_set_up():
            return None
        server, tenant = server.strip(), tenant.strip()
        if not server or not tenant:
            raise SignInNeeded("This workstation is not set up yet: enter the server address and the "
                               "practice's sign-in name.")
        return SignInOptions(server_url=server, tenant=tenant, ca_path=self.ca_path, dev_mode=self.dev_mode,
                             device_name=self.device_name)


__all__ = ["DeskBackend", "sync_callbacks"]
