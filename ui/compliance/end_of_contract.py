"""Compliance → End of contract: the practice's records destroyed once they were returned.

One manager asks (naming the folder of the whole practice's export, checked whole first); a second,
different manager confirms by typing the practice's name. The certificate of destruction is saved into
the export's folder and can be made again there as the workstations confirm their wipe. Every step is
one call of :mod:`medspa_desk.desk.end_of_contract` on the network pool; the server decides who may.
"""

from __future__ import annotations

from pathlib import Path

from medspa_desk.desk.end_of_contract import (
    CERTIFICATE,
    EndOfContractDesk,
    EndsContract,
    SavedCertificate,
    open_end_of_contract,
    refresh_certificate,
)
from medspa_desk.protocol import DESTRUCTION_REASON_MAX, DestructionPending
from medspa_desk.rules import NotPermitted
from ui.compliance.audit_viewer import moment_words
from ui.compliance.folder_row import folder_row, labelled
from ui.operations import NetworkOp, QueryOp, describe_error
from ui.qt import (
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSize,
    Qt,
    QVBoxLayout,
    QWidget,
)
from ui.screen_fit import scrolling_body, size_for_screen

EXPLANATION = (
    "At the end of the practice's contract, after its records were returned (Export the whole practice), "
    "they are destroyed: the server deletes every record, account and audit event of the practice, and every "
    "workstation erases its encrypted copy the next time it connects. This cannot be undone.")
STEPS = (
    "Two managers are needed. The first asks here, naming the export's folder. A second, different manager "
    "confirms from their own sign-in within 24 hours by typing the practice's name. A certificate of "
    "destruction is then saved in the export's folder; make it again later to see which workstations have "
    "confirmed their wipe.")
NO_REQUEST = "No request is waiting. A manager asks first, after exporting the whole practice."
PROBLEM = "color: #b00020;"


