"""Issue 15: the profile's "Good until" counts each consent's own validity, as check-in does."""

from __future__ import annotations

from datetime import timedelta

from pytestqt.qtbot import QtBot

from medspa_desk.documents.gating import check_in_requirements
from medspa_desk.documents.validity import consent_expires_on
from medspa_desk.records import ConsentRequirement
from tests.ui.forms.signed import signed_consent
from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from ui.client_profile import ClientProfile
from ui.search import format_birth_date


def test_a_consent_a_service_renews_every_90_days_is_good_for_90_days_not_a_year(
        qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    provider = desk.as_user("provider")
    botox = desk.services["botox"].model_copy(update={
        "consents": (ConsentRequirement(template_key="neurotoxin", valid_days=90),)})
    desk.run(lambda store: store.put_reference(botox, actor=provider.actor))
    client = desk.add_client("Iris", "Irwin")
    consent = signed_consent(provider, client)
    profile = ClientProfile(None, session=provider, client_id=client.id)
    qtbot.addWidget(profile)
    profile.show()
    qtbot.waitUntil(lambda: profile.data is not None and profile.forms.topLevelItemCount() > 0)
    row = next(profile.forms.topLevelItem(i) for i in range(profile.forms.topLevelItemCount())
               if profile.forms.topLevelItem(i).text(0) == consent.title)
    last_good = consent_expires_on(consent, valid_days=90, zone=desk.zone) - timedelta(days=1)
    assert row.text(3) == format_birth_date(last_good)
    # Check-in agrees: good on that day, not on the next.
    for day, good in ((last_good, True), (last_good + timedelta(days=1), False)):
        status = check_in_requirements(client=client, services=[botox], intakes=[], consents=[consent], today=day,
                                       zone=desk.zone, intake_months_valid=12, client_reported_change=False)
        assert (not status.missing_consents) is good, day
