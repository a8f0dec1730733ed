"""The status bar says why a colleague's changes stay on the desk after a user switch."""

from __future__ import annotations

import threading
from typing import Any
from zoneinfo import ZoneInfo

from medspa_desk.sync.status import SyncStatus
from ui.events import CoreEventBridge
from ui.status_bar import DeskStatusBar


def test_changes_waiting_for_their_author_are_explained_in_the_pending_count(qtbot: Any) -> None:
    bar = DeskStatusBar(None, zone=ZoneInfo("America/New_York"), has_sync=True)
    qtbot.addWidget(bar)
    status = SyncStatus(online=True, pending=3, waiting_for_others=2)
    sender = threading.Thread(target=CoreEventBridge().status_did_change, args=(status,))
    sender.start()
    sender.join()
    qtbot.waitUntil(lambda: "colleague" in bar.pending.text(), timeout=3000)
    assert bar.pending.text() == ("3 changes waiting to sync (2 made by a colleague; "
                                  "sent when they next sign in here)")
