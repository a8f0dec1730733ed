"""Issue 15: each inbox row names whose conflict it is: the client, and for a visit its date,
time and provider, so two "Double booking" rows can be told apart."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pytestqt.qtbot import QtBot

from medspa_desk.time_words import time_of_day
from tests.ui.schedule.desk import Desk, desk  # noqa: F401 (fixture)
from tests.ui.screens import seed_scene
from ui.conflicts import ConflictInbox
from ui.events import bus


def _rows(qtbot: QtBot, desk: Desk) -> list[str]:  # noqa: F811
    inbox = ConflictInbox(None, session=desk)
    qtbot.addWidget(inbox)
    qtbot.waitUntil(lambda: inbox.list.count() == 3)
    return [inbox.list.item(i).text() for i in range(inbox.list.count())]


def test_rows_name_the_client_the_visit_and_the_changed_field(qtbot: QtBot, desk: Desk, tmp_path: Path) -> None:  # noqa: F811
    seed_scene(desk, workstation=tmp_path)  # a double booking of Gia Hale, Marisol's phone, Hope Irwin refused
    double, field, refused = _rows(qtbot, desk)
    visit = desk.at(desk.today + timedelta(days=1), 10).astimezone(desk.zone)  # Gia's refused booking
    assert double.startswith(f"Double booking — Gia Hale, {visit:%a %b} {visit.day} at {time_of_day(visit)} "
                             "with Dana Reyes: ")
    assert field.startswith("Changed on two desks — Marisol Quintanilla (phone): ")
    assert refused.startswith("Not accepted by the server — Hope Irwin: ")
    assert refused.count("Hope Irwin") == 1  # named once, not again at the start of the reason


def test_in_privacy_mode_rows_name_initials_only(qtbot: QtBot, desk: Desk, tmp_path: Path) -> None:  # noqa: F811
    seed_scene(desk, workstation=tmp_path)
    bus.set_privacy_mode(True)
    try:
        rows = _rows(qtbot, desk)
    finally:
        bus.set_privacy_mode(False)
    assert rows[0].startswith("Double booking — GH, ") and rows[1].startswith("Changed on two desks — MQ (phone)")
    assert all("Quintanilla" not in row and "Hale" not in row for row in rows)
