"""PDF bytes to page images and onto a printer, in memory only.

PDFium (``pypdfium2``) reads the document straight from the bytes reportlab
made; pages become QImages that never touch the disk. Printing paints those
images onto a QPrinter, page by page, at the printer's resolution (capped, so
a 1200 dpi printer does not cost a gigabyte of pixels).
"""

from __future__ import annotations

import pypdfium2

from ui.qt import QImage, QPainter, QPrinter, QRectF

POINTS_PER_INCH = 72.0
MAX_PRINT_DPI = 300


def page_count(pdf: bytes) -> int:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def page_images(pdf: bytes, *, dpi: float) -> list[QImage]:
    """Every page as an image at ``dpi`` (each copied out of PDFium's buffer, which is freed here)."""
    document = pypdfium2.PdfDocument(pdf)
    images = []
    try:
        for index in range(len(document)):
            page = document[index]
            bitmap = page.render(scale=dpi / POINTS_PER_INCH, rev_byteorder=True)
            image = QImage(bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride,
                           QImage.Format.Format_RGB888).copy()
            images.append(image)
            bitmap.close()
            page.close()
    finally:
        document.close()
    return images


def print_pdf(pdf: bytes, printer: QPrinter) -> int:
    """Paint every page onto ``printer``, each scaled to fit its printable area; returns pages printed."""
    dpi = min(printer.resolution(), MAX_PRINT_DPI)
    images = page_images(pdf, dpi=dpi)
    painter = QPainter()
    if not painter.begin(printer):
        raise PrinterRefused("The printer could not be started. Check it is switched on and try again.")
    try:
        for index, image in enumerate(images):
            if index:
                printer.newPage()
            area = printer.pageLayout().paintRectPixels(printer.resolution())
            area.moveTo(0, 0)
            scale = min(area.width() / image.width(), area.height() / image.height())
            target = QRectF(0, 0, image.width() * scale, image.height() * scale)
            painter.drawImage(target, image)
    finally:
        painter.end()
    return len(images)


class PrinterRefused(RuntimeError):
    """The printer could not be opened; the message says what to check."""
