"""The face chart as a reportlab flowable: the outline strokes and the points, as vectors."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from reportlab.lib import colors
from reportlab.platypus import Flowable

from medspa_desk.clinical.face_outline import outline
from medspa_desk.documents.pdf_layout import INK, MUTED, fonts
from medspa_desk.records import ChartPoint, ChartView

# Point colours by product, in the order products first appear on the chart.
PRODUCT_COLOURS = ("#c2185b", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f")
VIEW_TITLES = {ChartView.FRONT: "Front", ChartView.LEFT: "Left side", ChartView.RIGHT: "Right side"}


def product_colours(points: Sequence[ChartPoint]) -> dict[UUID, str]:
    order = list(dict.fromkeys(p.product_id for p in points))
    return {pid: PRODUCT_COLOURS[i % len(PRODUCT_COLOURS)] for i, pid in enumerate(order)}


class FaceChartFlowable(Flowable):
    """The chart's views side by side (front always; a profile when it has points)."""

    def __init__(self, points: Sequence[ChartPoint], *, width: float, panel_height: float) -> None:
        super().__init__()
        self.points = tuple(points)
        used = {p.view for p in self.points}
        self.views = [v for v in ChartView if v is ChartView.FRONT or v in used]
        self.width = width
        self.panel_height = panel_height
        self.height = panel_height + 16
        self.colours = product_colours(self.points)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        gap = 10
        side = min(self.panel_height, (self.width - gap * (len(self.views) - 1)) / len(self.views))
        for index, view in enumerate(self.views):
            x0 = index * (side + gap)
            self._draw_view(view, x0=x0, y0=16, side=side)
            canvas.setFont(fonts().regular, 8)
            canvas.setFillColor(MUTED)
            canvas.drawCentredString(x0 + side / 2, 4, VIEW_TITLES[view])

    def _draw_view(self, view: ChartView, *, x0: float, y0: float, side: float) -> None:
        canvas = self.canv
        face = outline(view)

        def at(x: float, y: float) -> tuple[float, float]:
            return x0 + x * side, y0 + (1 - y) * side  # PDF y grows upward

        canvas.saveState()
        canvas.setStrokeColor(colors.HexColor("#c9d1da"))
        canvas.setLineWidth(0.6)
        canvas.rect(x0, y0, side, side, stroke=1, fill=0)
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(0.8)
        canvas.setLineJoin(1)
        canvas.setLineCap(1)
        for stroke in face.strokes:
            path = canvas.beginPath()
            path.moveTo(*at(*stroke[0]))
            for x, y in stroke[1:]:
                path.lineTo(*at(x, y))
            canvas.drawPath(path, stroke=1, fill=0)
        canvas.setFont(fonts().regular, 6.5)
        for point in (p for p in self.points if p.view is view):
            px, py = at(point.x, point.y)
            colour = colors.HexColor(self.colours[point.product_id])
            canvas.setFillColor(colour)
            canvas.setStrokeColor(colors.white)
            canvas.circle(px, py, 2.6, stroke=1, fill=1)
            canvas.setFillColor(INK)
            canvas.drawString(px + 3.5, py + 1.5, f"{point.amount:g}")
        canvas.restoreState()
