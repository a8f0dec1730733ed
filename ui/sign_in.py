"""The sign-in window: practice and server, user, password, and a code when the server asks.

The window only gathers what a person types; signing in is the backend's job
(the session: online through the server, or offline by unwrapping this
user's keyslot on this workstation), run on the network pool so a slow
server never freezes the window. The six-digit code field appears only after
the server says it wants one (the first online sign-in on a workstation).
Lines under the form say plainly when the keychain or the server is not
available, and what that means for the person at the desk.
"""

from __future__ import annotations

from typing import Any, Protocol

from ui.operations import NetworkOp, describe_error
from ui.qt import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    Signal,
)

APP_TITLE = "Medspa Desk"


class SignInBackend(Protocol):
    """What the sign-in window needs from the session layer."""

    def environment_notes(self) -> list[str]:
        """Plain lines about the keychain and the server (empty when all is well)."""

    def sign_in(self, *, server: str, tenant: str, username: str, password: str,
                totp: str | None) -> Any:
        """A signed-in session, or raise an error whose words can be shown."""


def needs_code(exc: BaseException) -> bool:
    """The server accepted the password and wants the six-digit code."""
    try:
        from medspa_desk.sync.errors import TotpRequired
    except ImportError:
        return False
    return isinstance(exc, TotpRequired)


class SignInWindow(QWidget):
    signed_in = Signal(object)  # the session

    def __init__(self, backend: SignInBackend, *, server: str = "", tenant: str = "",
                 username: str = "", extra_notes: list[str] | None = None) -> None:
        super().__init__()
        self.backend = backend
        self.extra_notes = list(extra_notes or [])
        self.setObjectName("signInWindow")
        self.setWindowTitle(f"{APP_TITLE} — Sign in")
        self.setAccessibleName("Sign in")
        self.resize(520, 420)
        title = QLabel("Sign in to Medspa Desk", self)
        title.setObjectName("signInTitle")
        self.server = _line(self, server, "Server address", "https://desk.example-spa.com")
        self.tenant = _line(self, tenant, "Practice", "your practice's sign-in name")
        self.username = _line(self, username, "User name", "")
        self.password = _line(self, "", "Password", "")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.totp = _line(self, "", "Six-digit code", "from your authenticator app")
        self.totp.setMaxLength(6)
        self.totp_label = QLabel("Six-digit &code", self)
        self.totp_label.setBuddy(self.totp)
        self.sign_in_button = QPushButton("&Sign in", self)
        self.sign_in_button.setDefault(True)
        self.sign_in_button.setAccessibleName("Sign in")
        self.message = QLabel("", self)
        self.message.setObjectName("signInMessage")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Sign-in message")
        self.notes = QLabel("", self)
        self.notes.setObjectName("signInNotes")
        self.notes.setWordWrap(True)
        self.notes.setAccessibleName("Workstation notes")
        form = QFormLayout()
        for text, field in (("Ser&ver", self.server), ("&Practice", self.tenant),
                            ("&User name", self.username), ("Pass&word", self.password)):
            label = QLabel(text, self)
            label.setBuddy(field)
            form.addRow(label, field)
        form.addRow(self.totp_label, self.totp)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.sign_in_button)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(self.notes)
        self.show_code_field(False)
        for a, b in ((self.server, self.tenant), (self.tenant, self.username),
                     (self.username, self.password), (self.password, self.totp),
                     (self.totp, self.sign_in_button)):
            self.setTabOrder(a, b)
        self.sign_in_button.clicked.connect(self.submit)
        for field in (self.server, self.tenant, self.username, self.password, self.totp):
            field.returnPressed.connect(self.submit)
        self.busy = False
        self.refresh_notes()

    def show_code_field(self, shown: bool) -> None:
        self.totp.setVisible(shown)
        self.totp_label.setVisible(shown)

    def refresh_notes(self) -> None:
        NetworkOp(self, body=self.backend.environment_notes,
                  success=lambda notes: self.notes.setText("\n".join([*notes, *self.extra_notes])),
                  failure=lambda _exc: None).run()

    def focus_first_empty(self) -> None:
        for field in (self.server, self.tenant, self.username, self.password):
            if field.isVisible() and not field.text():
                field.setFocus()
                return
        self.password.setFocus()

    def submit(self) -> None:
        if self.busy:
            return
        missing = [name for name, field in (("your user name", self.username),
                                            ("your password", self.password)) if not field.text()]
        if missing:
            self.message.setText("Please enter " + " and ".join(missing) + ".")
            return
        code = self.totp.text().strip() if self.totp.isVisible() else None
        if code is not None and (len(code) != 6 or not code.isdigit()):
            self.message.setText("The code is the six digits shown in your authenticator app.")
            return
        server, tenant = self.server.text().strip(), self.tenant.text().strip()
        username, password = self.username.text().strip(), self.password.text()
        self.busy = True
        self.sign_in_button.setEnabled(False)
        self.message.setText("Signing in…")
        NetworkOp(self, body=lambda: self.backend.sign_in(server=server, tenant=tenant,
                                                          username=username, password=password,
                                                          totp=code),
                  success=self._signed_in, failure=self._failed).run()

    def _signed_in(self, session: Any) -> None:
        self.busy = False
        self.sign_in_button.setEnabled(True)
        self.password.clear()
        self.totp.clear()
        self.show_code_field(False)
        self.message.clear()
        self.signed_in.emit(session)

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.sign_in_button.setEnabled(True)
        if needs_code(exc):
            self.show_code_field(True)
            self.message.setText("Your password is right. Now enter the six-digit code from your "
                                 "authenticator app.")
            self.totp.setFocus()
            return
        self.password.clear()
        self.totp.clear()
        self.message.setText(describe_error(exc))
        self.password.setFocus()
        self.refresh_notes()


def _line(parent: QWidget, text: str, name: str, placeholder: str) -> QLineEdit:
    field = QLineEdit(text, parent)
    field.setAccessibleName(name)
    if placeholder:
        field.setPlaceholderText(placeholder)
    return field
