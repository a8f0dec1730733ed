"""First sign-in of a person a manager invited (or re-enrolled): set up the authenticator, once.

The server gives the secret to the person only, once, after their password
(``POST /auth/enrolment``). This dialog shows it as a QR code to scan and as
text to type, then asks for the first six-digit code, which the sign-in window
sends with the password to finish signing in (that sign-in confirms the
enrolment on the server). Closing it without a code loses the secret: a manager
then starts a new enrolment (Manager → Staff → Reset authenticator).
"""

from __future__ import annotations

import io
from typing import Any

import segno

from ui.qt import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPixmap,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
)

QR_SCALE = 5  # pixels per module: a 33-module code is about 200 px, easy for a phone camera


def grouped(secret: str) -> str:
    """The secret in groups of four letters, as authenticator apps show it for typing by hand."""
    bare = secret.rstrip("=")
    return " ".join(bare[i:i + 4] for i in range(0, len(bare), 4))


def qr_pixmap(uri: str) -> QPixmap:
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="png", scale=QR_SCALE, border=4)
    pixmap = QPixmap()
    pixmap.loadFromData(buffer.getvalue(), "PNG")
    return pixmap


class EnrolmentDialog(QDialog):
    """The one-time authenticator set-up; ``code()`` is the first code once accepted."""

    def __init__(self, answer: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("enrolmentDialog")
        self.setWindowTitle("Set up your authenticator")
        self.setAccessibleName("Set up your authenticator")
        self.setMinimumWidth(440)
        intro = QLabel("Your manager has set up an account for you. To finish signing in, add it to an "
                       "authenticator app on your phone: scan this code, or type the key under it.", self)
        intro.setWordWrap(True)
        self.qr = QLabel(self)
        self.qr.setObjectName("enrolmentQr")
        self.qr.setAccessibleName("QR code for your authenticator app")
        self.qr.setPixmap(qr_pixmap(answer.totp_uri))
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.secret = QLabel(grouped(answer.secret), self)
        self.secret.setObjectName("enrolmentSecret")
        self.secret.setAccessibleName("Key to type into your authenticator app")
        self.secret.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.secret.setAlignment(Qt.AlignmentFlag.AlignCenter)
        once = QLabel("This is shown only this once. If you close this window before finishing, ask a "
                      "manager to reset your authenticator.", self)
        once.setWordWrap(True)
        self.code_field = QLineEdit(self)
        self.code_field.setAccessibleName("First six-digit code")
        self.code_field.setPlaceholderText("the code your app shows now")
        self.code_field.setMaxLength(6)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Authenticator message")
        self.finish_button = QPushButton("&Finish signing in", self)
        self.finish_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel", self)
        form = QFormLayout()
        label = QLabel("Six-digit &code", self)
        label.setBuddy(self.code_field)
        form.addRow(label, self.code_field)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.finish_button)
        layout = QVBoxLayout(self)
        for widget in (intro, self.qr, self.secret, once):
            layout.addWidget(widget)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.finish_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)
        self.code_field.returnPressed.connect(self.submit)
        self.code_field.setFocus()

    def code(self) -> str:
        return self.code_field.text().strip()

    def submit(self) -> None:
        code = self.code().replace(" ", "")
        if not (len(code) == 6 and code.isdigit() and code.isascii()):
            self.message.setText("Type the six digits your authenticator app shows for Medspa Desk.")
            self.code_field.setFocus()
            return
        self.code_field.setText(code)
        self.accept()
