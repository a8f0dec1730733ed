"""Issue 15: charting starts from the product's own dose and unit, asks why above its usual maximum,
and takes the expiry as month and year, as printed on the vial."""

from __future__ import annotations

from datetime import date

from pytestqt.qtbot import QtBot

from medspa_desk.records import AuditAction, Product, ProductUnit, Service, ServiceCategory
from tests.ui.injector.clinic import open_clinic
from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from ui.injector.charting import ChartingDialog
from ui.qt import QDate


def _filler_visit(provider: Desk) -> object:
    lips = Service(name="Lip filler", category=ServiceCategory.DERMAL_FILLER, duration_min=45,
                   provider_kinds=provider.services["botox"].provider_kinds, room_kinds=("treatment",),
                   requires_intake=False)
    kysse = Product(name="Restylane Kysse 1mL", manufacturer="Galderma", category=ServiceCategory.DERMAL_FILLER,
                    unit=ProductUnit.ML, dose_per_point=0.1, usual_max_per_visit=1.5)
    provider.run(lambda store: (store.put_reference(lips, actor=provider.actor),
                                store.put_reference(kysse, actor=provider.actor)))
    provider.services["lips"] = lips
    return provider.book(provider.add_client("Ella", "Eaton"), day=provider.today, hour=15, service="lips")


def _chart(qtbot: QtBot, provider: Desk, appointment_id: object) -> ChartingDialog:
    chart = ChartingDialog(provider, appointment_id=appointment_id)
    qtbot.addWidget(chart)
    chart.show()
    qtbot.waitUntil(lambda: chart.data is not None)
    chart.lot.setText("RK4411B2")
    chart.expiry.setDate(QDate(2030, 1, 1))
    return chart


def test_a_filler_point_starts_at_its_own_dose_in_ml(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    provider = desk.as_user("provider")
    chart = _chart(qtbot, provider, _filler_visit(provider).id)
    assert chart.amount.value() == 0.1 and chart.amount.suffix() == " mL"


def test_a_product_recorded_before_the_defaults_starts_at_a_neurotoxin_point(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    provider = desk.as_user("provider")
    clinic = open_clinic(provider)  # its Botox has no dose of its own
    chart = _chart(qtbot, provider, clinic.today.id)
    assert clinic.botox.dose_per_point is None
    assert chart.amount.value() == 4 and chart.amount.suffix() == " units"


def test_the_expiry_is_month_and_year_and_good_to_the_months_last_day(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    provider = desk.as_user("provider")
    chart = _chart(qtbot, provider, _filler_visit(provider).id)
    assert chart.expiry.text() == "01/2030"
    chart.chart.place(0.5, 0.62)
    assert list(chart._expiries.values()) == [date(2030, 1, 31)]


def test_above_the_usual_maximum_the_injector_says_why_and_it_is_audited(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    provider = desk.as_user("provider")
    visit = _filler_visit(provider)
    chart = _chart(qtbot, provider, visit.id)
    chart.amount.setValue(0.5)
    for x in (0.46, 0.5, 0.54, 0.58):  # 2 mL of a filler whose usual maximum is 1.5 mL
        chart.chart.place(x, 0.62)
    assert chart.above_usual.isVisible()
    assert "2 mL is above the usual 1.5 mL per visit" in chart.above_usual_words.text()
    assert chart.build_record() is None and "Say why" in chart.message.text()

    chart.above_usual_button.click()  # no reason yet
    assert "Say why" in chart.message.text()
    chart.above_usual_reason.setText("Second syringe planned with the client for symmetry")
    chart.above_usual_button.click()
    qtbot.waitUntil(lambda: not chart.above_usual.isVisible())
    overrides = [e for e in provider.run(lambda s: s.audit.events(limit=10_000))
                 if e.action is AuditAction.OVERRIDE and e.entity_id == visit.id]
    assert len(overrides) == 1 and "above usual maximum" in overrides[0].detail
    with qtbot.waitSignal(chart.did_save):
        chart.save_button.click()
    assert "Second syringe planned" in chart.record.clinical_notes
