"""The signature pad: the client signs with a mouse, a pen (tablet) or a finger (touch).

Strokes are kept in the pad's own coordinates and handed over as a
``records.Signature``, which the PDF draws back as vector strokes. The
minimum-ink rule lives in the core (``documents.ink``) so the pad and the
signing code agree on what counts as a signature.
"""

from __future__ import annotations

from medspa_desk.documents.ink import TOO_LITTLE_INK, has_enough_ink
from medspa_desk.records import Signature
from ui.qt import (
    QColor,
    QEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPointF,
    QSize,
    Qt,
    QTabletEvent,
    QTouchEvent,
    QWidget,
    Signal,
)

INK = QColor("#0b1f4a")
GUIDE = QColor("#9aa5b1")
PAPER = QColor("#ffffff")
TOUCH_EVENTS = (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd, QEvent.Type.TouchCancel)


class SignaturePad(QWidget):
    """A box to sign in. ``signature()`` returns what was drawn; Clear and Undo take it back."""

    strokes_did_change = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._strokes: list[list[tuple[float, float]]] = []
        self._drawing = False
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setMinimumSize(240, 90)
        self.setAccessibleName("Signature pad")
        self.setAccessibleDescription("Sign your name here with a finger, a pen or the mouse. "
                                      "Ctrl+Z undoes the last stroke.")

    # --- What the dialog asks ---------------------------------------------------

    def signature(self) -> Signature:
        return Signature(width=float(max(self.width(), 1)), height=float(max(self.height(), 1)),
                         strokes=tuple(tuple(stroke) for stroke in self._strokes))

    def set_signature(self, signature: Signature) -> None:
        """Show a stored signature, scaled to this pad (for review; it stays editable)."""
        sx, sy = self.width() / signature.width, self.height() / signature.height
        self._strokes = [[(x * sx, y * sy) for x, y in stroke] for stroke in signature.strokes]
        self._changed()

    def is_empty(self) -> bool:
        return not self._strokes

    def has_enough_ink(self) -> bool:
        return has_enough_ink(self.signature())

    def ink_problem(self) -> str:
        """What to tell the client when the signature is too small ("" when it is fine)."""
        return "" if self.has_enough_ink() else TOO_LITTLE_INK

    def clear(self) -> None:
        self._strokes.clear()
        self._drawing = False
        self._changed()

    def undo(self) -> None:
        if self._strokes:
            self._strokes.pop()
            self._drawing = False
            self._changed()

    def sizeHint(self) -> QSize:
        return QSize(600, 200)

    # --- Input ------------------------------------------------------------------

    def _begin(self, point: QPointF) -> None:
        self._drawing = True
        self._strokes.append([self._clamped(point)])
        self.update()

    def _extend(self, point: QPointF) -> None:
        if not self._drawing:
            return
        here = self._clamped(point)
        if here != self._strokes[-1][-1]:
            self._strokes[-1].append(here)
            self.update()

    def _end(self, point: QPointF | None = None) -> None:
        if self._drawing and point is not None:
            self._extend(point)
        if self._drawing:
            self._drawing = False
            self._changed()

    def _clamped(self, point: QPointF) -> tuple[float, float]:
        # Rounded to a tenth of a pixel: finer than any pen, and keeps the signed record small.
        x = min(max(point.x(), 0.0), float(self.width()))
        y = min(max(point.y(), 0.0), float(self.height()))
        return round(x, 1), round(y, 1)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position())
            event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._extend(event.position())
            event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._end(event.position())
            event.accept()

    def tabletEvent(self, event: QTabletEvent) -> None:
        # Accepting the pen's events stops Qt from also sending them as mouse events.
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self._begin(event.position())
        elif kind == QEvent.Type.TabletMove and self._drawing:
            self._extend(event.position())
        elif kind == QEvent.Type.TabletRelease:
            self._end(event.position())
        event.accept()

    def event(self, event: QEvent) -> bool:
        if event.type() in TOUCH_EVENTS:
            self._touch(event)  # type: ignore[arg-type]
            return True
        return super().event(event)

    def _touch(self, event: QTouchEvent) -> None:
        points = event.points()
        if event.type() == QEvent.Type.TouchCancel or not points:
            self._end()
        else:
            # One finger signs; a second finger resting on the glass is ignored.
            point = points[0].position()
            if event.type() == QEvent.Type.TouchBegin:
                self._begin(point)
            elif event.type() == QEvent.Type.TouchUpdate:
                self._extend(point)
            else:
                self._end(point)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Undo):
            self.undo()
            event.accept()
            return
        super().keyPressEvent(event)

    # --- Drawing ----------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.fillRect(self.rect(), PAPER)
        baseline = self.height() * 0.78
        painter.setPen(QPen(GUIDE, 1))
        painter.drawLine(QPointF(16, baseline), QPointF(self.width() - 16, baseline))
        if not self._strokes:
            painter.drawText(QPointF(20, baseline - 8), "Sign here")
        pen = QPen(INK, 2.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        for stroke in self._strokes:
            if len(stroke) == 1:
                painter.drawPoint(QPointF(*stroke[0]))
                continue
            path = QPainterPath(QPointF(*stroke[0]))
            for point in stroke[1:]:
                path.lineTo(QPointF(*point))
            painter.drawPath(path)
        painter.end()

    def _changed(self) -> None:
        self.update()
        self.strokes_did_change.emit()
