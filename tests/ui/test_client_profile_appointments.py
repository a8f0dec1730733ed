"""The profile's appointment list reads the way a receptionist looks: next visit first, last visit first."""

from __future__ import annotations

from datetime import timedelta

from pytestqt.qtbot import QtBot

from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from ui.client_profile import ClientProfile


def test_past_visits_are_listed_most_recent_first_and_upcoming_soonest_first(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    client = desk.add_client()
    today = desk.today
    booked = {offset: desk.book(client, day=today + timedelta(days=offset), hour=10)
              for offset in (-30, -5, 7, 21)}
    profile = ClientProfile(None, session=desk, client_id=client.id)
    qtbot.addWidget(profile)
    qtbot.waitUntil(lambda: profile.data is not None, timeout=5000)
    upcoming, past = (profile.appointments.topLevelItem(i) for i in range(2))

    def starts(group: object) -> list[str]:
        return [group.child(i).text(0) for i in range(group.childCount())]

    def when(offset: int) -> str:
        local = booked[offset].starts_at.astimezone(desk.zone)
        return local.strftime("%a %b %d %Y, %I:%M %p").replace(" 0", " ")

    assert starts(upcoming) == [when(7), when(21)]
    assert starts(past) == [when(-5), when(-30)]
