"""A captured signature drawn into a PDF as vector strokes (lines, not a picture)."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.platypus import Flowable

from medspa_desk.records import Signature


class SignatureDrawing(Flowable):
    """The signature scaled to fit ``max_width`` x ``max_height``, keeping its shape, with a baseline."""

    def __init__(self, signature: Signature, *, max_width: float, max_height: float) -> None:
        super().__init__()
        self.signature = signature
        self.scale = min(max_width / signature.width, max_height / signature.height)
        self.width = signature.width * self.scale
        self.height = signature.height * self.scale

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setStrokeColor(colors.HexColor("#9aa5b1"))
        canvas.setLineWidth(0.5)
        canvas.line(0, 0.15 * self.height, self.width, 0.15 * self.height)
        canvas.setStrokeColor(colors.HexColor("#0b1f4a"))
        canvas.setFillColor(colors.HexColor("#0b1f4a"))
        canvas.setLineWidth(1.2)
        canvas.setLineCap(1)
        canvas.setLineJoin(1)
        for stroke in self.signature.strokes:
            points = [(x * self.scale, self.height - y * self.scale) for x, y in stroke]
            if len(points) == 1:
                canvas.circle(*points[0], 0.8, stroke=0, fill=1)
                continue
            path = canvas.beginPath()
            path.moveTo(*points[0])
            for point in points[1:]:
                path.lineTo(*point)
            canvas.drawPath(path, stroke=1, fill=0)
        canvas.restoreState()
