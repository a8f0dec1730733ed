"""Manager → Workstations: the practice's workstations; revoke a lost or retired one.

The list comes from the server (who signed in last, last contact, revoked). A
revoked workstation erases the practice's data at its next contact; one that
never calls back must be treated as a lost device, which the screen says plainly
before and after revoking. Each workstation's app version and the changes
waiting on it are what it last reported after a sync; a manager may rename one.
"""

from __future__ import annotations

from datetime import datetime

from medspa_desk.desk.context import ReachesServer
from medspa_desk.desk.workstations import (
    LOST_DEVICE_WARNING,
    WorkstationInfo,
    WorkstationsDesk,
    open_workstations,
)
from ui.manager.common import ask_first, fill, list_table
from ui.operations import NetworkOp, QueryOp, describe_error
from ui.qt import (
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

HEADERS = ("Name", "Signed in last", "Last contact", "App version", "Changes waiting", "Revoked")


def when(moment: datetime | None) -> str:
    """A moment in this computer's time zone, as a person reads it ("" when there is none)."""
    return moment.astimezone().strftime("%d %b %Y %H:%M") if moment is not None else ""


class WorkstationsDialog(QDialog):
    def __init__(self, session: ReachesServer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.desk = WorkstationsDesk(session, role=session.user.role)
        self.this_device = session.workstation_id
        self.listed: list[WorkstationInfo] = []
        self.confirmation: QMessageBox | None = None
        self.setObjectName("workstationsDialog")
        self.setWindowTitle("Workstations")
        self.setAccessibleName("Workstations")
        self.setMinimumSize(640, 380)
        self.resize(720, 440)
        self.table = list_table(self, name="Workstations", headers=HEADERS)
        self.warning = QLabel(LOST_DEVICE_WARNING, self)
        self.warning.setObjectName("lostDeviceWarning")
        self.warning.setWordWrap(True)
        self.revoke_button = QPushButton("&Revoke…", self)
        self.rename_button = QPushButton("Re&name…", self)
        self.rename_prompt: QInputDialog | None = None
        self.message = QLabel("Loading the workstations…", self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Workstations message")
        close = QPushButton("Close", self)
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.rename_button)
        buttons.addWidget(self.revoke_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.warning)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.revoke_button.clicked.connect(self.ask_then_revoke)
        self.rename_button.clicked.connect(self.ask_for_name)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.revoke_button.setEnabled(False)
        self.rename_button.setEnabled(False)
        QueryOp(self, body=lambda store: open_workstations(store, actor=session.actor),
                success=lambda _none: self.reload(), failure=self._failed).run()

    def reload(self, *, then: str = "") -> None:
        NetworkOp(self, body=self.desk.workstations, success=lambda listed: self._show(listed, then),
                  failure=self._failed).run()

    def _show(self, listed: list[WorkstationInfo], said: str) -> None:
        self.listed = listed
        fill(self.table, [[self.name_of(w), w.last_user, when(w.last_contact_at), w.app_version or "not yet reported",
                           str(w.queued) if w.reported_at else "", when(w.revoked_at)] for w in listed])
        self.message.setText(said or f"{len(listed)} workstation{'' if len(listed) == 1 else 's'}. "
                                 "Select one to rename or revoke it.")
        self._selection_changed()

    def name_of(self, workstation: WorkstationInfo) -> str:
        name = workstation.name or "(no name)"
        return f"{name} (this one)" if workstation.id == self.this_device else name

    def selected(self) -> WorkstationInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.listed[rows[0].row()] if rows and rows[0].row() < len(self.listed) else None

    def _selection_changed(self) -> None:
        chosen = self.selected()
        self.revoke_button.setEnabled(chosen is not None and chosen.revoked_at is None)
        self.rename_button.setEnabled(chosen is not None)

    def ask_for_name(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        prompt = QInputDialog(self)
        prompt.setWindowTitle("Rename the workstation")
        prompt.setLabelText("The name people use for it, such as “Front desk 2” or “Room 3 laptop”:")
        prompt.setTextValue(chosen.name)
        prompt.textValueSelected.connect(lambda text: self.rename(chosen, text))
        prompt.finished.connect(self._forget_prompt)
        self.rename_prompt = prompt
        prompt.open()

    def _forget_prompt(self) -> None:
        self.rename_prompt = None

    def rename(self, chosen: WorkstationInfo, text: str) -> None:
        self.message.setText("Renaming…")
        NetworkOp(self, body=lambda: self.desk.rename(chosen.id, text),
                  success=lambda renamed: self.reload(then=f"Renamed: “{renamed.name}”."),
                  failure=self._failed).run()

    def ask_then_revoke(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        own = (" This is the workstation you are using: it signs everyone out and erases itself."
               if chosen.id == self.this_device else "")
        question = (f"Revoke “{self.name_of(chosen)}”? Everyone signed in on it is signed out at once.{own}\n\n"
                    + LOST_DEVICE_WARNING)
        self.confirmation = ask_first(self, title="Workstations", question=question,
                                      then=lambda: self.revoke(chosen))
        self.confirmation.finished.connect(self._forget_confirmation)

    def _forget_confirmation(self) -> None:
        self.confirmation = None

    def revoke(self, chosen: WorkstationInfo) -> None:
        self.revoke_button.setEnabled(False)
        self.message.setText("Revoking…")
        NetworkOp(self, body=lambda: self.desk.revoke(chosen.id),
                  success=lambda done: self.reload(then=(
                      f"“{self.name_of(chosen)}” is revoked; {done.sessions_ended} sign-ins on it ended. It erases "
                      "the practice's data when it next contacts the server. If it never does, treat it as a "
                      "lost device.")),
                  failure=self._failed).run()

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(describe_error(exc))
        self._selection_changed()
