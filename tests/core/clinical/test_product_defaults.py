"""Issue 15: a product keeps its charting defaults; a product stored before them still loads."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from medspa_desk.demo_data import generate_practice
from medspa_desk.records import Product, ProductUnit, ServiceCategory


def test_the_defaults_round_trip_and_an_old_product_loads_without_them() -> None:
    kysse = Product(name="Restylane Kysse 1mL", category=ServiceCategory.DERMAL_FILLER, unit=ProductUnit.ML,
                    dose_per_point=0.1, usual_max_per_visit=1.5)
    again = Product.model_validate_json(kysse.model_dump_json())
    assert (again.dose_per_point, again.usual_max_per_visit) == (0.1, 1.5)
    old = kysse.model_dump(mode="json")
    del old["dose_per_point"], old["usual_max_per_visit"]
    loaded = Product.model_validate(old)
    assert loaded.dose_per_point is None and loaded.usual_max_per_visit is None


def test_a_dose_must_be_positive_and_bounded() -> None:
    for bad in ({"dose_per_point": 0}, {"dose_per_point": 5000}, {"usual_max_per_visit": -1}):
        with pytest.raises(ValidationError):
            Product(name="Botox", category=ServiceCategory.NEUROTOXIN, unit=ProductUnit.UNITS, **bad)


def test_the_demo_catalog_gives_neurotoxins_units_and_fillers_ml_per_point() -> None:
    practice = generate_practice(clients=20, months_back=1, months_ahead=0, today=date(2026, 3, 2))
    by_name = {p.name: p for p in practice.products}
    assert by_name["Botox Cosmetic 100U"].unit is ProductUnit.UNITS and by_name["Botox Cosmetic 100U"].dose_per_point == 4
    filler = by_name["Juvederm Ultra XC 1mL"]
    assert filler.unit is ProductUnit.ML and filler.dose_per_point == 0.1 and filler.usual_max_per_visit == 2
