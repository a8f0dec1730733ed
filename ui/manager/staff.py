"""Manager → Staff: the practice's accounts; invite, disable a leaver, enable, unlock, reset an
authenticator, change a role.

Every change is a call to the server on the network pool (the server checks
the role again and audits it); a refusal shows the server's own words. A
manager never sees an authenticator secret: the person sets theirs up at their
own next sign-in.
"""

from __future__ import annotations

from typing import Any

from medspa_desk.desk.context import ReachesServer
from medspa_desk.desk.staff import (
    StaffDesk,
    StaffMember,
    describe,
    open_staff,
    queued_here,
    queued_notice,
)
from medspa_desk.records import Role
from ui.manager.common import ask_first, fill, list_table
from ui.operations import NetworkOp, QueryOp, describe_error
from ui.qt import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

COLUMNS = (("name", "Name"), ("username", "User name"), ("role", "Role"), ("active", "Active"),
           ("locked", "Locked"))
ROLES = (Role.FRONT_DESK, Role.PROVIDER, Role.MANAGER, Role.ADMIN)
# What each change is called on its button and in the line that says it is done.
DONE = {"disable": "{name} is disabled: every sign-in of theirs has ended, on every workstation.",
        "enable": "{name} can sign in again.",
        "unlock": "{name} is unlocked and can try their password again.",
        "enrolment": "{name} sets up their authenticator again at their next sign-in (the old one has "
                     "stopped working). Tell them to have their phone ready."}
CONFIRM = {"disable": "Disable {name}? Every sign-in of theirs ends at once, on every workstation. Changes "
                      "they have not yet sent from a workstation wait there until someone else syncs it.",
           "enrolment": "Reset {name}'s authenticator? Their current one stops working now; they set up a "
                        "new one at their next sign-in."}


def role_words(role: Role) -> str:
    return role.value.replace("_", " ")


