"""The status bar: online or offline, changes waiting to sync, last sync, open conflicts.

It listens to the sync engine's ``status_did_change`` (bridged onto the GUI
thread by ``ui.events``) and shows an initial-sync progress bar while the
first pull runs. Without a sync engine (an offline-only desk) it says so.

Its words come from the sync engine and can be long (an error, the first
download's progress, a colleague's waiting changes). They are elided to the
room there is, the whole sentence in the tooltip, so a long one never makes
the window wider than the screen.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from medspa_desk.sync.status import SyncStatus
from medspa_desk.time_words import time_of_day
from ui.events import bus
from ui.qt import (
    QLabel,
    QPainter,
    QPaintEvent,
    QProgressBar,
    QPushButton,
    QResizeEvent,
    QSize,
    QStatusBar,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)


def last_sync_words(when: datetime | None, *, now: datetime, zone: ZoneInfo) -> str:
    if when is None:
        return "Not synced yet"
    seconds = (now - when).total_seconds()
    if seconds < 60:
        return "Synced just now"
    if seconds < 3600:
        return f"Synced {int(seconds // 60)} min ago"
    local = when.astimezone(zone)
    return f"Synced {local:%b} {local.day}, {time_of_day(local)}"


class ElidedLabel(QLabel):
    """One line of text that asks for its whole width but makes do with a few letters.

    The text stays whole (``text()``, and what a screen reader reads); only the
    painting is elided, and while it is, the tooltip holds the whole text. Its
    minimum width is its first ``keep_words`` words (what must stay readable:
    "○ Offline", "3 changes"), so a long sentence never sets the minimum width
    of the window it is in. A label that ``gives_way`` asks for no more than
    that minimum: it takes the room its neighbours leave (its stretch), so it
    is the first to be elided.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None, *, keep_words: int = 1,
                 gives_way: bool = False) -> None:
        super().__init__(text, parent)
        self.keep_words = keep_words
        self.gives_way = gives_way
        self.setTextFormat(Qt.TextFormat.PlainText)

    def setText(self, text: str) -> None:
        super().setText(text)
        self._refresh_tooltip()

    def clear(self) -> None:
        super().clear()
        self._refresh_tooltip()

    def shown_text(self) -> str:
        """The text as painted: whole, or elided to the label's width."""
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight,
                                             max(0, self.contentsRect().width()))

    def is_elided(self) -> bool:
        return self.shown_text() != self.text()

    def minimumSizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        margins = self.contentsMargins()
        words = self.text().split()
        kept = " ".join(words[:self.keep_words]) + ("…" if len(words) > self.keep_words else "")
        least = metrics.horizontalAdvance(kept)
        return QSize(least + margins.left() + margins.right(), super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        return self.minimumSizeHint() if self.gives_way else super().sizeHint()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            self.style().drawItemText(painter, self.contentsRect(), int(self.alignment()), self.palette(),
                                      self.isEnabled(), self.shown_text(), self.foregroundRole())
        finally:
            painter.end()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._refresh_tooltip()

    def _refresh_tooltip(self) -> None:
        self.setToolTip(self.text() if self.is_elided() else "")


class DeskStatusBar(QStatusBar):
    conflicts_requested = Signal()

    def __init__(self, parent: QWidget | None, *, zone: ZoneInfo | None, has_sync: bool) -> None:
        super().__init__(parent)
        # The practice's zone arrives with the first sync; until then, this computer's.
        self.zone = zone
        self.connection = ElidedLabel("Offline (this desk is not connected to a server)"
                                      if not has_sync else "Connecting…", self, keep_words=2)
        self.connection.setAccessibleName("Connection")
        self.connection.setObjectName("connectionLabel")
        self.pending = ElidedLabel("", self, keep_words=2)
        self.pending.setAccessibleName("Changes waiting to sync")
        self.last_sync = ElidedLabel("", self, keep_words=2)
        self.last_sync.setAccessibleName("Last sync")
        self.conflicts = QPushButton("No conflicts", self)
        self.conflicts.setFlat(True)
        self.conflicts.setAccessibleName("Conflict inbox")
        self.conflicts.setToolTip("Open the conflict inbox (Ctrl+Shift+I)")
        self.conflicts.clicked.connect(self.conflicts_requested)
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName("First download progress")
        # Short words, so the bar fits a laptop at 150% beside everything else; the first-sync page
        # and the tooltip say it at length.
        self.progress.setFormat("Downloading %p%")
        self.progress.setToolTip("Downloading the practice's schedule, clients and services to this desk "
                                 "(the first time only)")
        self.progress.setMinimumWidth(self.progress.fontMetrics().horizontalAdvance("Downloading 100%") + 32)
        self.progress.setMaximumWidth(320)
        self.progress.hide()
        # The rest of the bar, after the short facts beside it: the longest text gives way first.
        self.message = ElidedLabel("", self, keep_words=2, gives_way=True)
        self.message.setAccessibleName("Sync message")
        self.addWidget(self.connection)
        self.addWidget(self.pending)
        self.addWidget(self.last_sync)
        self.addWidget(self.message, 1)
        self.addPermanentWidget(self.progress)
        self.addPermanentWidget(self.conflicts)
        bus.status_did_change.connect(self.show_status)
        bus.initial_sync_did_progress.connect(self.show_progress)

    def show_status(self, status: SyncStatus) -> None:
        if status is None:
            return
        online = status.online
        self.connection.setText("● Online" if online else "○ Offline — working from this desk’s copy")
        self.connection.setProperty("online", online)
        pending, waiting = status.pending, status.waiting_for_others
        words = (f"{pending} change{'s' if pending != 1 else ''} waiting to sync"
                 if pending else "All changes sent")
        if waiting:
            # Pushed only in their author's own session: say why they stay.
            words += f" ({waiting} made by a colleague; sent when they next sign in here)"
        refused = status.refused_audit
        if refused:
            # Not lost and not blocking: the server would not take them (someone never signed in here).
            words += (f"; {refused} audit record{'s' if refused != 1 else ''} the server refused "
                      "kept on this desk for a manager to review")
        self.pending.setText(words)
        zone = self.zone or datetime.now().astimezone().tzinfo
        now = datetime.now(zone)
        self.last_sync.setText(last_sync_words(status.last_success_at,
                                               now=now, zone=zone))
        self.show_conflict_count(status.conflicts)
        refused = status.refused
        self.message.setText(status.message or (
            f"Not accepted: {refused}. Open the conflict inbox to fix or discard it." if refused else ""))
        progress = status.progress
        if progress is None:
            self.progress.hide()
        else:
            self.show_progress(progress.done, progress.total)

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


class FirstSyncPage(QWidget):
    """Shown instead of the schedule until the first sync has brought the practice to this desk."""

    def __init__(self, parent: QWidget | None, *, online: bool) -> None:
        super().__init__(parent)
        self.setObjectName("firstSyncPage")
        self.setAccessibleName("Getting the practice ready")
        title = QLabel("Getting the practice ready on this desk", self)
        title.setObjectName("lockTitle")
        title.setWordWrap(True)  # a larger font wraps it inside the card rather than past its edge
        self.explanation = QLabel(
            "The schedule, clients and services are being downloaded and stored encrypted on this "
            "computer. This happens once; afterwards the desk keeps working even when the network "
            "is down." if online else
            "This desk has not downloaded the practice yet and the server cannot be reached. "
            "Check the network connection, then sign out and sign in again.", self)
        self.explanation.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName("Download progress")
        self.progress.setRange(0, 0)  # busy until the server says how much there is
        self.progress.setFormat("%v of %m records")
        self.progress.setTextVisible(True)
        self.progress.setVisible(online)
        card = QWidget(self)
        card.setObjectName("lockCard")
        card.setFixedWidth(560)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(24, 20, 24, 20)
        inner.setSpacing(12)
        for widget in (title, self.explanation, self.progress):
            inner.addWidget(widget)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        bus.initial_sync_did_progress.connect(self.show_progress)

    def show_progress(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
