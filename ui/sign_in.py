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

from typing import TYPE_CHECKING, Any, Protocol

from ui.operations import NetworkOp, describe_error
from ui.qt import (
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)

if TYPE_CHECKING:
    from medspa_desk.session import DeskSession

APP_TITLE = "Medspa Desk"
# Wide enough for a server address in the field; wider, the form only looks stretched.
CARD_MAX_WIDTH = 480


class SignInBackend(Protocol):
    """What the sign-in window needs from the session layer."""

    def environment_notes(self) -> list[str]:
        """Plain lines about the keychain and the server (empty when all is well)."""

    def is_set_up(self) -> bool:
        """The workstation knows its server and practice (else the window asks for them)."""

    def sign_in(self, *, server: str, tenant: str, username: str, password: str,
                totp: str | None) -> Any:
        """A signed-in session, or raise an error whose words can be shown."""

    def fetch_enrolment(self, *, server: str, tenant: str, username: str, password: str) -> Any:
        """The authenticator secret waiting for this person (``secret``, ``totp_uri``), given out once."""

    def pin_switch_possible(self, username: str) -> bool:
        """May this person type their PIN instead of the password (a warm session after a switch)?"""


def needs_code(exc: BaseException) -> bool:
    """The server accepted the password and wants the six-digit code."""
    try:
        from medspa_desk.sync.errors import TotpRequired
    except ImportError:
        return False
    return isinstance(exc, TotpRequired)