class EndOfContractDialog(QDialog):
    def __init__(self, session: EndsContract, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("End of contract")
        self.setAccessibleName("End of contract")
        self._session = session
        self.desk = EndOfContractDesk(session, role=session.actor.role)
        self.pending: DestructionPending | None = None
        self.saved: SavedCertificate | None = None
        intro = QLabel(EXPLANATION)
        intro.setWordWrap(True)
        steps = QLabel(STEPS)
        steps.setWordWrap(True)

        where, self.folder, self.choose_button = folder_row(
            self, label="&Export folder", name="Export folder",
            placeholder="The folder of the whole practice's export",
            choose_title="Choose the folder of the practice's export")

        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason")
        self.reason.setMaxLength(DESTRUCTION_REASON_MAX)
        self.reason.setPlaceholderText("For example: the contract ended on the agreed date")
        self.ask_button = QPushButton("&Ask for the destruction")
        ask_box = QGroupBox("1. Ask (first manager)")
        ask = QVBoxLayout(ask_box)
        ask.addLayout(labelled("&Reason", self.reason))
        ask.addWidget(self.ask_button, 0, Qt.AlignmentFlag.AlignLeft)

        self.request = QLabel("Loading…")
        self.request.setAccessibleName("Request waiting")
        self.request.setWordWrap(True)
        self.request.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.practice_name = QLineEdit()
        self.practice_name.setAccessibleName("Practice name to confirm")
        self.practice_name.setPlaceholderText("Type the practice's name")
        self.confirm_button = QPushButton("&Destroy the practice's records")
        confirm_box = QGroupBox("2. Confirm (a second manager)")
        confirm = QVBoxLayout(confirm_box)
        confirm.addWidget(self.request)
        confirm.addLayout(labelled("Practice &name", self.practice_name))
        confirm.addWidget(self.confirm_button, 0, Qt.AlignmentFlag.AlignLeft)

        self.again_button = QPushButton("Make the &certificate again")
        self.again_button.setToolTip(f"Read the server's record again and rewrite {CERTIFICATE} in the export's "
                                     "folder, with the workstations that have confirmed their wipe since")
        certificate_box = QGroupBox("3. Certificate of destruction")
        certificate = QVBoxLayout(certificate_box)
        certificate.addWidget(self.again_button, 0, Qt.AlignmentFlag.AlignLeft)

        self.outcome = QLabel("")
        self.outcome.setAccessibleName("End of contract result")
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)

        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        for widget in (intro, steps):
            body.addWidget(widget)
        body.addLayout(where)
        for box in (ask_box, confirm_box, certificate_box):
            body.addWidget(box)
        body.addWidget(self.outcome)
        body.addStretch(1)
        self.body_scroll = scrolling_body(self.body, sideways=False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.body_scroll, 1)
        layout.addWidget(self.buttons)

        self.ask_button.clicked.connect(self.ask)
        self.confirm_button.clicked.connect(self.confirm)
        self.again_button.clicked.connect(self.make_again)
        self.buttons.rejected.connect(self.reject)
        self._enable(False)
        size_for_screen(self, QSize(700, 660))
        QueryOp(self, body=lambda store: open_end_of_contract(store, actor=session.actor),
                success=lambda _none: self.reload(), failure=self._failed).run()

    def _chosen_folder(self) -> Path | None:
        text = self.folder.text().strip()
        if not text:
            self._say("Choose the folder of the whole practice's export first.", problem=True)
            return None
        return Path(text).expanduser()

    def _enable(self, online: bool) -> None:
        mine = self.pending is not None and self.pending.requested_by == self._session.actor.user_id
        waiting = self.pending is not None and self.pending.request_id is not None
        self.ask_button.setEnabled(online)
        self.confirm_button.setEnabled(online and waiting and not mine)
        self.practice_name.setEnabled(online and waiting and not mine)

    def reload(self) -> None:
        NetworkOp(self, body=self.desk.pending, success=self._show_pending, failure=self._failed).run()

    def _show_pending(self, pending: DestructionPending) -> None:
        self.pending = pending
        if pending.request_id is None or pending.requested_at is None or pending.expires_at is None:
            self.request.setText(NO_REQUEST)
        else:
            mine = pending.requested_by == self._session.actor.user_id
            zone = self._session.location.zone
            self.request.setText(
                f"{pending.requested_by_name} asked on {moment_words(pending.requested_at, zone)} to destroy the "
                f"records of {pending.practice}. Reason: {pending.reason or '(none given)'}. The export's manifest "
                f"has SHA-256 {pending.export_sha256}. "
                + ("You asked, so a different manager must confirm. " if mine else "")
                + f"It lapses on {moment_words(pending.expires_at, zone)}.")
        self._enable(True)

    def ask(self) -> None:
        folder = self._chosen_folder()
        if folder is None:
            return
        reason, desk = self.reason.text(), self.desk
        self._enable(False)
        self._say("Checking the export and asking the server…")
        NetworkOp(self, body=lambda: desk.ask(export_folder=folder, reason=reason),
                  success=self._asked, failure=self._failed).run()

    def _asked(self, pending: DestructionPending) -> None:
        self._show_pending(pending)
        self._say("Asked. A second, different manager now confirms it from their own sign-in within 24 hours.")

    def confirm(self) -> None:
        folder = self._chosen_folder()
        pending = self.pending
        if folder is None or pending is None or pending.request_id is None:
            return
        request_id, typed, desk = pending.request_id, self.practice_name.text(), self.desk
        zone = self._session.location.zone
        self._enable(False)
        self._say("Destroying…")
        NetworkOp(self, body=lambda: desk.confirm(request_id=request_id, practice_name=typed, folder=folder,
                                                  zone=zone),
                  success=self._destroyed, failure=self._failed).run()

    def _destroyed(self, saved: SavedCertificate) -> None:
        self.saved = saved
        self.pending = None
        self._enable(False)  # the practice is gone: nothing left to ask or confirm
        deleted = sum(saved.certificate.deleted.values())
        self._say(f"The practice's records were destroyed: {deleted:,} rows deleted on the server. The certificate "
                  f"of destruction is {saved.pdf}, with the destruction's audit events in {saved.audit.name}. "
                  f"{saved.confirmed} of {len(saved.certificate.workstations)} workstations have confirmed their "
                  "wipe; each wipes the next time it connects (this one too). Make the certificate again later to "
                  "see them confirmed.")

    def make_again(self) -> None:
        folder = self._chosen_folder()
        if folder is None:
            return
        self._say("Asking the server for the certificate…")
        NetworkOp(self, body=lambda: refresh_certificate(folder), success=self._made_again,
                  failure=self._failed).run()

    def _made_again(self, saved: SavedCertificate) -> None:
        self.saved = saved
        total = len(saved.certificate.workstations)
        self._say(f"The certificate was made again: {saved.pdf}. {saved.confirmed} of {total} workstations have "
                  "confirmed their wipe.")

    def _failed(self, exc: BaseException) -> None:
        online = not isinstance(exc, NotPermitted) and self.saved is None and self.pending is not None
        self._enable(online)
        if self.pending is None and not isinstance(exc, NotPermitted):
            self.request.setText("Not known: the server cannot be reached.")
        self._say(describe_error(exc), problem=True)

    def _say(self, text: str, *, problem: bool = False) -> None:
        self.outcome.setStyleSheet(PROBLEM if problem else "")
        self.outcome.setText(text)
