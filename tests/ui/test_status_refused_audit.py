"""The status bar says when audit records the server refused are kept on the desk for a manager."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from medspa_desk.sync.status import SyncStatus
from ui.status_bar import DeskStatusBar


def test_refused_audit_records_are_named_beside_the_changes_waiting(qtbot: Any) -> None:
    bar = DeskStatusBar(None, zone=ZoneInfo("America/New_York"), has_sync=True)
    qtbot.addWidget(bar)
    bar.show_status(SyncStatus(online=True, pending=0, refused_audit=3))
    assert bar.pending.text() == ("All changes sent; 3 audit records the server refused kept on this desk "
                                  "for a manager to review")
    bar.show_status(SyncStatus(online=True, pending=2))
    assert bar.pending.text() == "2 changes waiting to sync"
