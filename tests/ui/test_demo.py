"""``--demo``: the central API on loopback, seeded, and the desk signed in to it for real."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from medspa_demo.model import Scale
from medspa_demo.practice import generate_practice
from tests.ui.conftest import release_worker
from ui.app import DeskApp
from ui.demo import FRONT_DESK, PROVIDER, start_demo
from ui.operations import db_worker
from ui.screenshots import busiest_coming_day

# A small practice keeps the test short; the seeding and sync code is the demo's own.
TEST_SCALE = Scale(clients=150, providers=3, rooms=2, months_back=1, months_ahead=1)
FIRST_SYNC_TIMEOUT_MS = 120_000


@pytest.fixture
def demo(qapp: Any) -> Iterator[Any]:
    desk = start_demo(desk_app=DeskApp, scale=TEST_SCALE)
    yield desk
    if desk.window is not None:
        desk.window.locker.stop()
        desk.window.close()
    desk.shut_down()
    release_worker()


def test_the_demo_signs_in_as_the_front_desk_and_shows_the_synced_schedule(qtbot: Any, demo: Any) -> None:
    qtbot.addWidget(demo.sign_in)
    demo.show_sign_in()
    assert f"front desk: {FRONT_DESK}" in "\n".join(demo.sign_in.extra_notes)
    qtbot.waitUntil(lambda: demo.window is not None and demo.window.schedule is not None,
                    timeout=FIRST_SYNC_TIMEOUT_MS)
    window, session = demo.window, demo.session
    qtbot.addWidget(window)
    assert session.user.username == FRONT_DESK and session.sync is not None
    assert session.pin_available  # the demo PIN, so the lock screen can be tried
    assert demo.backend.is_set_up()
    qtbot.waitUntil(lambda: "Online" in window.status.connection.text(), timeout=30_000)

    day = busiest_coming_day(session)
    window.schedule.go_to(day)
    qtbot.waitUntil(lambda: window.schedule.shown is not None and window.schedule.shown.day == day
                    and len(window.schedule.shown.appointments) > 0, timeout=15_000)
    # Every client of the seeded practice reached this desk's encrypted cache through the first sync.
    seeded = generate_practice(scale=TEST_SCALE)
    cached = db_worker().run_sync(lambda store: store.connection.execute("SELECT count(*) FROM clients").fetchone()[0])
    assert cached == len(seeded.clients)
    assert window.windowTitle() == f"Medspa Desk — {session.location.name}"


def test_a_person_can_sign_in_to_the_demo_as_a_provider(qtbot: Any, qapp: Any) -> None:
    desk = start_demo(desk_app=DeskApp, scale=TEST_SCALE, sign_in_now=False)
    try:
        qtbot.addWidget(desk.sign_in)
        desk.show_sign_in()
        desk.sign_in.username.setText(PROVIDER)
        with qtbot.waitSignal(desk.sign_in.signed_in, timeout=FIRST_SYNC_TIMEOUT_MS) as signed:
            desk.sign_in.submit()  # the demo types the six-digit code when the server asks
        session = signed.args[0]
        assert session.user.username == PROVIDER and session.actor.role.value == "provider"
        assert session.sync is not None
        desk.window.locker.stop()
    finally:
        if desk.window is not None:
            desk.window.close()
        desk.shut_down()
        release_worker()


def test_the_demo_server_runs_in_its_own_process_and_ends_when_its_pipe_closes(tmp_path: Any) -> None:
    import socket
    import threading
    from urllib.parse import urlsplit

    from ui.demo import DemoServerProcess

    server = DemoServerProcess.start(tmp_path / "server", scale=TEST_SCALE)
    try:
        assert server.process.poll() is None
        # Its page building never holds this process's interpreter lock: no server thread here.
        assert not any(thread.name == "demo-api" for thread in threading.enumerate())
        address = urlsplit(server.base_url)
        with socket.create_connection((address.hostname, address.port), timeout=5):
            pass
    finally:
        server.process.stdin.close()  # what the app's end does to the pipe, however it ends
    assert server.process.wait(timeout=30) == 0
    server.stop()
    with pytest.raises(OSError):  # nothing listens there any more
        socket.create_connection((address.hostname, address.port), timeout=5).close()


def test_demo_scale_sizes_the_demo_practice_and_refuses_what_it_does_not_know() -> None:
    from medspa_demo.server import parse_scale
    from ui.app import parse_args

    args = parse_args(["--screenshot", "shots", "--demo-scale", '{"clients": 3000, "months_back": 9}'])
    assert parse_scale(args.demo_scale) == Scale(clients=3000, months_back=9)
    assert parse_scale("") is None  # the demo's own practice
    for wrong, said in (('{"patients": 3}', "does not know patients"), ('{"clients": -1}', "whole number"),
                        ('{"consents": 1}', "true or false"), ("[3000]", "JSON object"),
                        ('{"clients": ' + "9" * 2000 + "}", "longer than")):
        with pytest.raises(ValueError, match=said):
            parse_scale(wrong)


def test_a_scale_the_demo_server_refuses_reaches_the_person_as_its_reason(tmp_path: Any) -> None:
    """The desk does not import the demo's package: the child process says why, and the desk repeats it."""
    from ui.demo import DemoRefused, DemoServerProcess

    with pytest.raises(DemoRefused, match="does not know patients; it knows clients"):
        DemoServerProcess.start(tmp_path / "server", scale='{"patients": 3}')
    assert not (tmp_path / "server" / "central-api.db").exists()


def test_the_desk_reads_the_lines_the_demo_server_prints() -> None:
    """ui.demo keeps its own copy of the two markers (it may not import medspa_demo): they agree."""
    from medspa_demo import server
    from ui import demo

    assert (demo.SERVING_MARKER, demo.REFUSED_MARKER) == (server.SERVING_MARKER, server.REFUSED_MARKER)


def test_the_app_says_why_the_demo_will_not_start_and_exits_2(tmp_path: Any) -> None:
    """``main.py --screenshot DIR --demo-scale …``: the child's reason, in plain words, no traceback."""
    main = Path(__file__).resolve().parents[2] / "main.py"
    done = subprocess.run([sys.executable, str(main), "--screenshot", str(tmp_path / "shots"), "--data-dir",
                           str(tmp_path / "desk"), "--demo-scale", '{"clients": -1}'],
                          capture_output=True, text=True, timeout=180, check=False,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 2, done.stderr[-2000:]
    assert "medspa-desk: --demo-scale's clients must be a whole number from 0 to 1,000,000" in done.stderr
    assert "Traceback" not in done.stderr
    assert not list((tmp_path / "shots").glob("*.png"))
