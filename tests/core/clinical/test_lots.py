from __future__ import annotations

from datetime import date, timedelta

import pytest

from medspa_desk.clinical.charting import build_treatment
from medspa_desk.clinical.lots import LotRefused, LotState, check_lot, clean_lot
from medspa_desk.records import Role
from tests.core.clinical.charts import neurotoxin_visit, point, product, treatment_day, visit

DAY = date(2025, 6, 10)


def test_an_expired_lot_is_refused_and_nothing_is_saved(store, demo, injector):
    appt = neurotoxin_visit(demo)
    botox = product(demo, "Botox Cosmetic 100U")
    day = treatment_day(appt, demo)
    charted = visit(appt, (point(botox, area="Glabella", amount=20, lot="C0001"),),
                    expiry=day - timedelta(days=1))
    with pytest.raises(LotRefused, match=r"Botox Cosmetic 100U lot C0001 expired on .*Do not use it"):
        build_treatment(charted, catalog={p.id: p for p in demo.products}, role=Role.PROVIDER, on=day)
    assert store.connection.execute("SELECT count(*) FROM treatment_lots WHERE lot = 'C0001'").fetchone()[0] == 0


def test_a_lot_expiring_within_thirty_days_is_charted_with_a_warning(demo):
    appt = neurotoxin_visit(demo)
    botox = product(demo, "Botox Cosmetic 100U")
    day = treatment_day(appt, demo)
    charted = visit(appt, (point(botox, area="Glabella", amount=20, lot="C0002"),),
                    expiry=day + timedelta(days=30))
    result = build_treatment(charted, catalog={p.id: p for p in demo.products}, role=Role.PROVIDER, on=day)
    assert [w.lot for w in result.warnings] == ["C0002"]
    assert "expires in 30 days" in result.warnings[0].message
    assert result.record.products[0].lot == "C0002"


@pytest.mark.parametrize(("days_left", "state"), [
    (-1, LotState.EXPIRED), (0, LotState.NEAR_EXPIRY), (30, LotState.NEAR_EXPIRY), (31, LotState.GOOD)])
def test_the_printed_expiry_day_is_the_last_day_of_use(days_left, state):
    check = check_lot(product_name="Xeomin 100U", lot="XM1", expiry=DAY + timedelta(days=days_left), on=DAY)
    assert check.state is state
    assert check.days_left == days_left


def test_lot_numbers_are_tidied_and_nonsense_is_refused():
    assert clean_lot("  c3709ac4 ") == "C3709AC4"
    with pytest.raises(LotRefused, match="Type the lot number"):
        clean_lot("   ")
    with pytest.raises(LotRefused, match="up to 64 letters"):
        clean_lot("lot;DROP TABLE")


def test_only_a_provider_may_chart(demo):
    appt = neurotoxin_visit(demo)
    botox = product(demo, "Botox Cosmetic 100U")
    day = treatment_day(appt, demo)
    charted = visit(appt, (point(botox, area="Glabella", amount=20),), expiry=day + timedelta(days=300))
    for role in (Role.FRONT_DESK, Role.MANAGER):
        with pytest.raises(PermissionError, match="Only a provider can chart"):
            build_treatment(charted, catalog={p.id: p for p in demo.products}, role=role, on=day)
