"""The face chart widget: front and both profiles; click to place a point, right-click to remove it.

The drawing comes from ``medspa_desk.clinical.face_outline`` (the same strokes
the PDF draws). A click takes the product, lot and amount the charting screen
has chosen (``set_pen``) and the area of the nearest named anchor. Totals are
never typed: the screen computes them from ``points``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from medspa_desk.clinical.face_chart_pdf import PRODUCT_COLOURS
from medspa_desk.clinical.face_outline import outline
from medspa_desk.records import ChartPoint, ChartView
from ui.qt import (
    QColor,
    QFont,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPointF,
    QRectF,
    QSize,
    Qt,
    QWidget,
    Signal,
)

HIT_RADIUS = 0.025  # of the chart's side: how close a right-click must be to remove a point


@dataclass(frozen=True)
class Pen:
    """What the next click places."""

    product_id: UUID
    lot: str
    amount: float


class FaceChartWidget(QWidget):
    points_changed = Signal()
    placement_refused = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, read_only: bool = False) -> None:
        super().__init__(parent)
        self.setAccessibleName("Face chart")
        self.setMinimumSize(QSize(320, 320))
        self.setMouseTracking(True)
        self._view = ChartView.FRONT
        self._points: list[ChartPoint] = []
        self._pen: Pen | None = None
        self._refusal = "Choose a product and enter its lot and expiry before placing points."
        self._read_only = read_only
        self._colours: dict[UUID, str] = {}
        self._hover_area = ""
        self._describe()

    # --- state ---------------------------------------------------------------------

    @property
    def view(self) -> ChartView:
        return self._view

    def set_view(self, view: ChartView) -> None:
        self._view = ChartView(view)
        self._describe()
        self.update()

    @property
    def points(self) -> tuple[ChartPoint, ...]:
        return tuple(self._points)

    def set_points(self, points: Sequence[ChartPoint]) -> None:
        self._points = list(points)
        self._colours = {}
        for point in self._points:
            self._colour(point.product_id)
        self._describe()
        self.update()
        self.points_changed.emit()

    @property
    def pen(self) -> Pen | None:
        """What a click places now (None while the product's lot or expiry is refused)."""
        return self._pen

    def set_pen(self, pen: Pen | None, *, refusal: str = "") -> None:
        """What a click places; with ``None``, a click shows ``refusal`` instead."""
        self._pen = pen
        if refusal:
            self._refusal = refusal

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        self.setCursor(Qt.CursorShape.ArrowCursor if read_only else Qt.CursorShape.CrossCursor)

    def colour_of(self, product_id: UUID) -> str:
        return self._colour(product_id)

    def _colour(self, product_id: UUID) -> str:
        if product_id not in self._colours:
            self._colours[product_id] = PRODUCT_COLOURS[len(self._colours) % len(PRODUCT_COLOURS)]
        return self._colours[product_id]

    def _describe(self) -> None:
        here = [p for p in self._points if p.view is self._view]
        self.setAccessibleDescription(f"{self._view.value} view, {len(here)} points placed here, "
                                      f"{len(self._points)} in all")

    # --- geometry --------------------------------------------------------------------

    def chart_rect(self) -> QRectF:
        side = min(self.width(), self.height()) - 16
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def to_widget(self, x: float, y: float) -> QPointF:
        rect = self.chart_rect()
        return QPointF(rect.left() + x * rect.width(), rect.top() + y * rect.height())

    def to_chart(self, pos: QPointF) -> tuple[float, float] | None:
        rect = self.chart_rect()
        x, y = (pos.x() - rect.left()) / rect.width(), (pos.y() - rect.top()) / rect.height()
        return (x, y) if 0 <= x <= 1 and 0 <= y <= 1 else None

    # --- input -------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        spot = self.to_chart(event.position())
        if spot is None or self._read_only:
            return
        if event.button() == Qt.MouseButton.RightButton:
            self.remove_near(*spot)
        elif event.button() == Qt.MouseButton.LeftButton:
            self.place(*spot)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        spot = self.to_chart(event.position())
        area = outline(self._view).nearest_area(*spot) if spot else ""
        if area != self._hover_area:
            self._hover_area = area
            self.setToolTip(area)
            self.update()

    def place(self, x: float, y: float) -> ChartPoint | None:
        """Place a point with the current pen at (x, y) in chart units."""
        if self._pen is None:
            self.placement_refused.emit(self._refusal)
            return None
        point = ChartPoint(view=self._view, x=round(x, 4), y=round(y, 4),
                           area=outline(self._view).nearest_area(x, y), product_id=self._pen.product_id,
                           lot=self._pen.lot, amount=self._pen.amount)
        self._points.append(point)
        self._colour(point.product_id)
        self._describe()
        self.update()
        self.points_changed.emit()
        return point

    def remove_near(self, x: float, y: float) -> bool:
        here = [(abs(p.x - x) + abs(p.y - y), i) for i, p in enumerate(self._points) if p.view is self._view]
        near = [item for item in here if item[0] <= 2 * HIT_RADIUS]
        if not near:
            return False
        del self._points[min(near)[1]]
        self._describe()
        self.update()
        self.points_changed.emit()
        return True

    # --- painting --------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self.chart_rect()
        painter.fillRect(self.rect(), QColor("#ffffff"))
        painter.setPen(QPen(QColor("#c9d1da"), 1))
        painter.drawRect(rect)
        face = outline(self._view)
        painter.setPen(QPen(QColor("#1d2733"), max(1.2, rect.width() / 300)))
        for stroke in face.strokes:
            path = QPainterPath(self.to_widget(*stroke[0]))
            for x, y in stroke[1:]:
                path.lineTo(self.to_widget(x, y))
            painter.drawPath(path)
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        painter.setFont(font)
        if self._hover_area and not self._read_only:
            painter.setPen(QColor("#39536b"))
            painter.drawText(rect.adjusted(6, 4, -6, -4), Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft,
                             self._hover_area)
        radius = max(4.0, rect.width() / 90)
        for point in (p for p in self._points if p.view is self._view):
            centre = self.to_widget(point.x, point.y)
            painter.setPen(QPen(QColor("#ffffff"), 1.5))
            painter.setBrush(QColor(self._colour(point.product_id)))
            painter.drawEllipse(centre, radius, radius)
            painter.setPen(QColor("#1d2733"))
            painter.drawText(QPointF(centre.x() + radius + 2, centre.y() - 2), f"{point.amount:g}")
        painter.end()
