"""Viewing and printing the practice's PDFs without a PHI file on disk.

The signed consent, the intake summary and the day sheet are rendered by
``medspa_desk.documents.pdf`` to bytes in memory; the viewer shows their pages
as images (``ui.forms.pdf_pages``) and prints by painting those images onto a
QPrinter. Nothing is written to disk unless the person at the desk chooses
"Save a copy…": that is an explicit export, written atomically (0600 temp
file, fsync, replace: ``medspa_desk.store.files.write_atomic``) and audited
(EXPORT). Printing is audited too (PRINT). Events carry ids only.

A signed form is checked against its hash when it is opened
(``documents.sealing.verify_signed``); a mismatch shows a red tampering
warning above the pages.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from medspa_desk.desk.context import SignedIn
from medspa_desk.desk.copies import PrintedForm, record_printing, save_form_copy
from medspa_desk.documents.sealing import TamperCheck
from ui.forms.pdf_pages import PrinterRefused, page_images, print_pdf
from ui.operations import CollectionOp, describe_error
from ui.qt import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QPainter,
    QPaintEvent,
    QPixmap,
    QPrintDialog,
    QPrinter,
    QPushButton,
    QRect,
    QScrollArea,
    QShortcut,
    QSize,
    QSizePolicy,
    Qt,
    QVBoxLayout,
    QWidget,
)
from ui.schedule.forms import OK_STYLE, PROBLEM_STYLE
from ui.screen_fit import size_for_screen

log = logging.getLogger(__name__)

SCREEN_DPI = 96.0
TAMPER_STYLE = ("background: #fde7e9; color: #7a1016; border: 2px solid #b3261e; border-radius: 4px; "
                "padding: 8px; font-weight: bold;")


@dataclass(frozen=True)
class Document:
    """A rendered PDF and what the audit trail names it by (ids only, never its contents)."""

    pdf: bytes
    title: str
    entity: str
    entity_id: UUID | None
    detail: str
    file_name: str
    tamper: TamperCheck | None = None

    @property
    def audited_as(self) -> PrintedForm:
        return PrintedForm(entity=self.entity, entity_id=self.entity_id, detail=self.detail)


# The narrowest a page is drawn: a viewer narrower than this scrolls sideways rather than show a thumbnail.
NARROWEST_PAGE = 240


class PageLabel(QLabel):
    """One page, drawn as wide as the viewer is, never wider than the page at 100 %: a person sees
    the whole width of the page without scrolling sideways (a day sheet in landscape was wider than
    a laptop at 150 %), and scrolls down through the pages; the height follows the width."""

    def __init__(self, page: QPixmap) -> None:
        super().__init__()
        self.page = page
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def _full(self) -> QSize:
        """The page at 100 %, in logical pixels."""
        return self.page.deviceIndependentSize().toSize()

    def sizeHint(self) -> QSize:
        return self._full()

    def minimumSizeHint(self) -> QSize:
        width = min(self._full().width(), NARROWEST_PAGE)
        return QSize(width, self.heightForWidth(width))

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        full = self._full()
        return round(full.height() * min(width, full.width()) / max(full.width(), 1))

    def paintEvent(self, _event: QPaintEvent) -> None:
        width = min(self.width(), self._full().width())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawPixmap(QRect((self.width() - width) // 2, 0, width, self.heightForWidth(width)), self.page)


class PdfViewer(QDialog):
    """The pages of one document, with Print… and Save a copy…; ``session``: ``.actor``."""

    def __init__(self, session: SignedIn, *, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(document.title)
        self.setAccessibleName(f"Document: {document.title}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self._session = session
        self.document = document
        layout = QVBoxLayout(self)
        self.tamper_warning = QLabel()
        self.tamper_warning.setAccessibleName("Tampering warning")
        self.tamper_warning.setWordWrap(True)
        self.tamper_warning.setStyleSheet(TAMPER_STYLE)
        self.tamper_warning.setVisible(document.tamper is not None and not document.tamper.intact)
        if document.tamper is not None and not document.tamper.intact:
            self.tamper_warning.setText(document.tamper.message)
        layout.addWidget(self.tamper_warning)
        self.pages = QWidget()
        self.pages.setObjectName("pdfPages")
        self._page_column = QVBoxLayout(self.pages)
        self._page_column.setSpacing(12)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.scroll.setWidget(self.pages)
        self.scroll.setStyleSheet("QScrollArea { background: #8a949e; } #pdfPages { background: #8a949e; }")
        layout.addWidget(self.scroll, 1)
        row = QHBoxLayout()
        self.message = QLabel()
        self.message.setAccessibleName("Document message")
        self.message.setWordWrap(True)
        self.print_button = QPushButton("&Print…")
        self.print_button.setToolTip("Print this document (Ctrl+P)")
        self.save_button = QPushButton("Save a &copy…")
        self.save_button.setToolTip("Save a copy as a PDF file. The copy is not encrypted; it is recorded "
                                    "in the audit trail.")
        for button in (self.print_button, self.save_button):
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
            button.setAutoDefault(False)
        # Return prints: printing is what the preview is opened for, not closing it.
        self.print_button.setDefault(True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
        close.rejected.connect(self.reject)
        row.addWidget(self.message, 1)
        row.addWidget(self.print_button)
        row.addWidget(self.save_button)
        row.addWidget(close)
        layout.addLayout(row)
        self.print_button.clicked.connect(self.print_document)
        self.save_button.clicked.connect(self.choose_copy_path)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Print), self, self.print_document)
        self.page_labels: list[PageLabel] = []
        size_for_screen(self, QSize(self.fontMetrics().averageCharWidth() * 110,
                                    self.fontMetrics().lineSpacing() * 48))
        self._show_pages()

    def _show_pages(self) -> None:
        ratio = self.devicePixelRatioF() or 1.0
        try:
            images = page_images(self.document.pdf, dpi=SCREEN_DPI * ratio)
        except Exception as exc:  # a PDF PDFium cannot read: say so, keep the dialog
            log.error("document could not be shown: %s", type(exc).__name__)
            self._say("This document could not be shown. Try printing it, or tell your manager.", problem=True)
            return
        for number, image in enumerate(images, start=1):
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(ratio)
            label = PageLabel(pixmap)
            label.setAccessibleName(f"Page {number} of {len(images)}")
            self._page_column.addWidget(label)
            self.page_labels.append(label)
        self._page_column.addStretch(1)
        if images:
            # Wide enough for a whole page, as far as the screen allows.
            page_width = int(images[0].width() / ratio) + self.scroll.verticalScrollBar().sizeHint().width() + 48
            size_for_screen(self, QSize(page_width, self.height()))

    def _say(self, text: str, *, problem: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(PROBLEM_STYLE if problem else OK_STYLE)

    # --- printing ------------------------------------------------------------------------

    def print_document(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.document.file_name)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print")
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.print_to(printer)

    def print_to(self, printer: QPrinter) -> None:
        """Paint the pages onto ``printer`` and record the PRINT event."""
        try:
            pages = print_pdf(self.document.pdf, printer)
        except PrinterRefused as exc:
            self._say(str(exc), problem=True)
            return
        actor, document = self._session.actor, self.document
        CollectionOp(self, body=lambda store: record_printing(store, actor=actor, form=document.audited_as),
                     success=lambda _none: self._say(f"Sent {pages} page{'s' if pages != 1 else ''} to the printer."),
                     failure=lambda exc: self._say(describe_error(exc), problem=True)).run()

    # --- saving a copy -------------------------------------------------------------------

    def choose_copy_path(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, "Save a copy", self.document.file_name,
                                                    "PDF documents (*.pdf)")
        if path:
            self.save_copy_to(Path(path))

    def save_copy_to(self, path: Path) -> None:
        """The explicit export: written on the worker (atomic, 0600) and audited there."""
        if path.suffix.lower() != ".pdf":
            path = path.with_name(f"{path.name}.pdf")
        actor, document = self._session.actor, self.document

        def failed(exc: BaseException) -> None:
            self._say(describe_error(exc), problem=True)

        CollectionOp(self, body=lambda store: save_form_copy(store, actor=actor, form=document.audited_as,
                                                             pdf=document.pdf, path=path),
                     success=lambda _none: self._say(f"Saved a copy as {path.name}. It is not encrypted: "
                                                     "keep it somewhere safe."),
                     failure=failed).run()
