from __future__ import annotations

import json
from pathlib import Path

import pytest

from medspa_desk.clinical.charting import build_treatment
from medspa_desk.clinical.face_outline import FaceChartFileError, load_outline, outline
from medspa_desk.clinical.totals import ChartingError, chart_totals, format_amount
from medspa_desk.records import ChartView, ProductUnit, Role
from tests.core.clinical.charts import (
    in_date,
    neurotoxin_visit,
    point,
    product,
    treatment_day,
    visit,
)


def test_face_chart_points_round_trip_through_the_store_with_their_totals(store, demo, injector):
    appt = neurotoxin_visit(demo)
    botox = product(demo, "Botox Cosmetic 100U")
    dysport = product(demo, "Dysport 300U")
    points = (point(botox, area="Glabella", amount=4, x=0.45, y=0.33),
              point(botox, area="Glabella", amount=4, x=0.55, y=0.33),
              point(botox, area="Glabella", amount=4.5, x=0.5, y=0.34),
              point(botox, area="Crow's feet, left", amount=3, x=0.73, y=0.41, view=ChartView.FRONT),
              point(botox, area="Crow's feet, left", amount=3, x=0.4, y=0.41, view=ChartView.LEFT),
              point(dysport, area="Forehead", amount=10, lot="DY77", x=0.5, y=0.2))
    catalog = {p.id: p for p in demo.products}
    result = build_treatment(visit(appt, points, expiry=in_date(appt, demo)), catalog=catalog,
                             role=Role.PROVIDER, on=treatment_day(appt, demo))
    store.save_treatment(result.record, actor=injector)

    stored = store.treatment(result.record.id, actor=injector)
    assert stored.points == points  # every point, its view, place, area, product, lot and amount
    totals = chart_totals(stored.points)
    assert totals.area_amount("Glabella", botox.id) == 12.5
    assert totals.area_amount("Crow's feet, left", botox.id) == 6
    assert totals.product_amount(botox.id) == 18.5
    assert totals.product_amount(dysport.id) == 10
    by_area = {(u.area, u.product_id, u.lot): (u.amount, u.unit) for u in stored.products}
    assert by_area == {("Glabella", botox.id, "C1234"): (12.5, ProductUnit.UNITS),
                       ("Crow's feet, left", botox.id, "C1234"): (6, ProductUnit.UNITS),
                       ("Forehead", dysport.id, "DY77"): (10, ProductUnit.UNITS)}


def test_totals_add_in_hundredths_so_filler_millilitres_do_not_drift(demo):
    filler = product(demo, "Juvederm Ultra XC 1mL")
    totals = chart_totals([point(filler, area="Upper lip", amount=0.1), point(filler, area="Upper lip", amount=0.2)])
    assert totals.area_amount("Upper lip", filler.id) == 0.3
    assert format_amount(0.3, ProductUnit.ML) == "0.3 mL"
    assert format_amount(2, ProductUnit.SYRINGE) == "2 syringes"


def test_a_point_without_a_lot_expiry_is_refused_with_what_to_enter(demo):
    appt = neurotoxin_visit(demo)
    botox = product(demo, "Botox Cosmetic 100U")
    charted = visit(appt, (point(botox, area="Glabella", amount=4),), expiry=in_date(appt, demo))
    charted = charted.__class__(**{**charted.__dict__, "expiries": {}})
    with pytest.raises(ChartingError, match="Lot C1234 of Botox Cosmetic 100U has no expiry date"):
        build_treatment(charted, catalog={p.id: p for p in demo.products}, role=Role.PROVIDER,
                        on=treatment_day(appt, demo))


@pytest.mark.parametrize("view", list(ChartView))
def test_every_view_of_the_face_has_strokes_and_named_areas(view):
    face = outline(view)
    assert face.view is view
    assert len(face.strokes) >= 5
    for anchor in face.areas:  # a click on an area's anchor names that area
        assert face.nearest_area(anchor.x + 0.005, anchor.y - 0.005) == anchor.name


def test_profiles_name_their_own_side():
    assert all(", right" not in name for name in outline(ChartView.LEFT).area_names)
    assert all(", left" not in name for name in outline(ChartView.RIGHT).area_names)
    assert outline(ChartView.FRONT).nearest_area(0.73, 0.41) == "Crow's feet, left"


def test_a_broken_face_chart_file_is_refused_with_the_file_and_the_problem(tmp_path: Path):
    bad = tmp_path / "front.json"
    bad.write_text(json.dumps({"view": "front", "strokes": [[[0.1, 0.1]]], "areas": []}))
    with pytest.raises(FaceChartFileError, match=r"front.json is not usable: .*two points"):
        load_outline(bad, view=ChartView.FRONT)
    bad.write_text("{not json")
    with pytest.raises(FaceChartFileError, match="not valid JSON"):
        load_outline(bad, view=ChartView.FRONT)
    bad.write_text(json.dumps(outline(ChartView.LEFT).model_dump(mode="json")))
    with pytest.raises(FaceChartFileError, match="draws the left view, not the front view"):
        load_outline(bad, view=ChartView.FRONT)
