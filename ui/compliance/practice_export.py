"""Export the whole practice: what a manager hands back at the end of a contract, with a manifest to check it.

The practice's trail is fetched first on the network pool; then the export runs on the database worker
(one ``QueryOp``); each client written is reported here through the GUI thread's queue. Stop, closing the dialog or the desk locking ends it, and what was written is
removed.
"""

from __future__ import annotations

from pathlib import Path

from medspa_desk.compliance.practice_export import SUMS, PracticeExport
from medspa_desk.desk import compliance
from medspa_desk.desk.context import SignedIn
from ui.compliance.folder_row import folder_row
from ui.events import post_to_gui_thread
from ui.operations import NetworkOp, QueryOp, db_worker, describe_error
from ui.qt import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressBar,
    QSize,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
    is_alive,
)
from ui.screen_fit import scrolling_body, size_for_screen

EXPLANATION = (
    "At the end of a contract the practice takes its records with it. This writes every client's whole "
    "record into a new, empty folder: an HL7 FHIR R4 file with one client per line (clients.ndjson) that "
    "another system can import, and a readable PDF for each client; the practice's audit trail (CSV); "
    "and a manifest listing every file with its size and SHA-256, so anyone can check the copy is whole.")
CAUTION = ("The folder will hold every client's health information: keep it on an encrypted disk. "
           "The desk waits while the export runs: minutes for most practices, up to an hour for a large one.")


class PracticeExportDialog(QDialog):
    did_export = Signal(object)  # PracticeExport

    def __init__(self, session: SignedIn, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export the whole practice")
        self.setAccessibleName("Export the whole practice")
        self._session = session
        self._stopping = False
        self.running = False
        self.result: PracticeExport | None = None
        intro = QLabel(EXPLANATION)
        intro.setWordWrap(True)
        caution = QLabel(CAUTION)
        caution.setWordWrap(True)
        where, self.folder, self.choose_button = folder_row(
            self, label="&Folder", name="Export folder", placeholder="A new or empty folder",
            choose_title="Choose an empty folder for the export")
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Clients exported")
        self.progress.setFormat("%v of %m clients")
        self.progress.hide()
        self.trail_note = QLabel("")  # what is missing from the export, in the refusal colour
        self.trail_note.setAccessibleName("Missing from the export")
        self.trail_note.setWordWrap(True)
        self.trail_note.setStyleSheet("color: #b00020;")
        self.trail_note.hide()
        self.outcome = QLabel("")
        self.outcome.setAccessibleName("Export result")
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = self.buttons.addButton("&Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        self.stop_button = self.buttons.addButton("&Stop", QDialogButtonBox.ButtonRole.ActionRole)
        self.stop_button.hide()
        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(intro)
        body.addWidget(caution)
        body.addLayout(where)
        body.addWidget(self.progress)
        body.addWidget(self.trail_note)
        body.addWidget(self.outcome)
        body.addStretch(1)
        self.scroll = scrolling_body(self.body, sideways=False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.buttons)
        self.export_button.clicked.connect(self.export)
        self.stop_button.clicked.connect(self.stop)
        self.buttons.rejected.connect(self.reject)
        size_for_screen(self, QSize(640, 340))

    def export(self) -> None:
        text = self.folder.text().strip()
        if not text:
            self._say("Choose a folder first: a new or empty one.", problem=True)
            return
        folder, session = Path(text).expanduser(), self._session
        actor, location, link = session.actor, session.location, session.server_link()
        worker = db_worker()
        epoch = worker.epoch
        self._stopping = False
        self.trail_note.hide()
        self._running(True)
        self._say("Exporting… The desk waits until the export has finished.")

        def keep_going() -> bool:  # read on the worker: Stop, a closed dialog or a lock ends the export
            return not self._stopping and worker.epoch == epoch

        def progress(done: int, total: int) -> None:  # called on the worker
            post_to_gui_thread(lambda: self._progressed(done, total))

        def write(server_trail: bytes | None) -> None:
            QueryOp(self, body=lambda store: compliance.export_practice(
                        store, actor=actor, location=location, folder=folder, server_trail=server_trail,
                        progress=progress, keep_going=keep_going),
                    success=self._exported, failure=self._failed).run()

        # The practice's trail first, on the network pool: the database worker never waits on the server.
        NetworkOp(self, body=lambda: compliance.fetch_practice_trail(link), success=write,
                  failure=self._failed).run()

    def stop(self) -> None:
        self._stopping = True
        self.stop_button.setEnabled(False)
        self._say("Stopping… What was written is being removed.")

    def reject(self) -> None:
        self._stopping = True  # closing the dialog stops an export still running
        super().reject()

    def _progressed(self, done: int, total: int) -> None:
        if not is_alive(self):
            return
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)

    def _running(self, running: bool) -> None:
        self.running = running
        for widget in (self.export_button, self.choose_button, self.folder):
            widget.setEnabled(not running)
        self.stop_button.setVisible(running)
        self.stop_button.setEnabled(running)
        self.progress.setVisible(running or self.result is not None)

    def _exported(self, done: PracticeExport) -> None:
        self.result = done
        self._running(False)
        self.progress.setMaximum(max(done.clients, 1))
        self.progress.setValue(done.clients)
        clients = f"{done.clients:,} client{'s' if done.clients != 1 else ''}"
        words = (f"Exported {clients} to {done.folder}, with {done.counts['audit_rows']:,} audit trail rows. "
                 f"The manifest is {done.manifest}: it lists every file with its size and SHA-256. To check the "
                 f"copy, run “sha256sum -c {SUMS}” in that folder.")
        self.trail_note.setText(done.note)
        self.trail_note.setVisible(bool(done.note))
        self._say(words)
        self.export_button.setEnabled(False)  # the folder is no longer empty
        self.did_export.emit(done)

    def _failed(self, exc: BaseException) -> None:
        self._running(False)
        self.progress.hide()
        self._say(f"Not exported. {describe_error(exc)}", problem=True)

    def _say(self, text: str, *, problem: bool = False) -> None:
        self.outcome.setStyleSheet("color: #b00020;" if problem else "")
        self.outcome.setText(text)
        self._fit_to_text()

    def _fit_to_text(self) -> None:
        """Taller for a longer result, up to the screen's height (then the body scrolls)."""
        self.body.layout().activate()
        wanted = self.body.heightForWidth(self.scroll.viewport().width())
        if wanted < 0:
            wanted = self.body.sizeHint().height()
        chrome = self.height() - self.scroll.viewport().height()
        if wanted + chrome > self.height():
            size_for_screen(self, QSize(self.width(), wanted + chrome))
