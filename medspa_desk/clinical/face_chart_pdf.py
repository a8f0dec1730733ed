"""The face chart as a reportlab flowable: the outline strokes and the points, as vectors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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

    def __init__(self, points: Sequence[ChartPoint], *, width: float, panel_height: float,
                 units: Mapping[UUID, str] | None = None) -> None:
        super().__init__()
        self.points = tuple(points)
        self.units = dict(units or {})  # product → "units" or "mL": every dose label says which
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
        font, size = fonts().regular, 6.5
        canvas.setFont(font, size)
        shown = [p for p in self.points if p.view is view]
        spots = [at(p.x, p.y) for p in shown]
        taken = [(x - 2.6, y - 2.6, x + 2.6, y + 2.6) for x, y in spots]  # the dots themselves
        for point, (px, py) in zip(shown, spots, strict=True):
            colour = colors.HexColor(self.colours[point.product_id])
            canvas.setFillColor(colour)
            canvas.setStrokeColor(colors.white)
            canvas.circle(px, py, 2.6, stroke=1, fill=1)
        canvas.setFillColor(INK)
        for point, (px, py) in zip(shown, spots, strict=True):
            unit = self.units.get(point.product_id, "")
            label = f"{point.amount:g} {unit}".strip()
            width = canvas.stringWidth(label, font, size)
            box = label_box(px, py, width=width, height=size, taken=taken)
            taken.append(box)
            canvas.drawString(box[0], box[1] + 1, label)
        canvas.restoreState()


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def label_box(px: float, py: float, *, width: float, height: float,
              taken: Sequence[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    """Where a dose label goes beside its dot: the first of eight places around it (right, left,
    above, below, then the corners) that no dot or earlier label covers, moving further out when
    the points are close together; else to the right."""
    for gap in (3.5, 9.0, 15.0, 22.0):
        places = ((px + gap, py - height / 2), (px - gap - width, py - height / 2),
                  (px - width / 2, py + gap), (px - width / 2, py - gap - height),
                  (px + gap, py + gap), (px - gap - width, py + gap),
                  (px + gap, py - gap - height), (px - gap - width, py - gap - height))
        for x, y in places:
            box = (x, y, x + width, y + height)
            if not any(_overlaps(box, other) for other in taken):
                return box
    return (px + 3.5, py - height / 2, px + 3.5 + width, py + height / 2)
