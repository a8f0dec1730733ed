"""Issue 17, a new practice from nothing (both databases): the operator's CLI makes the practice, its
location and first manager (docs/operations.md); the manager signs in on a fresh workstation, the set-up
assistant opens by itself and is run through the real screens; a visit is booked from the new menu; a
second workstation sees all of it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import time as time_of_day
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pyotp
import pytest
import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_desk.desk.clients import add_client
from medspa_desk.records import WEEKDAYS, AppointmentStatus, Client, utc_now
from medspa_desk.scheduling import local_datetime
from medspa_desk.session import DeskSession
from tests.support.live_api import LiveApi
from tests.ui.conftest import release_worker
from ui.booking import BookingDialog
from ui.desk_backend import DeskBackend
from ui.main_window import MainWindow
from ui.manager.practice import SetupScreen, tick
from ui.operations import db_worker
from ui.qt import QCheckBox, QComboBox, QLineEdit

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "juniper quarry violet 6612"
PRACTICE = "Lakeside Skin"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_server(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    with LiveApi.start(tmp_path / "server", backend=request.param) as live:
        yield live


def operator(live: LiveApi, *args: str) -> str:
    """``medspa-api …`` as the operator runs it, against the server's own database and keys."""
    env = {
        **os.environ,
        "MEDSPA_API_SECRET_KEY": live.settings.secret_key,
        "MEDSPA_API_ENV": "production",
        "MEDSPA_API_DATABASE_URL": live.database_url,
        "MEDSPA_API_NEW_PASSWORD": PASSWORD,
    }
    if live.scratch is not None:
        env.update(
            MEDSPA_API_MIGRATION_URL=live.scratch.owner_url, MEDSPA_API_APP_ROLE=live.scratch.app
        )
    done = subprocess.run(
        [sys.executable, "-m", "medspa_api.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def fill(screen: SetupScreen, **values: Any) -> None:
    for key, value in values.items():
        widget = screen.inputs[key]
        if isinstance(widget, QLineEdit):
            widget.setText(value)
        elif isinstance(widget, QCheckBox):
            widget.setChecked(value)
        elif isinstance(widget, QComboBox):
            index = widget.findText(value)
            assert index >= 0, (key, value)
            widget.setCurrentIndex(index)
        else:
            tick(widget, value)


def on_step(qtbot: Any, assistant: Any) -> SetupScreen:
    """The assistant's current step's screen, once it has read the practice."""
    screen = assistant.stack.currentWidget()
    qtbot.waitUntil(lambda: screen.lists is not None)
    return screen


def save(qtbot: Any, screen: SetupScreen, name: str) -> None:
    screen.save_button.click()
    qtbot.waitUntil(lambda: f"Saved “{name}" in screen.message.text(), timeout=20_000)


def sign_in(live: LiveApi, folder: Path, code: str) -> DeskSession:
    return DeskBackend(folder, ca_path=live.ca_path).sign_in(
        server=live.base_url, tenant=PRACTICE, username="rosa", password=PASSWORD, totp=code
    )


def until(condition: Any, what: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_a_new_practice_is_set_up_from_the_desk_books_a_visit_and_a_second_desk_sees_it_all(
    qtbot: Any, empty_server: LiveApi, tmp_path: Path, signed_in_sessions: list[DeskSession]
) -> None:
    live = empty_server
    # The operator (docs/operations.md, Commands): the practice, its location, its first manager.
    created = operator(live, "create-tenant", PRACTICE)
    tenant_id = UUID(re.search(r"\(([0-9a-f-]{36})\)", created).group(1))
    assert "Created location" in operator(
        live,
        "create-location",
        "--tenant",
        PRACTICE,
        "--name",
        "Harbor Rd",
        "--time-zone",
        "America/Chicago",
    )
    made = operator(
        live,
        "create-user",
        "--tenant",
        PRACTICE,
        "--username",
        "rosa",
        "--display-name",
        "Rosa Marsh",
        "--role",
        "manager",
    )
    totp = pyotp.TOTP(re.search(r"secret=([A-Z2-7]+)", made).group(1))

    session = sign_in(live, tmp_path / "desk-1", totp.now())
    signed_in_sessions.append(session)
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.setup_assistant is not None, timeout=60_000)
    assistant = window.setup_assistant
    qtbot.waitUntil(lambda: bool(assistant.steps))
    assert [s.title for s in assistant.steps] == [
        "Location",
        "Rooms",
        "Staff",
        "Providers",
        "Services",
        "Products",
        "Consent texts",
    ]
    assert assistant.heading.text() == "Step 1 of 7: Location"

    location = on_step(qtbot, assistant)
    fill(
        location,
        address="12 Harbor Rd",
        phone="555-010-2000",
        idle_lock_minutes="10",
        hours_monday="nine to five",
    )
    location.save_button.click()
    qtbot.waitUntil(lambda: "check the fields marked" in location.message.text(), timeout=20_000)
    assert (
        location.problems["hours_monday"].text()
        == 'Type the hours as "09:00-17:00", or leave it empty for closed.'
    )
    fill(
        location,
        **{f"hours_{day}": "08:00-20:00" for day in WEEKDAYS},
    )
    save(qtbot, location, "Harbor Rd")

    # Leaving halfway and coming back starts where the practice stands: nothing was half-saved.
    assistant.later_button.click()
    window.manager_actions[2].trigger()  # Manager → Set-up assistant…
    assistant = window.manager_screen
    qtbot.waitUntil(lambda: bool(assistant.steps))
    assert assistant.steps[0].done and assistant.heading.text() == "Step 2 of 7: Rooms"

    rooms = on_step(qtbot, assistant)
    fill(rooms, name="Room A")
    save(qtbot, rooms, "Room A")
    assistant.next_button.click()
    assert assistant.heading.text() == "Step 3 of 7: Staff"
    assistant.next_button.click()

    providers = on_step(qtbot, assistant)
    fill(
        providers,
        display_name="Rosa Marsh",
        credentials="NP",
        kind="Injector",
        user_id="Rosa Marsh (rosa)",
        **{f"shift_{day}": "09:00-17:00" for day in WEEKDAYS},
    )
    save(qtbot, providers, "Rosa Marsh, NP")
    assistant.next_button.click()

    services = on_step(qtbot, assistant)
    fill(
        services,
        name="Botox",
        category="Neurotoxin",
        duration_min="30",
        buffer_after_min="10",
        price="12.00",
        provider_kinds=["Injector"],
        requires_intake=False,
    )
    save(qtbot, services, "Botox")
    assistant.next_button.click()

    products = on_step(qtbot, assistant)
    fill(
        products,
        name="Botox 100U",
        manufacturer="Allergan",
        category="Neurotoxin",
        unit="Units",
        dose_per_point="4",
        usual_max_per_visit="64",
    )
    save(qtbot, products, "Botox 100U")
    qtbot.waitUntil(lambda: assistant.steps[5].done)
    assert [s.done for s in assistant.steps] == [True, True, False, True, True, True, False]
    assistant.next_button.click()
    assistant.next_button.click()  # Finish
    assert not assistant.isVisible()

    # A visit booked from the new menu, through the booking dialog.
    store = db_worker()
    client = Client(
        first_name="Ines", last_name="Calder", birth_date=utc_now().date().replace(year=1990)
    )
    store.run_sync(lambda s: add_client(s, actor=session.actor, client=client))
    day = (utc_now() + timedelta(days=8)).astimezone(session.location.zone).date()
    dialog = BookingDialog(
        session,
        starts_at=local_datetime(day, time_of_day(10), session.location.zone),
        client_id=client.id,
        client_name="Ines Calder",
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(
        lambda: dialog.service.count() > 0 and dialog.conflicts.text() != "", timeout=20_000
    )
    assert (
        dialog.service.currentText().startswith("Botox")
        and dialog.provider.currentText() == "Rosa Marsh, NP"
    )
    with qtbot.waitSignal(dialog.booked, timeout=20_000):
        dialog.save_button.click()
    until(
        lambda: store.run_sync(lambda s: s.outbox_batch(100)) == [], "the desk to push its writes"
    )
    window.locker.stop()
    window.close()
    release_worker()
    session.sign_out()
    signed_in_sessions.remove(session)

    # A second workstation: everything arrives from the server.
    second = sign_in(live, tmp_path / "desk-2", totp.at(time.time() + 30))
    signed_in_sessions.append(second)

    def arrived() -> bool:
        return bool(
            store.run_sync(
                lambda s: [
                    a for loc in s.locations() for a in s.day_schedule(loc.id, day).appointments
                ]
            )
        )

    until(arrived, "the second desk to pull the practice")
    seen = store.run_sync(
        lambda s: (
            s.locations(),
            [r.name for loc in s.locations() for r in s.rooms(loc.id)],
            s.providers(),
            s.services(),
            s.products(),
            s.shifts(),
            [a for loc in s.locations() for a in s.day_schedule(loc.id, day).appointments],
        )
    )
    locations, room_names, provider_list, service_list, product_list, shift_list, appointments = (
        seen
    )
    assert [
        (loc.name, loc.address, loc.idle_lock_minutes, len(loc.opening_hours)) for loc in locations
    ] == [("Harbor Rd", "12 Harbor Rd", 10, 7)]
    assert room_names == ["Room A"]
    assert [(p.display_name, p.credentials, p.user_id) for p in provider_list] == [
        ("Rosa Marsh", "NP", second.user.id)
    ]
    assert len(shift_list) == 7
    assert [(s.name, s.price_cents, s.buffer_after_min) for s in service_list] == [
        ("Botox", 1200, 10)
    ]
    assert [(p.name, p.dose_per_point, p.usual_max_per_visit) for p in product_list] == [
        ("Botox 100U", 4.0, 64.0)
    ]
    [visit] = appointments
    assert (visit.client_id, visit.service_name, visit.status) == (
        client.id,
        "Botox",
        AppointmentStatus.BOOKED,
    )
    # Every set-up change reached the server's audit trail under the manager's name.
    with live.database.transaction(tenant_id, write=False) as conn:
        entities = {
            row.entity
            for row in conn.execute(
                sa.select(t.audit.c.entity).where(t.audit.c.actor_user_id == second.user.id)
            )
        }
    assert {"location", "room", "provider", "shift", "service", "product"} <= entities
