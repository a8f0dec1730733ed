"""Hand-to-client mode: the screen shows one form and nothing else, until staff unlock it.

While the client holds the screen every other window of the app is hidden (the
schedule, the check-in, menus and shortcuts go with them), the form fills the
screen, Escape and the close button do nothing, and the window is modal so no
shortcut of a hidden window fires. When the client has submitted (or wants to
stop), the form is destroyed and the desk LOCKS through the session's own
path (``session.lock()`` on the database worker: audited, key wiped, store
closed); the signed-in staff member unlocks with their PIN or password
(``session.unlock_with_pin`` / ``unlock_with_password``), and only then do the
hidden windows come back. The idle lock still applies: if the app locks while
the form is up, the form is dropped and the desk shows its normal lock page.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from medspa_desk.desk.context import HandsBack
from ui.events import bus
from ui.lock import LockView
from ui.operations import NetworkOp, db_worker, describe_error
from ui.qt import (
    QApplication,
    QCloseEvent,
    QHBoxLayout,
    QKeyEvent,
    QLabel,
    QPushButton,
    QStackedWidget,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
    is_alive,
)

log = logging.getLogger(__name__)

THANK_YOU = "Thank you. Please hand the screen back to the front desk."
STOPPED = "No problem. Please hand the screen back to the front desk."


class HandToClientWindow(QWidget):
    """One form, full screen. ``finished`` is the form's signal that it was submitted or signed."""

    did_return = Signal()  # staff unlocked: the desk is back
    did_hand_back = Signal()  # the form is gone and the desk locked, waiting for staff

    def __init__(self, session: HandsBack, *, form: QWidget, title: str, finished: Any) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.setObjectName("handToClient")
        self.setAccessibleName("Form for the client")
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self._session = session
        self._hidden: list[QWidget] = []
        self._may_close = False
        self.form: QWidget | None = form
        self.staff_view: LockView | None = None

        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.setWindowTitle(f"Medspa Desk — {title}")
        self.title = QLabel("Please fill in the form below. When you are done, hand the screen back "
                            "to the front desk.")
        self.title.setWordWrap(True)
        self.title.setAccessibleName("What to do")
        self.stop_button = QPushButton("Stop and hand back to the front desk")
        self.stop_button.setAccessibleName("Stop and hand back to the front desk")
        self.stop_button.setAutoDefault(False)
        self.stop_button.clicked.connect(lambda: self.hand_back(STOPPED))
        bar.addWidget(self.title, 1)
        bar.addWidget(self.stop_button)
        layout.addLayout(bar)
        self.pages = QStackedWidget()
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        row.addStretch(1)
        form.setMaximumWidth(max(form.fontMetrics().averageCharWidth() * 110, 720))
        row.addWidget(form, 8)
        row.addStretch(1)
        self.pages.addWidget(holder)
        layout.addWidget(self.pages, 1)
        finished.connect(lambda *_args: self.hand_back(THANK_YOU))
        bus.session_will_lock.connect(self._desk_is_locking)

    # --- showing and hiding the app ----------------------------------------------------------

    def start(self) -> None:
        """Hide every other window of the app and fill the screen with the form."""
        others = [w for w in QApplication.topLevelWidgets()
                  if w is not self and w.isVisible() and w.isWindow()]
        # Parents first, so a dialog comes back over its window.
        self._hidden = sorted(others, key=lambda w: w.parentWidget() is not None)
        for widget in self._hidden:
            widget.hide()
        self.showFullScreen()
        self.activateWindow()
        self.raise_()

    def _restore_app(self) -> None:
        for widget in self._hidden:
            if is_alive(widget):
                widget.show()
        self._hidden = []

    @property
    def hidden_windows(self) -> list[QWidget]:
        return list(self._hidden)

    # --- handing back ---------------------------------------------------------------------

    def hand_back(self, message: str) -> None:
        """Drop the form, lock the desk, and ask the staff member to unlock."""
        if self.staff_view is not None:
            return
        if self.form is not None and is_alive(self.form):
            self.form.hide()
            self.form.deleteLater()
        self.form = None
        self.stop_button.hide()
        self.title.clear()
        self._lock_desk()
        page = QWidget()
        column = QVBoxLayout(page)
        note = QLabel(message)
        note.setObjectName("handBackMessage")
        note.setAccessibleName("Message for the client")
        note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        note.setWordWrap(True)
        font = note.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        note.setFont(font)
        column.addStretch(1)
        column.addWidget(note)
        self.staff_view = LockView(page, user_label=self._session.user.display_name,
                                   pin_available=self._session.pin_available)
        self.staff_view.setAccessibleName("Staff unlock")
        self.staff_view.switch.hide()  # switching user or signing out happens on the desk's own lock page
        self.staff_view.leave.hide()
        self.staff_view.unlock_with_pin.connect(lambda pin: self._try(lambda: self._session.unlock_with_pin(pin)))
        self.staff_view.unlock_with_password.connect(
            lambda password: self._try(lambda: self._session.unlock_with_password(password)))
        column.addWidget(self.staff_view, 3)
        self.pages.addWidget(page)
        self.pages.setCurrentWidget(page)
        self.staff_view.focus_first()
        self.did_hand_back.emit()

    def _lock_desk(self) -> None:
        """The session's lock, as the desk's own lock runs it: sync paused here, the store closed on the worker."""
        session = self._session
        engine = session.sync
        if engine is not None:
            engine.pause()  # from the GUI thread: the engine may be waiting on the worker
        worker = db_worker()
        worker.invalidate()
        try:
            worker.run_sync(lambda _store: session.lock())
        except Exception as exc:
            log.error("lock after hand-back failed: %s", type(exc).__name__)
        worker.detach(close=False)

    def _try(self, unlock: Callable[[], Any]) -> None:
        view = self.staff_view
        if view is None:
            return
        view.show_message("Unlocking…")
        NetworkOp(self, body=unlock, success=lambda _store: self._unlocked(), failure=self._refused).run()

    def _refused(self, exc: BaseException) -> None:
        view = self.staff_view
        if view is not None:
            view.show_message(describe_error(exc))
            view.set_pin_available(self._session.pin_available)
            view.focus_first()

    def _unlocked(self) -> None:
        db_worker().attach(self._session.store)
        self._restore_app()
        self._may_close = True
        self.close()
        self.did_return.emit()

    def _desk_is_locking(self) -> None:
        """The app is locking (idle, suspend): give the screen back to the desk's lock page."""
        if not is_alive(self):
            return
        if self.form is not None and is_alive(self.form):
            self.form.deleteLater()
        self.form = None
        self._restore_app()
        self._may_close = True
        self.close()

    # --- what the client cannot do --------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            event.accept()  # Escape does nothing here: only staff end this mode
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._may_close:
            event.ignore()
            return
        with contextlib.suppress(RuntimeError, TypeError):
            bus.session_will_lock.disconnect(self._desk_is_locking)
        super().closeEvent(event)


def hand_to_client(session: HandsBack, *, form: QWidget, title: str, finished: Any) -> HandToClientWindow:
    """Hide the app and show ``form`` full screen until staff unlock (see the module docstring)."""
    window = HandToClientWindow(session, form=form, title=title, finished=finished)
    window.start()
    return window
