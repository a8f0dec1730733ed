"""Shared page furniture for the practice's PDFs: fonts, styles, header and "Page x of y".

Everything renders into memory (a BytesIO); nothing is written to disk, so
viewing or printing a form never leaves a PHI file behind.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
MARGIN = 0.75 * inch
FRAME_PADDING = 6  # reportlab's default frame padding: header and footer line up with the text
EDGE = MARGIN + FRAME_PADDING
INK = colors.HexColor("#1d2733")
MUTED = colors.HexColor("#5b6775")


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    mono: str


@cache
def fonts() -> Fonts:
    """DejaVu when installed (accented and non-Latin names print correctly), else the PDF core fonts."""
    files = {"MedspaSans": "DejaVuSans.ttf", "MedspaSans-Bold": "DejaVuSans-Bold.ttf",
             "MedspaMono": "DejaVuSansMono.ttf"}
    if not all((DEJAVU_DIR / f).is_file() for f in files.values()):
        return Fonts(regular="Helvetica", bold="Helvetica-Bold", mono="Courier")
    for name, file in files.items():
        pdfmetrics.registerFont(TTFont(name, str(DEJAVU_DIR / file)))
    # So <b> inside a paragraph picks the bold face.
    pdfmetrics.registerFontFamily("MedspaSans", normal="MedspaSans", bold="MedspaSans-Bold",
                                  italic="MedspaSans", boldItalic="MedspaSans-Bold")
    return Fonts(regular="MedspaSans", bold="MedspaSans-Bold", mono="MedspaMono")


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    mono: ParagraphStyle
    cell: ParagraphStyle


@cache
def styles() -> Styles:
    f = fonts()
    body = ParagraphStyle("body", fontName=f.regular, fontSize=10, leading=13.5, textColor=INK,
                          alignment=TA_LEFT, spaceAfter=6)
    return Styles(
        title=ParagraphStyle("title", parent=body, fontName=f.bold, fontSize=15, leading=19, spaceAfter=8),
        heading=ParagraphStyle("heading", parent=body, fontName=f.bold, fontSize=11.5, leading=15,
                               spaceBefore=8, spaceAfter=4),
        body=body,
        small=ParagraphStyle("small", parent=body, fontSize=8.5, leading=11, textColor=MUTED, spaceAfter=2),
        mono=ParagraphStyle("mono", parent=body, fontName=f.mono, fontSize=8, leading=10, spaceAfter=2),
        cell=ParagraphStyle("cell", parent=body, fontSize=9, leading=11.5, spaceAfter=0),
    )


def text(value: str) -> str:
    """Plain text made safe for a reportlab Paragraph (which reads a small XML markup)."""
    return escape(value).replace("\n", "<br/>")


def markdown_flowables(body: str) -> list[Flowable]:
    """The consent text's small Markdown subset: '## ' headings, '- ' bullets, blank-line paragraphs."""
    s = styles()
    story: list[Flowable] = []
    bullets: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            story.append(Paragraph(text(" ".join(paragraph)), s.body))
            paragraph.clear()
        if bullets:
            story.append(ListFlowable([ListItem(Paragraph(text(b), s.body), leftIndent=14) for b in bullets],
                                      bulletType="bullet", start="•", leftIndent=14,
                                      bulletFontName=fonts().regular, bulletFontSize=9))
            bullets.clear()

    for line in body.split("\n"):
        stripped = line.strip()
        if not stripped:
            flush()
        elif stripped.startswith("## "):
            flush()
            story.append(Paragraph(text(stripped[3:]), s.heading))
        elif stripped.startswith(("- ", "* ")):
            if paragraph:
                flush()
            bullets.append(stripped[2:])
        elif bullets and line.startswith("  "):
            bullets[-1] += " " + stripped  # a wrapped bullet line continues the bullet
        else:
            if bullets:
                flush()
            paragraph.append(stripped)
    flush()
    return story


class _NumberedCanvas(Canvas):
    """Holds each page until the end so every footer can say "Page x of y"."""

    footer_left = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._draw_footer(number, total)
            super().showPage()
        super().save()

    def _draw_footer(self, number: int, total: int) -> None:
        width, _ = self._pagesize
        self.saveState()
        self.setFont(fonts().regular, 8)
        self.setFillColor(MUTED)
        self.drawString(EDGE, 0.45 * inch, self.footer_left)
        self.drawRightString(width - EDGE, 0.45 * inch, f"Page {number} of {total}")
        self.restoreState()


def render(story: Sequence[Flowable], *, header: str, footer: str, title: str,
           pagesize: tuple[float, float] = LETTER) -> bytes:
    """Lay out ``story`` on pages with the practice header and a numbered footer; return the PDF bytes."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=pagesize, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN + 0.2 * inch, bottomMargin=MARGIN, title=title,
                            author=header, creator="Medspa Desk")

    def draw_header(canvas: Canvas, _doc: SimpleDocTemplate) -> None:
        width, height = canvas._pagesize
        canvas.saveState()
        canvas.setFont(fonts().bold, 10)
        canvas.setFillColor(INK)
        canvas.drawString(EDGE, height - 0.55 * inch, header)
        canvas.setStrokeColor(MUTED)
        canvas.setLineWidth(0.5)
        canvas.line(EDGE, height - 0.62 * inch, width - EDGE, height - 0.62 * inch)
        canvas.restoreState()

    canvas_class = type("FooterCanvas", (_NumberedCanvas,), {"footer_left": footer})
    doc.build(list(story), onFirstPage=draw_header, onLaterPages=draw_header, canvasmaker=canvas_class)
    return buffer.getvalue()


def spacer(points: float) -> Spacer:
    return Spacer(1, points)


def whose(full_name: str, born: date) -> str:
    """A page footer's client: the name and birth date ("Nina Alvarez, born Apr 17, 1988"), never
    initials ("NA" reads as "not applicable", and two clients share them)."""
    return f"{full_name}, born {born:%b} {born.day}, {born.year}"
