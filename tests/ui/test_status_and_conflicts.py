"""Sync status in the status bar (bridged from the engine's thread) and the conflict inbox."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ui.conflicts import ConflictInbox
from ui.events import CoreEventBridge
from ui.status_bar import DeskStatusBar


@dataclass(frozen=True)
class Status:
    """The shape of the sync engine's SyncStatus, as the bar reads it."""

    online: bool
    pending: int
    last_success_at: datetime | None
    conflicts: int
    progress: tuple[int, int] | None = None
    message: str = ""


def test_status_from_the_sync_thread_reaches_the_bar(qtbot: Any) -> None:
    bar = DeskStatusBar(None, zone=ZoneInfo("America/New_York"), has_sync=True)
    qtbot.addWidget(bar)
    status = Status(online=False, pending=3, last_success_at=datetime.now(UTC) - timedelta(minutes=7),
                    conflicts=2, progress=(250, 1000))
    sender = threading.Thread(target=CoreEventBridge().status_did_change, args=(status,))
    sender.start()
    sender.join()
    qtbot.waitUntil(lambda: "Offline" in bar.connection.text(), timeout=3000)
    assert bar.pending.text() == "3 changes waiting to sync"
    assert bar.last_sync.text() == "Synced 7 min ago"
    assert bar.conflicts.text() == "2 conflicts to review"
    qtbot.waitUntil(lambda: bar.progress.value() == 250 and bar.progress.maximum() == 1000, timeout=3000)


def test_the_inbox_says_when_there_is_nothing_to_review(qtbot: Any, sign_in: Any) -> None:
    inbox = ConflictInbox(None, session=sign_in("desk.amy"))
    qtbot.addWidget(inbox)
    with qtbot.waitSignal(inbox.did_load, timeout=5000) as loaded:
        inbox.reload()
    assert loaded.args == [0]
    assert "Nothing to review" in inbox.explanation.text()
