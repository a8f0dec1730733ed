"""Manager → Location: the practice's switch window, how long a colleague may switch back in with their
password alone. The server keeps it and enforces it; every call runs on the network pool."""

from __future__ import annotations

from medspa_desk.desk.context import ReachesServer
from medspa_desk.desk.switch_window import (
    SWITCH_WINDOW_HOURS_MAX,
    SWITCH_WINDOW_HOURS_MIN,
    SwitchWindowDesk,
    open_switch_window,
)
from medspa_desk.rules import NotPermitted
from medspa_desk.sync.errors import ServerTrouble
from ui.operations import NetworkOp, QueryOp, describe_error
from ui.qt import QGroupBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

EXPLAINED = ("After signing in with their authenticator code, a person may switch back in on a shared desk "
             "with their password alone for this long. After it, the code is asked again.")


class SwitchWindowBox(QGroupBox):
    """The switch window in whole hours (1–24), read from and saved to the practice's server."""

    def __init__(self, session: ReachesServer, parent: QWidget | None = None) -> None:
        super().__init__("Switching user", parent)
        self.setObjectName("switchWindow")
        self.desk = SwitchWindowDesk(session, role=session.user.role)
        explained = QLabel(EXPLAINED, self)
        explained.setWordWrap(True)
        self.hours = QSpinBox(self)
        # One below the range stands for "not known yet" (loading, or the server out of reach): the box
        # never shows a window the practice did not set.
        self.hours.setRange(SWITCH_WINDOW_HOURS_MIN - 1, SWITCH_WINDOW_HOURS_MAX)
        self.hours.setSpecialValueText("—")
        self.hours.setValue(self.hours.minimum())
        self.hours.valueChanged.connect(self._name_unit)
        self._name_unit(self.hours.value())
        self.hours.setAccessibleName("Switch window (hours)")
        self.save_button = QPushButton("Save switch &window", self)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Switch window message")
        row = QHBoxLayout()
        row.addWidget(QLabel("Switch without a code for", self))
        row.addWidget(self.hours)
        row.addWidget(self.save_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(explained)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.save_button.clicked.connect(self.save)
        self._enable(False)
        self.message.setText("Loading…")
        QueryOp(self, body=lambda store: open_switch_window(store, actor=session.actor),
                success=lambda _none: self.reload(), failure=self._failed).run()

    def _name_unit(self, hours: int) -> None:
        self.hours.setSuffix(" hour" if hours == 1 else " hours")

    def _enable(self, on: bool) -> None:
        self.hours.setEnabled(on)
        self.save_button.setEnabled(on)

    def reload(self) -> None:
        NetworkOp(self, body=self.desk.hours, success=lambda hours: self._show(hours, ""),
                  failure=self._failed).run()

    def _show(self, hours: int, said: str) -> None:
        self.hours.setMinimum(SWITCH_WINDOW_HOURS_MIN)  # known now: "not known" is no longer a choice
        self.hours.setValue(hours)
        self._enable(True)
        self.message.setText(said)

    def save(self) -> None:
        wanted, desk = self.hours.value(), self.desk
        self._enable(False)
        self.message.setText("Saving…")
        NetworkOp(self, body=lambda: desk.set_hours(wanted),
                  success=lambda hours: self._show(hours, f"Saved: {hours} hour{'' if hours == 1 else 's'}. "
                                                          "It applies at once, also to people signed in now."),
                  failure=self._failed).run()

    def _failed(self, exc: BaseException) -> None:
        self._enable(not isinstance(exc, NotPermitted | ServerTrouble))  # offline: nothing to change
        self.message.setText(describe_error(exc))
