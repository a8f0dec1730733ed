"""The status bar: online or offline, changes waiting to sync, last sync, open conflicts.

It listens to the sync engine's ``status_did_change`` (bridged onto the GUI
thread by ``ui.events``) and shows an initial-sync progress bar while the
first pull runs. Without a sync engine (an offline-only desk) it says so.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ui.events import bus
from ui.qt import QLabel, QProgressBar, QPushButton, QStatusBar, QWidget, Signal


def last_sync_words(when: datetime | None, *, now: datetime, zone: ZoneInfo) -> str:
    if when is None:
        return "Not synced yet"
    seconds = (now - when).total_seconds()
    if seconds < 60:
        return "Synced just now"
    if seconds < 3600:
        return f"Synced {int(seconds // 60)} min ago"
    return "Synced " + when.astimezone(zone).strftime("%b %d, %I:%M %p").replace(" 0", " ")


class DeskStatusBar(QStatusBar):
    conflicts_requested = Signal()

    def __init__(self, parent: QWidget | None, *, zone: ZoneInfo, has_sync: bool) -> None:
        super().__init__(parent)
        self.zone = zone
        self.connection = QLabel("Offline (this desk is not connected to a server)"
                                 if not has_sync else "Connecting…", self)
        self.connection.setAccessibleName("Connection")
        self.connection.setObjectName("connectionLabel")
        self.pending = QLabel("", self)
        self.pending.setAccessibleName("Changes waiting to sync")
        self.last_sync = QLabel("", self)
        self.last_sync.setAccessibleName("Last sync")
        self.conflicts = QPushButton("No conflicts", self)
        self.conflicts.setFlat(True)
        self.conflicts.setAccessibleName("Conflict inbox")
        self.conflicts.setToolTip("Open the conflict inbox (Ctrl+Shift+I)")
        self.conflicts.clicked.connect(self.conflicts_requested)
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName("First download progress")
        self.progress.setMaximumWidth(220)
        self.progress.setFormat("Downloading practice data %p%")
        self.progress.hide()
        self.message = QLabel("", self)
        self.message.setAccessibleName("Sync message")
        self.addWidget(self.connection)
        self.addWidget(self.pending)
        self.addWidget(self.last_sync)
        self.addWidget(self.message, 1)
        self.addPermanentWidget(self.progress)
        self.addPermanentWidget(self.conflicts)
        bus.status_did_change.connect(self.show_status)
        bus.initial_sync_did_progress.connect(self.show_progress)

    def show_status(self, status: Any) -> None:
        if status is None:
            return
        online = bool(getattr(status, "online", False))
        self.connection.setText("● Online" if online else "○ Offline — working from this desk’s copy")
        self.connection.setProperty("online", online)
        pending = int(getattr(status, "pending", 0) or 0)
        self.pending.setText(f"{pending} change{'s' if pending != 1 else ''} waiting to sync"
                             if pending else "All changes sent")
        now = datetime.now(self.zone)
        self.last_sync.setText(last_sync_words(getattr(status, "last_success_at", None),
                                               now=now, zone=self.zone))
        self.show_conflict_count(int(getattr(status, "conflicts", 0) or 0))
        self.message.setText(getattr(status, "message", "") or "")
        progress = getattr(status, "progress", None)
        if progress is None:
            self.progress.hide()

    def show_conflict_count(self, count: int) -> None:
        self.conflicts.setText(f"{count} conflict{'s' if count != 1 else ''} to review"
                               if count else "No conflicts")
        self.conflicts.setProperty("attention", bool(count))
        self.conflicts.style().unpolish(self.conflicts)
        self.conflicts.style().polish(self.conflicts)

    def show_progress(self, done: int, total: int) -> None:
        if total <= 0 or done >= total:
            self.progress.hide()
            return
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.show()
