"""Issue 15: the client profile's Details page is used: the next visits and the forms on file beside the
contact facts (about 80 % of the page was empty)."""

from __future__ import annotations

from datetime import timedelta

from pytestqt.qtbot import QtBot

from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from ui.client_profile import ClientProfile
from ui.qt import QPoint


def test_the_details_page_shows_the_next_visits_and_the_forms_beside_the_contact_facts(
        qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    client = desk.add_client("Wilhelmina", "Ashgrove")
    for days in (1, 8, 15, 22):
        desk.book(client, day=desk.today + timedelta(days=days), hour=10)
    desk.book(client, day=desk.today - timedelta(days=2), hour=9, service="consult")
    profile = ClientProfile(None, session=desk, client_id=client.id)
    qtbot.addWidget(profile)
    profile.resize(1366, 700)
    profile.show()
    qtbot.waitUntil(lambda: profile.data is not None)
    visits = profile.next_visits.text().splitlines()
    assert len(visits) == 4 and all("Botox with Dana Reyes" in line for line in visits[:3])
    assert visits[3] == "and 1 more (see Appointments)"
    assert profile.forms_glance.text().startswith("Health questionnaire: none on file")
    assert profile.last_visits.text().endswith("Consultation (booked)")
    # Beside the facts, not under them: the right part of the page holds the glance.
    left = profile.next_visits.mapTo(profile.details, QPoint(0, 0)).x()
    assert left > profile.details.width() // 2
    assert profile.next_visits.isVisible() and profile.forms_glance.isVisible()
