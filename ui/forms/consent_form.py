"""A consent to sign: the template's text, the client's typed name, the signature pad, Save.

Used inside the check-in's consent dialog and, full screen, in hand-to-client
mode. Signing is ``documents.consents.sign`` (which copies the template's
title, text and version into the signed form); saving is
the core's ``sign_consent`` use case in a ``CollectionOp``.
"""

from __future__ import annotations

from html import escape
from uuid import UUID

from medspa_desk.desk.context import SignedIn
from medspa_desk.desk.forms import sign_consent
from medspa_desk.documents.consents import SigningRefused, sign
from medspa_desk.records import Client, ConsentTemplate, utc_now
from ui.operations import CollectionOp, describe_error
from ui.qt import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.schedule.forms import PROBLEM_STYLE
from ui.signature_pad import SignaturePad


def sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "." if text else text


class ConsentForm(QWidget):
    """``session``: ``.actor`` and ``.user`` (the witness when the template asks for one)."""

    signed = Signal(object)  # the saved SignedConsent

    def __init__(self, session: SignedIn, *, template: ConsentTemplate, client: Client,
                 appointment_id: UUID | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("consentForm")
        self.setAccessibleName(f"Consent: {template.title}")
        self._session = session
        self._template = template
        self._client = client
        self._appointment_id = appointment_id
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel(f"<b>{escape(template.title)}</b> (version {template.template_version})")
        self.heading.setAccessibleName("Consent title and version")
        self.heading.setWordWrap(True)  # a long title wraps rather than holding the window wide
        layout.addWidget(self.heading)
        self.text = QTextBrowser()
        self.text.setAccessibleName("Consent text")
        self.text.setMarkdown(template.body)  # the shipped texts are Markdown
        layout.addWidget(self.text, 3)
        layout.addWidget(QLabel("Type your full name, then sign in the box below."))
        self.signer_name = QLineEdit(client.full_name)
        self.signer_name.setAccessibleName("Signer's full name")
        layout.addWidget(self.signer_name)
        self.pad = SignaturePad()
        self.pad.setMinimumHeight(self.fontMetrics().height() * 8)
        layout.addWidget(self.pad, 2)
        self.problem = QLabel()
        self.problem.setAccessibleName("Problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(PROBLEM_STYLE)
        self.problem.hide()
        layout.addWidget(self.problem)
        row = QHBoxLayout()
        self.clear_button = QPushButton("Clear signature")
        self.save_button = QPushButton("Save signed consent")
        for button in (self.clear_button, self.save_button):
            button.setAccessibleName(button.text())
            button.setAutoDefault(False)
        self.clear_button.clicked.connect(self.pad.clear)
        self.save_button.clicked.connect(self.save)
        row.addWidget(self.clear_button)
        row.addStretch(1)
        row.addWidget(self.save_button)
        layout.addLayout(row)
        self.actions = row  # a dialog adds its Close here: one row of buttons leaves the pad its height

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()

    def save(self) -> None:
        witness = self._session.user if self._template.requires_witness else None
        try:
            consent = sign(self._template, client=self._client, signer_name=self.signer_name.text(),
                           signature=self.pad.signature(), signed_at=utc_now(), witness=witness,
                           appointment_id=self._appointment_id)
        except (SigningRefused, ValueError) as exc:
            self.show_problem(sentence(str(exc)))
            return
        actor = self._session.actor
        self.save_button.setEnabled(False)

        def failed(exc: BaseException) -> None:
            self.save_button.setEnabled(True)
            self.show_problem(f"The consent was not saved. {describe_error(exc)}")

        CollectionOp(self, body=lambda store: sign_consent(store, actor=actor, consent=consent),
                     success=lambda _changes: self.signed.emit(consent), failure=failed).run()