class InviteDialog(QDialog):
    """Role, name, user name and a first password; nothing secret about the authenticator."""

    def __init__(self, desk: StaffDesk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.invited: StaffMember | None = None
        self.setObjectName("inviteDialog")
        self.setWindowTitle("Invite a person")
        self.setAccessibleName("Invite a person")
        self.setMinimumWidth(420)
        intro = QLabel("They set up their authenticator app themselves when they first sign in, with the "
                       "first password you give them here.", self)
        intro.setWordWrap(True)
        self.role = QComboBox(self)
        for role in ROLES:
            self.role.addItem(role_words(role).capitalize(), role)
        self.display_name = QLineEdit(self)
        self.display_name.setMaxLength(200)
        self.username = QLineEdit(self)
        self.username.setMaxLength(64)
        self.username.setPlaceholderText("letters, digits and . _ @ -")
        self.password = QLineEdit(self)
        self.password.setMaxLength(1024)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("they may change it after signing in")
        form = QFormLayout()
        for text, field in (("&Role", self.role), ("&Name", self.display_name), ("&User name", self.username),
                            ("First &password", self.password)):
            label = QLabel(text, self)
            label.setBuddy(field)
            field.setAccessibleName(text.replace("&", ""))
            form.addRow(label, field)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Invitation message")
        self.invite_button = QPushButton("&Invite", self)
        self.invite_button.setDefault(True)
        cancel = QPushButton("Cancel", self)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.invite_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.invite_button.clicked.connect(self.submit)
        cancel.clicked.connect(self.reject)

    def submit(self) -> None:
        fields = {"the name": self.display_name.text().strip(), "a user name": self.username.text().strip(),
                  "a first password": self.password.text()}
        missing = [what for what, value in fields.items() if not value]
        if missing:
            named = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
            self.message.setText(f"Please enter {named}.")
            return
        role = self.role.currentData()
        username, name, password = self.username.text().strip(), self.display_name.text().strip(), \
            self.password.text()
        self.invite_button.setEnabled(False)
        self.message.setText("Inviting…")
        NetworkOp(self, body=lambda: self.desk.invite(username=username, display_name=name, role=role,
                                                      password=password),
                  success=self._invited, failure=self._failed).run()

    def _invited(self, member: StaffMember) -> None:
        self.invited = member
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.invite_button.setEnabled(True)
        self.message.setText(describe_error(exc))


class StaffDialog(QDialog):
    """The staff list and what a manager does to an account."""

    def __init__(self, session: ReachesServer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.desk = StaffDesk(session, role=session.user.role)
        self.members: list[StaffMember] = []
        self.invitation: InviteDialog | None = None
        self.confirmation: QMessageBox | None = None
        self.busy = False
        self.setObjectName("staffDialog")
        self.setWindowTitle("Staff")
        self.setAccessibleName("Staff")
        self.setMinimumSize(700, 420)  # every name whole on a 1366×768 laptop at 150%
        self.resize(760, 480)
        self.table = list_table(self, name="Staff accounts", headers=[title for _key, title in COLUMNS])
        self.invite_button = QPushButton("&Invite…", self)
        self.disable_button = QPushButton("&Disable", self)
        self.enable_button = QPushButton("&Enable", self)
        self.unlock_button = QPushButton("&Unlock", self)
        self.reset_button = QPushButton("Reset &authenticator", self)
        self.role = QComboBox(self)
        self.role.setAccessibleName("New role")
        for role in ROLES:
            self.role.addItem(role_words(role).capitalize(), role)
        self.role_button = QPushButton("Change &role", self)
        self.message = QLabel("Loading the staff list…", self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Staff message")
        actions = QHBoxLayout()
        for button in (self.invite_button, self.disable_button, self.enable_button, self.unlock_button,
                       self.reset_button):
            actions.addWidget(button)
        actions.addStretch(1)
        roles = QHBoxLayout()
        roles.addWidget(QLabel("Role for the selected person:", self))
        roles.addWidget(self.role)
        roles.addWidget(self.role_button)
        roles.addStretch(1)
        close = QPushButton("Close", self)
        close.clicked.connect(self.accept)
        roles.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addLayout(roles)
        layout.addWidget(self.message)
        self.invite_button.clicked.connect(self.invite)
        self.disable_button.clicked.connect(lambda: self.ask_then_change("disable"))
        self.enable_button.clicked.connect(lambda: self.change("enable"))
        self.unlock_button.clicked.connect(lambda: self.change("unlock"))
        self.reset_button.clicked.connect(lambda: self.ask_then_change("enrolment"))
        self.role_button.clicked.connect(self.change_role)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self._selection_changed()
        # Opening is checked against the clinic's table on the store's thread (a refusal is audited).
        QueryOp(self, body=lambda store: open_staff(store, actor=session.actor), success=lambda _none: self.reload(),
                failure=self._refused).run()

    def _refused(self, exc: BaseException) -> None:
        self.message.setText(describe_error(exc))
        for button in (self.invite_button, self.disable_button, self.enable_button, self.unlock_button,
                       self.reset_button, self.role_button):
            button.setEnabled(False)

    def reload(self, *, then: str = "") -> None:
        NetworkOp(self, body=self.desk.staff, success=lambda members: self._show(members, then),
                  failure=self._failed).run()

    def _show(self, members: list[StaffMember], said: str) -> None:
        self.busy = False
        chosen = self.selected()
        self.members = members
        fill(self.table, [[describe(member)[key] for key, _title in COLUMNS] for member in members])
        if chosen is not None:
            self.select(chosen.id)
        self.message.setText(said or f"{len(members)} account{'' if len(members) == 1 else 's'}. "
                                "Select a person to change their account.")
        self._selection_changed()

    def select(self, user_id: Any) -> None:
        for row, member in enumerate(self.members):
            if member.id == user_id:
                self.table.selectRow(row)

    def selected(self) -> StaffMember | None:
        rows = self.table.selectionModel().selectedRows()
        return self.members[rows[0].row()] if rows and rows[0].row() < len(self.members) else None

    def _selection_changed(self) -> None:
        member = self.selected()
        chosen = member is not None and not self.busy
        self.disable_button.setEnabled(chosen and member.active)
        self.enable_button.setEnabled(chosen and not member.active)
        self.unlock_button.setEnabled(chosen and member.locked)
        self.reset_button.setEnabled(chosen and member.active)
        self.role_button.setEnabled(chosen)
        if member is not None:
            self.role.setCurrentIndex(ROLES.index(member.role))

    def invite(self) -> None:
        self.invitation = InviteDialog(self.desk, self)
        self.invitation.accepted.connect(self._invited)
        self.invitation.open()

    def _invited(self) -> None:
        member = self.invitation.invited if self.invitation is not None else None
        self.invitation = None
        if member is not None:
            self.reload(then=f"{member.display_name} is invited as {role_words(member.role)}. Give them their "
                             "user name and first password; they set up their authenticator app when they "
                             "first sign in.")

    def ask_then_change(self, change: str) -> None:
        member = self.selected()
        if member is None:
            return
        self.confirmation = ask_first(self, title="Staff", question=CONFIRM[change].format(name=member.display_name),
                                      then=lambda: self.change(change))
        self.confirmation.finished.connect(self._forget_confirmation)

    def _forget_confirmation(self) -> None:
        self.confirmation = None

    def change(self, change: str) -> None:
        member = self.selected()
        if member is None:
            return
        self._start(f"{member.display_name}: saving…")
        NetworkOp(self, body=lambda: self.desk.change(member.id, change),  # type: ignore[arg-type]
                  success=lambda done: self._changed(done, change), failure=self._failed).run()

    def _changed(self, member: StaffMember, change: str) -> None:
        said = DONE[change].format(name=member.display_name)
        if change != "disable":
            self.reload(then=said)
            return
        # A leaver's changes still queued on this workstation: the manager is told how many.
        QueryOp(self, body=lambda store: queued_here(store, actor=self.session.actor, user_id=member.id),
                success=lambda count: self.reload(then=said + queued_notice(
                    count, name=member.display_name, elsewhere=member.waiting_on, this_workstation=self.session.workstation_id)),
                failure=lambda _exc: self.reload(then=said)).run()

    def change_role(self) -> None:
        member = self.selected()
        role = self.role.currentData()
        if member is None:
            return
        if role == member.role:
            self.message.setText(f"{member.display_name} is already {role_words(role)}; choose another role.")
            return
        self._start(f"{member.display_name}: changing the role…")
        NetworkOp(self, body=lambda: self.desk.change_role(member.id, role),
                  success=lambda done: self.reload(then=f"{done.display_name} is now {role_words(done.role)}, "
                                                        "from their next action on."),
                  failure=self._failed).run()

    def _start(self, said: str) -> None:
        self.busy = True
        self._selection_changed()
        self.message.setText(said)

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self._selection_changed()
        self.message.setText(describe_error(exc))