def needs_enrolment(exc: BaseException) -> bool:
    """The password was right and an authenticator enrolment is waiting for this person."""
    try:
        from medspa_desk.sync.errors import EnrolmentRequired
    except ImportError:
        return False
    return isinstance(exc, EnrolmentRequired)


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
        self.message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.message.setAccessibleName("Sign-in message")
        self.notes = QLabel("", self)
        self.notes.setObjectName("signInNotes")
        self.notes.setWordWrap(True)
        self.notes.setAccessibleName("Workstation notes")
        form = QFormLayout()
        form.setVerticalSpacing(10)
        labels = []
        for text, field in (("Ser&ver", self.server), ("&Practice", self.tenant),
                            ("&User name", self.username), ("Pass&word", self.password)):
            label = QLabel(text, self)
            label.setBuddy(field)
            form.addRow(label, field)
            labels.append(label)
        self.server_label, self.tenant_label, self.password_label = labels[0], labels[1], labels[3]
        form.addRow(self.totp_label, self.totp)
        # Under the fields, as wide as they are: the one thing to do next.
        form.addRow(None, self.sign_in_button)
        form.addRow(None, self.message)
        self.message.hide()  # shown with something to say; empty, it only leaves a gap
        # The form on a card, the workstation notes under it, the two as one column in the middle
        # of the window: whatever the window's size (or the scaling), the space around is even.
        card = QWidget(self)
        card.setObjectName("signInCard")
        inner = QVBoxLayout(card)
        inner.setContentsMargins(24, 18, 24, 20)
        inner.setSpacing(14)
        inner.addWidget(title)
        inner.addLayout(form)
        column = QWidget(self)
        column.setMaximumWidth(CARD_MAX_WIDTH)
        stacked = QVBoxLayout(column)
        stacked.setContentsMargins(0, 0, 0, 0)
        stacked.setSpacing(12)
        stacked.addWidget(card)
        stacked.addWidget(self.notes)
        self.notes.hide()
        page = QWidget(self)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(column, 100)
        row.addStretch(1)
        centred = QVBoxLayout(page)
        centred.setContentsMargins(16, 12, 16, 12)
        centred.addStretch(1)
        centred.addLayout(row)
        centred.addStretch(1)
        # A short screen (a laptop at 150%) with every line showing (code, message, several
        # notes) scrolls rather than squeezing the fields until their text is cut.
        scroll = QScrollArea(self)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setWidgetResizable(True)
        scroll.setWidget(page)
        page.setAutoFillBackground(False)
        scroll.viewport().setAutoFillBackground(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        self.show_code_field(False)
        for a, b in ((self.server, self.tenant), (self.tenant, self.username),
                     (self.username, self.password), (self.password, self.totp),
                     (self.totp, self.sign_in_button)):
            self.setTabOrder(a, b)
        self.sign_in_button.clicked.connect(self.submit)
        for field in (self.server, self.tenant, self.username, self.password, self.totp):
            field.returnPressed.connect(self.submit)
        self.username.textChanged.connect(self.offer_pin)
        self.busy = False
        self.enrolment: Any = None  # the one-time authenticator set-up, while it is open
        self.refresh_set_up()
        self.refresh_notes()

    def refresh_set_up(self) -> None:
        """Server and practice are asked only while the workstation is not set up."""
        self.needs_set_up = not self.backend.is_set_up()
        for label, field in ((self.server_label, self.server), (self.tenant_label, self.tenant)):
            label.setVisible(self.needs_set_up)
            field.setVisible(self.needs_set_up)
        self.offer_pin()

    def offer_pin(self) -> None:
        """After a switch, a person whose session is still warm here may type their PIN instead."""
        warm = bool(self.username.text().strip()) and self.backend.pin_switch_possible(self.username.text())
        self.password_label.setText("Pass&word or PIN" if warm else "Pass&word")
        self.password.setAccessibleName("Password or PIN" if warm else "Password")

    def show_code_field(self, shown: bool) -> None:
        self.totp.setVisible(shown)
        self.totp_label.setVisible(shown)

    def refresh_notes(self) -> None:
        NetworkOp(self, body=self.backend.environment_notes, success=self._show_notes,
                  failure=lambda _exc: None).run()

    def _show_notes(self, notes: list[str]) -> None:
        text = "\n".join([*notes, *self.extra_notes])
        self.notes.setText(text)
        self.notes.setVisible(bool(text))

    def say(self, text: str) -> None:
        """The line under the button: what went wrong, or what is happening."""
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def focus_first_empty(self) -> None:
        for field in (self.server, self.tenant, self.username, self.password):
            if not field.isHidden() and not field.text():
                field.setFocus()
                return
        self.password.setFocus()

    def submit(self) -> None:
        if self.busy:
            return
        asked = [("the server address", self.server), ("the practice", self.tenant)] if self.needs_set_up else []
        asked += [("your user name", self.username), ("your password", self.password)]
        missing = [name for name, field in asked if not field.text().strip()]
        if missing:
            self.say("Please enter " + _listed(missing) + ".")
            return
        code = self.totp.text().strip() if self.totp.isVisible() else None
        if code is not None and (len(code) != 6 or not code.isdigit()):
            self.say("The code is the six digits shown in your authenticator app.")
            return
        server, tenant = self.server.text().strip(), self.tenant.text().strip()
        username, password = self.username.text().strip(), self.password.text()
        self.busy = True
        self.sign_in_button.setEnabled(False)
        self.say("Signing in…")
        NetworkOp(self, body=lambda: self.backend.sign_in(server=server, tenant=tenant,
                                                          username=username, password=password,
                                                          totp=code),
                  success=self._signed_in, failure=self._failed).run()

    def _signed_in(self, session: DeskSession) -> None:
        self.busy = False
        self.refresh_set_up()
        self.sign_in_button.setEnabled(True)
        self.password.clear()
        self.totp.clear()
        self.show_code_field(False)
        self.say("")
        self.signed_in.emit(session)

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.sign_in_button.setEnabled(True)
        if needs_enrolment(exc):
            self.start_enrolment()
            return
        if needs_code(exc):
            self.show_code_field(True)
            self.say("Your password is right. Now enter the six-digit code from your "
                     "authenticator app.")
            self.totp.setFocus()
            return
        self.password.clear()
        self.totp.clear()
        self.say(describe_error(exc))
        self.password.setFocus()
        self.refresh_notes()

    def start_enrolment(self) -> None:
        """Fetch the waiting authenticator secret (once) and show it; its first code finishes sign-in."""
        server, tenant = self.server.text().strip(), self.tenant.text().strip()
        username, password = self.username.text().strip(), self.password.text()
        self.busy = True
        self.sign_in_button.setEnabled(False)
        self.say("Setting up your authenticator…")
        NetworkOp(self, body=lambda: self.backend.fetch_enrolment(server=server, tenant=tenant,
                                                                  username=username, password=password),
                  success=self._show_enrolment, failure=self._failed).run()

    def _show_enrolment(self, answer: Any) -> None:
        from ui.enrolment import EnrolmentDialog

        self.busy = False
        self.sign_in_button.setEnabled(True)
        self.say("Add the account to your authenticator app, then enter its code.")
        self.enrolment = EnrolmentDialog(answer, self)
        self.enrolment.accepted.connect(self._enrolled)
        self.enrolment.rejected.connect(self._enrolment_closed)
        self.enrolment.open()

    def _enrolled(self) -> None:
        code = self.enrolment.code()
        self.enrolment = None
        self.show_code_field(True)
        self.totp.setText(code)
        self.submit()

    def _enrolment_closed(self) -> None:
        self.enrolment = None
        self.password.clear()
        self.say("Your authenticator was not set up, and its key is shown only once. Ask a manager to "
                 "reset your authenticator, then sign in again.")


class SetPinDialog(QDialog):
    """Offered after sign-in: a PIN (4 to 12 digits) to unlock this desk quickly. Skippable.

    The PIN seals a copy of the data key in memory only (Argon2 on the network
    pool, so the window never freezes); it lasts until sign-out.
    """

    def __init__(self, session: DeskSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Set a PIN")
        self.setAccessibleName("Set a PIN")
        self.setMinimumWidth(420)
        intro = QLabel("Set a PIN to unlock this desk quickly after it locks. It works until you sign "
                       "out; your password always works too.", self)
        intro.setWordWrap(True)
        self.pin = _line(self, "", "New PIN", "4 to 12 digits")
        self.repeat = _line(self, "", "Repeat PIN", "")
        for field in (self.pin, self.repeat):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setMaxLength(12)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName("PIN message")
        self.set_button = QPushButton("&Set PIN", self)
        self.set_button.setDefault(True)
        self.skip_button = QPushButton("&Not now", self)
        form = QFormLayout()
        form.addRow("&PIN", self.pin)
        form.addRow("&Repeat PIN", self.repeat)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.skip_button)
        buttons.addWidget(self.set_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.set_button.clicked.connect(self.submit)
        self.skip_button.clicked.connect(self.reject)
        self.pin.returnPressed.connect(self.repeat.setFocus)
        self.repeat.returnPressed.connect(self.submit)

    def submit(self) -> None:
        pin, repeat = self.pin.text(), self.repeat.text()
        if not (pin.isdigit() and pin.isascii() and 4 <= len(pin) <= 12):
            self.message.setText("A PIN is 4 to 12 digits, with nothing else in it.")
            return
        if pin != repeat:
            self.message.setText("The two PINs are different; type the same PIN twice.")
            self.repeat.clear()
            self.repeat.setFocus()
            return
        self.set_button.setEnabled(False)
        self.message.setText("Setting the PIN…")
        NetworkOp(self, body=lambda: self.session.set_pin(pin), success=lambda _none: self.accept(),
                  failure=self._failed).run()

    def _failed(self, exc: BaseException) -> None:
        self.set_button.setEnabled(True)
        self.message.setText(describe_error(exc))


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _line(parent: QWidget, text: str, name: str, placeholder: str) -> QLineEdit:
    field = QLineEdit(text, parent)
    field.setAccessibleName(name)
    if placeholder:
        field.setPlaceholderText(placeholder)
    return field
