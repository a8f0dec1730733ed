"""A long status-bar sentence is elided, never allowed to widen the window past a laptop at 150%."""

from __future__ import annotations

import threading
from typing import Any

from medspa_desk.sync.status import Progress, SyncStatus
from tests.ui.test_small_screens import LAPTOP_AT_150_PERCENT_WIDTH
from ui.events import CoreEventBridge
from ui.lock import LockPolicy
from ui.main_window import MainWindow

LONG_MESSAGE = ("The server could not be reached, so this desk is working from its own copy. Changes are "
                "kept here and sent as soon as the connection is back; if this lasts more than an hour, "
                "ask the practice manager to check the office network and the server address. " * 3).strip()


def test_a_long_sync_message_is_elided_and_does_not_widen_the_window(qtbot: Any, sign_in: Any) -> None:
    window = MainWindow(sign_in("desk.amy"), policy=LockPolicy(idle_minutes=30))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.schedule is not None and window.schedule.shown is not None, timeout=10_000)
    status = SyncStatus(online=False, pending=3, waiting_for_others=2, message=LONG_MESSAGE,
                        progress=Progress(done=1_200, total=48_000))
    sender = threading.Thread(target=CoreEventBridge().status_did_change, args=(status,))
    sender.start()
    sender.join()
    bar = window.status
    qtbot.waitUntil(lambda: bar.message.text() == LONG_MESSAGE, timeout=3000)

    assert window.minimumSizeHint().width() <= LAPTOP_AT_150_PERCENT_WIDTH
    assert window.minimumWidth() <= LAPTOP_AT_150_PERCENT_WIDTH
    window.resize(LAPTOP_AT_150_PERCENT_WIDTH, 500)
    qtbot.waitUntil(lambda: window.width() <= LAPTOP_AT_150_PERCENT_WIDTH, timeout=5000)
    assert bar.width() <= LAPTOP_AT_150_PERCENT_WIDTH
    assert bar.progress.isVisible() and bar.conflicts.geometry().right() <= bar.width()

    message = bar.message
    shown = message.shown_text()
    assert message.is_elided() and shown.endswith("…") and len(shown) < len(LONG_MESSAGE)
    assert message.fontMetrics().horizontalAdvance(shown) <= message.contentsRect().width()
    assert message.toolTip() == LONG_MESSAGE  # the whole sentence, on hover
    assert message.text() == LONG_MESSAGE  # and for a screen reader
    # Long pending words shrink too, rather than push the conflicts button off the bar, but the
    # short facts stay readable: "○ Offline…", "3 changes…".
    assert bar.pending.text().startswith("3 changes waiting to sync (2 made by a colleague")
    assert bar.connection.shown_text().startswith("○ Offline")
    assert bar.pending.shown_text().startswith("3 changes")

    bar.message.clear()
    assert bar.message.toolTip() == ""
