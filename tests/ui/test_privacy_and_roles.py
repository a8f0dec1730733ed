"""Privacy mode hides names; front desk never reaches treatment notes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.phi_walk import all_visible_text
from tests.ui.practice import TREATMENT_NOTE
from ui.client_profile import ClientProfile, NotAllowedForRole
from ui.events import bus
from ui.lock import LockPolicy
from ui.main_window import MainWindow
from ui.qt import QApplication, Qt


def open_desk(qtbot: Any, session: Any) -> MainWindow:
    window = MainWindow(session, policy=LockPolicy(idle_minutes=30))
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    qtbot.waitUntil(lambda: window.schedule.arrivals.table.rowCount() >= 3, timeout=10_000)
    return window


def test_privacy_mode_shows_initials_instead_of_names(qtbot: Any, sign_in: Any, practice: Any) -> None:
    window = open_desk(qtbot, sign_in("desk.amy"))
    surnames = [c.last_name for c in practice.known]
    assert any(s in t for t in all_visible_text() for s in surnames)

    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert bus.privacy_mode and window.privacy_action.isChecked()
    texts = all_visible_text()
    assert not [s for s in surnames if any(s in t for t in texts)]
    assert any("MQ" in t for t in texts)

    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert not bus.privacy_mode


def test_privacy_mode_titles_client_tabs_with_initials(qtbot: Any, sign_in: Any, practice: Any) -> None:
    window = open_desk(qtbot, sign_in("desk.amy"))
    profile = window.open_client(practice.known[1].id)
    qtbot.waitUntil(lambda: profile.data is not None, timeout=5000)
    index = window.desk.indexOf(profile)
    assert window.desk.tabText(index) == "Theodora Vanterpool"
    window.toggle_privacy()
    assert window.desk.tabText(index) == "TV"


def test_front_desk_has_no_treatment_tab_and_cannot_open_treatment_notes(
        qtbot: Any, sign_in: Any, practice: Any) -> None:
    session = sign_in("desk.amy")
    profile = ClientProfile(None, session=session, client_id=practice.known[0].id)
    qtbot.addWidget(profile)
    qtbot.waitUntil(lambda: profile.data is not None, timeout=5000)
    tabs = [profile.tabs.tabText(i) for i in range(profile.tabs.count())]
    assert profile.treatments is None
    assert not [t for t in tabs if "Treatment" in t]
    with pytest.raises(NotAllowedForRole):
        profile.open_treatment_history()
    qtbot.wait(100)
    assert not [t for t in all_visible_text() if TREATMENT_NOTE in t]


def test_a_provider_opens_the_treatment_history(qtbot: Any, sign_in: Any, practice: Any) -> None:
    session = sign_in("np.rivera")
    profile = ClientProfile(None, session=session, client_id=practice.known[0].id)
    qtbot.addWidget(profile)
    qtbot.waitUntil(lambda: profile.data is not None, timeout=5000)
    with qtbot.waitSignal(profile.treatments_did_load, timeout=5000):
        profile.tabs.setCurrentWidget(profile.treatments)
    notes = [profile.treatments.topLevelItem(i).text(3) for i in range(profile.treatments.topLevelItemCount())]
    assert notes == [TREATMENT_NOTE]


def test_the_profile_shows_details_alerts_and_todays_visit(qtbot: Any, sign_in: Any, practice: Any) -> None:
    session = sign_in("desk.amy")
    profile = ClientProfile(None, session=session, client_id=practice.known[0].id)
    qtbot.addWidget(profile)
    qtbot.waitUntil(lambda: profile.data is not None, timeout=5000)
    assert profile.heading.text() == "Marisol Quintanilla"
    assert "Lidocaine" in profile.alerts.text()
    upcoming = profile.appointments.topLevelItem(0)
    assert upcoming.text(0) == "Upcoming (1)" or upcoming.text(0).startswith("Upcoming")
    assert upcoming.childCount() + profile.appointments.topLevelItem(1).childCount() == 1
