"""What a view needs from the signed-in session, as typing Protocols (the seam between ``ui`` and the core).

The app hands its views a :class:`medspa_desk.session.DeskSession`; the screen tour and the
UI tests hand them ``ui.screen_tour.Desk`` (a practice in a store of its own, signed in offline).
Both satisfy these Protocols structurally, so a view names what it uses, not which of the two it got.
Views that only the app's session reaches (the main window, the lock, the PIN) name ``DeskSession``
itself. The Manager's staff and workstation screens name :class:`ReachesServer`: the set-up assistant
opens the staff screen, and the tour's desk, offline, answers as a session offline does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from medspa_desk.records import Location, User
from medspa_desk.store.actor import Actor

if TYPE_CHECKING:  # annotations only: the sync engine and the audit trail's link pull in the network stack
    from medspa_desk.compliance.audit_trail import ServerLink
    from medspa_desk.store import Store
    from medspa_desk.sync.api import CentralApi
    from medspa_desk.sync.engine import SyncEngine

T = TypeVar("T")


class SignedIn(Protocol):
    """Who is signed in, as whom they act, and at which location (and its time zone)."""

    @property
    def actor(self) -> Actor: ...

    @property
    def location(self) -> Location: ...

    @property
    def user(self) -> User: ...

    @property
    def zone(self) -> ZoneInfo: ...

    def server_link(self) -> ServerLink | None:
        """The central API and the person's token for the Compliance reads; None when offline."""
        ...


class ServerCaller(Protocol):
    """The signed-in session's door to the server (:meth:`medspa_desk.session.DeskSession.call_server`)."""

    def call_server(self, request: Callable[[CentralApi, str], T]) -> T:
        """``request(api, access_token)`` with the person's online session; offline, ``ServerTrouble``
        that says the desk is working offline."""
        ...


class ReachesServer(SignedIn, ServerCaller, Protocol):
    """What the Manager's staff and workstation screens use: the server, and which workstation this is."""

    @property
    def workstation_id(self) -> UUID | None:
        """This workstation's id at the server (None before its first sign-in online)."""
        ...


class HandsBack(SignedIn, Protocol):
    """A session that hand-to-client mode can lock and staff unlock again (``ui.forms.handoff``)."""

    @property
    def pin_available(self) -> bool: ...

    @property
    def sync(self) -> SyncEngine | None: ...

    @property
    def store(self) -> Store | None: ...

    def lock(self) -> None: ...

    def unlock_with_pin(self, pin: str) -> Store: ...

    def unlock_with_password(self, password: str) -> Store: ...
