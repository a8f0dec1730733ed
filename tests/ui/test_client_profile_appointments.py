"""The profile's appointment list reads the way a receptionist looks: next visit first, last visit first."""

from __future__ import annotations

from datetime import timedelta

from pytestqt.qtbot import QtBot

from medspa_desk.desk import visits
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


def test_the_profile_moves_an_upcoming_visit_and_not_a_past_one(qtbot: QtBot, desk: Desk) -> None:  # noqa: F811
    client = desk.add_client("Aisha", "Okafor")
    soon = desk.book(client, day=desk.today + timedelta(days=7), hour=10)
    missed = desk.book(client, day=desk.today - timedelta(days=5), hour=10)
    desk.run(lambda store: visits.mark_no_show(store, actor=desk.actor, visit_id=missed.id))
    profile = ClientProfile(None, session=desk, client_id=client.id)
    qtbot.addWidget(profile)
    profile.show()
    qtbot.waitUntil(lambda: profile.data is not None, timeout=5000)
    upcoming, past = (profile.appointments.topLevelItem(i) for i in range(2))

    profile.appointments.setCurrentItem(past.child(0))
    assert not profile.move_button.isEnabled()  # a no-show is not moved; it is booked anew
    profile.appointments.setCurrentItem(upcoming.child(0))
    assert profile.move_button.isEnabled()
    profile.move_button.click()
    dialog = profile.mover
    qtbot.waitUntil(lambda: dialog.conflicts.text().startswith("Free:"))
    dialog.prefill(starts_at=desk.at(desk.today + timedelta(days=9), 11))
    with qtbot.waitSignal(dialog.booked):
        dialog.save_button.click()

    assert desk.appointment(soon.id).starts_at == desk.at(desk.today + timedelta(days=9), 11)
    local = desk.at(desk.today + timedelta(days=9), 11).astimezone(desk.zone)
    qtbot.waitUntil(lambda: profile.appointments.topLevelItem(0).child(0).text(0)
                    .startswith(f"{local:%a %b} {local.day} "))  # the profile redrew from the move
