"""``python main.py --screenshot DIR``: the main screens rendered to PNG, then exit.

A throwaway workstation is seeded with the demo practice and signed in
offline as the front desk, so every screen shows realistic (invented) data.
Works under ``QT_QPA_PLATFORM=offscreen``; set ``QT_SCALE_FACTOR`` to see 125%
or 150%.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from medspa_desk.records import AppointmentStatus
from ui.qt import QApplication, QSize, QWidget

SCREEN_CLIENTS = 400


def wait_for(condition: Callable[[], bool], *, timeout_s: float = 20.0) -> bool:
    """Run the event loop until ``condition()`` holds (the worker answers asynchronously)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        QApplication.processEvents()
        if condition():
            return True
        time.sleep(0.01)
    return False


def save(widget: QWidget, path: Path) -> Path:
    QApplication.processEvents()
    widget.grab().save(str(path))
    return path


def busiest_coming_day(session: Any) -> date:
    """The next open day with bookings, so the schedule shot is not an empty Sunday."""
    from ui.operations import db_worker

    zone = session.zone
    today = datetime.now(zone).date()
    for offset in range(0, 8):
        day = today + timedelta(days=offset)
        if db_worker().run_sync(lambda store, d=day: len(store.day_schedule(session.location.id, d).appointments)):
            return day
    return today


def render_all(out_dir: Path) -> list[Path]:
    from ui.demo import OfflineSignIn, demo_notes, prepare_offline_workstation
    from ui.lock import LockPolicy
    from ui.main_window import MainWindow
    from ui.operations import db_worker
    from ui.schedule import DayScheduleView
    from ui.sign_in import SignInWindow

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    directory = Path(tempfile.mkdtemp(prefix="medspa-desk-shots-"))
    workstation = prepare_offline_workstation(directory, clients=SCREEN_CLIENTS)
    backend = OfflineSignIn(directory)

    sign_in = SignInWindow(backend, tenant="glow-aesthetics", username=workstation.front_desk,
                           extra_notes=demo_notes(workstation))
    sign_in.resize(560, 560)
    sign_in.show()
    wait_for(lambda: bool(sign_in.notes.text()))
    written.append(save(sign_in, out_dir / "sign-in.png"))
    sign_in.close()

    session = backend.sign_in(username=workstation.front_desk,
                              password=workstation.credentials[workstation.front_desk])
    db_worker().attach(session.store)
    day = busiest_coming_day(session)
    window = MainWindow(session, policy=LockPolicy(idle_minutes=60),
                        schedule_factory=lambda parent, s: DayScheduleView(s, parent, day=day))
    window.resize(1366, 860)
    window.show()
    wait_for(lambda: window.schedule.shown is not None and window.schedule.arrivals.table.rowCount() > 0)
    written.append(save(window, out_dir / "schedule.png"))

    shown = window.schedule.shown
    appointments = list(shown.appointments) if shown else []
    visit = next((a for a in appointments if a.status in (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)),
                 appointments[0] if appointments else None)
    if visit is not None:
        profile = window.open_client(visit.client_id)
        wait_for(lambda: profile is not None and profile.data is not None)
        profile.tabs.setCurrentIndex(1)
        written.append(save(window, out_dir / "client-profile.png"))
        window.desk.setCurrentIndex(0)

        from ui.booking import BookingDialog
        from ui.checkin import CheckInDialog

        booking = BookingDialog(session, window, starts_at=visit.starts_at + timedelta(hours=2),
                                provider_id=visit.provider_id)
        booking.resize(booking.sizeHint().expandedTo(QSize(640, 640)))
        booking.show()
        wait_for(lambda: False, timeout_s=1.0)
        written.append(save(booking, out_dir / "booking.png"))
        booking.close()

        check_in = CheckInDialog(session, appointment_id=visit.id, parent=window)
        check_in.resize(check_in.sizeHint().expandedTo(QSize(780, 560)))
        check_in.show()
        wait_for(lambda: check_in.data is not None)
        wait_for(lambda: False, timeout_s=0.5)
        written.append(save(check_in, out_dir / "check-in.png"))
        check_in.close()

    window.locker.lock("shortcut")
    wait_for(lambda: window.lock_view is not None)
    written.append(save(window, out_dir / "lock.png"))
    window.sign_out()
    return written
