"""Workstation sync: TLS transport, sign-in and keychain credentials, the push/pull engine.

Start with :class:`SyncEngine` (docs/sync-protocol.md explains the design);
every failure is a :class:`SyncError` whose ``message`` can be shown as it is.
"""

from __future__ import annotations

from medspa_desk.sync.api import CentralApi
from medspa_desk.sync.auth import Session, sign_in_online
from medspa_desk.sync.engine import SyncEngine
from medspa_desk.sync.errors import (
    ClockSkew,
    ConnectionCause,
    ConnectionTrouble,
    DeviceRevoked,
    InsecureServerAddress,
    PracticeDestroyed,
    ServerRefused,
    ServerTrouble,
    SignInNeeded,
    SyncCancelled,
    SyncError,
    TotpRequired,
)
from medspa_desk.sync.status import Progress, SyncCallbacks, SyncStatus
from medspa_desk.sync.transport import make_client, make_ssl_context

__all__ = [
    "CentralApi",
    "ClockSkew",
    "ConnectionCause",
    "ConnectionTrouble",
    "DeviceRevoked",
    "InsecureServerAddress",
    "PracticeDestroyed",
    "Progress",
    "ServerRefused",
    "ServerTrouble",
    "Session",
    "SignInNeeded",
    "SyncCallbacks",
    "SyncCancelled",
    "SyncEngine",
    "SyncError",
    "SyncStatus",
    "TotpRequired",
    "make_client",
    "make_ssl_context",
    "sign_in_online",
]
