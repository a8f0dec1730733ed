"""The face chart's drawings: front and both profiles, as vector strokes in 0..1 coordinates.

The outlines live in ``resources/face_chart/<view>.json`` (small point lists,
no bitmaps), so the Qt widget and the PDF draw the same face. Each view also
names its treatment areas by an anchor point; a click on the chart takes the
name of the nearest anchor.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from medspa_desk.documents.resources import RESOURCES, read_json_model
from medspa_desk.records import ChartView

FACE_CHART_DIR = RESOURCES / "face_chart"
Unit = Annotated[float, Field(ge=0, le=1)]


class FaceChartFileError(ValueError):
    """A face chart file is missing or malformed; the message names the file and what is wrong."""


class AreaAnchor(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=200)]
    x: Unit
    y: Unit


class FaceOutline(BaseModel):
    """One view of the face: strokes (polylines) to draw and the named areas on it."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    view: ChartView
    strokes: tuple[tuple[tuple[Unit, Unit], ...], ...]
    areas: tuple[AreaAnchor, ...]

    @model_validator(mode="after")
    def _usable(self) -> FaceOutline:
        if not self.strokes or any(len(s) < 2 for s in self.strokes):
            raise ValueError("every stroke needs at least two points")
        if not self.areas:
            raise ValueError("a view needs named areas")
        return self

    def nearest_area(self, x: float, y: float) -> str:
        """The area whose anchor is closest to (x, y)."""
        return min(self.areas, key=lambda a: (a.x - x) ** 2 + (a.y - y) ** 2).name

    @property
    def area_names(self) -> tuple[str, ...]:
        """Each area once (a wide area such as the forehead has several anchors)."""
        return tuple(dict.fromkeys(a.name for a in self.areas))


def load_outline(path: Path, *, view: ChartView) -> FaceOutline:
    outline = read_json_model(path, FaceOutline, what="face chart", error=FaceChartFileError)
    if outline.view is not view:
        raise FaceChartFileError(f"the face chart {path.name} draws the {outline.view.value} view, "
                                 f"not the {view.value} view; restore the shipped file")
    return outline


@cache
def outline(view: ChartView) -> FaceOutline:
    """The shipped drawing of ``view``."""
    return load_outline(FACE_CHART_DIR / f"{view.value}.json", view=view)
