"""``python main.py --screenshot DIR``: the main screens rendered to PNG, then exit.

The demo system starts (central API on loopback, seeded with the demo
practice), the desk signs in as the front desk through the real sign-in and
first sync, and every screen is saved with realistic (invented) data.
Works under ``QT_QPA_PLATFORM=offscreen``; set ``QT_SCALE_FACTOR`` to see 125%
or 150%. The window is sized as on a 1366×768 laptop at that scaling (910×512
logical pixels at 150%), so each PNG is what the laptop's user sees; dialogs
are as big as they ask for, but never bigger than that screen.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from medspa_desk.records import AppointmentStatus
from ui.qt import QApplication, QGuiApplication, QSize, QWidget

# The first sync of the demo practice, on a slow machine.
FIRST_SYNC_TIMEOUT_S = 240.0
# Printed once the first sync is done, with what reached the encrypted cache (the package smoke reads it).
FIRST_SYNC_MARKER = "first sync done: "
# The smallest screen a front desk is likely to have, in device pixels.
LAPTOP_SCREEN = (1366, 768)


def laptop_screen() -> QSize:
    """The laptop screen in logical pixels at the scaling the app runs with (``QT_SCALE_FACTOR``)."""
    screen = QGuiApplication.primaryScreen()
    ratio = screen.devicePixelRatio() if screen is not None else 1.0
    width, height = LAPTOP_SCREEN
    return QSize(round(width / ratio), round(height / ratio))


def fit_dialog(dialog: QWidget) -> None:
    """The size a dialog asks for, bounded by the laptop screen (a bigger minimum is reported)."""
    screen = laptop_screen()
    wanted = dialog.sizeHint().expandedTo(dialog.minimumSize())
    minimum = dialog.minimumSizeHint().expandedTo(dialog.minimumSize())
    if minimum.width() > screen.width() or minimum.height() > screen.height():
        print(f"{dialog.windowTitle()}: needs at least {minimum.width()}×{minimum.height()} logical px, "
              f"more than the {screen.width()}×{screen.height()} of the laptop screen", flush=True)
    dialog.resize(wanted.boundedTo(screen))


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


def first_sync_reached() -> dict[str, int]:
    """The change the first sync pulled up to, and how many clients the encrypted cache holds."""
    from ui.operations import db_worker

    return db_worker().run_sync(lambda store: {
        "cursor": store.pull_cursor(),
        "clients": store.connection.execute("SELECT count(*) FROM clients").fetchone()[0]})


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


def save_duplicate_choice(window: QWidget, session: Any, client_id: Any, out_dir: Path) -> Path:
    """The question asked when a "new" client is already on file: this visit's client typed in again."""
    from medspa_desk.desk.clients import DuplicateMatch, PossibleDuplicate
    from medspa_desk.records import new_id
    from ui.duplicate_choice import DuplicateClientDialog
    from ui.operations import db_worker

    def matches(store: Any) -> tuple[DuplicateMatch, ...]:
        twin = store.client(client_id, actor=session.actor).model_copy(update={"id": new_id()})
        return tuple(DuplicateMatch(client=hit, why=why) for hit, why in store.possible_duplicates(twin))

    choice = DuplicateClientDialog(window, asked=PossibleDuplicate(db_worker().run_sync(matches)))
    fit_dialog(choice)
    choice.show()
    wait_for(lambda: False, timeout_s=0.3)
    shot = save(choice, out_dir / "duplicate-client.png")
    choice.close()
    return shot


def render_all(out_dir: Path, *, desk_app: Callable[..., Any], scale: Any = None) -> list[Path]:
    """Every screen to ``out_dir``; ``scale`` sizes the demo practice (None: the demo's own).

    ``desk_app`` is :class:`ui.app.DeskApp` (passed in, so this module does not import ui.app).
    """
    from ui.booking import BookingDialog
    from ui.checkin import CheckInDialog
    from ui.confirmations import ConfirmationCalls
    from ui.demo import FRONT_DESK, MANAGER, DemoSystem
    from ui.schedule.block_time import BlockTimeDialog

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    system = DemoSystem.start(scale=scale)
    try:
        desk = desk_app(system.backend, server=system.server.base_url, tenant=system.server.tenant,
                        username=FRONT_DESK, password=system.server.password, notes=system.notes())
        desk.sign_in.resize(QSize(600, 500).boundedTo(laptop_screen()))
        desk.show_sign_in()
        wait_for(lambda: bool(desk.sign_in.notes.text()))
        written.append(save(desk.sign_in, out_dir / "sign-in.png"))
        written.append(enrolment_shot(out_dir, parent=desk.sign_in))

        desk.sign_in.submit()
        if not wait_for(lambda: desk.window is not None and desk.window.schedule is not None,
                        timeout_s=FIRST_SYNC_TIMEOUT_S):
            raise RuntimeError("the demo desk did not finish its first sync: " + desk.sign_in.message.text())
        window, session = desk.window, desk.session
        print(FIRST_SYNC_MARKER + json.dumps(first_sync_reached()), flush=True)
        window.resize(laptop_screen())
        day = busiest_coming_day(session)
        window.schedule.go_to(day)
        wait_for(lambda: window.schedule.shown is not None and window.schedule.shown.day == day
                 and window.schedule.arrivals.table.rowCount() > 0)
        # Again once the day is shown: the first-sync page and status may have held the window wider.
        window.resize(laptop_screen())
        if window.width() > laptop_screen().width():
            print(f"The main window needs {window.width()} logical px, wider than the laptop screen", flush=True)
        written.append(save(window, out_dir / "schedule.png"))

        shown = window.schedule.shown
        appointments = list(shown.appointments) if shown else []
        visit = next((a for a in appointments
                      if a.status in (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)),
                     appointments[0] if appointments else None)
        if visit is not None:
            profile = window.open_client(visit.client_id)
            wait_for(lambda: profile is not None and profile.data is not None)
            profile.tabs.setCurrentIndex(1)
            written.append(save(window, out_dir / "client-profile.png"))
            profile.edit_client()
            fit_dialog(profile.editor)
            wait_for(lambda: False, timeout_s=0.5)
            written.append(save(profile.editor, out_dir / "client-edit.png"))
            profile.editor.reject()
            window.desk.setCurrentIndex(0)

            booking = BookingDialog(session, window, starts_at=visit.starts_at + timedelta(hours=2),
                                    provider_id=visit.provider_id)
            fit_dialog(booking)
            booking.show()
            wait_for(lambda: False, timeout_s=1.0)
            written.append(save(booking, out_dir / "booking.png"))
            booking.close()
            written.append(save_duplicate_choice(window, session, visit.client_id, out_dir))

            calls = ConfirmationCalls(session, parent=window, day=day)
            fit_dialog(calls)
            calls.show()
            wait_for(lambda: calls.entries is not None)
            written.append(save(calls, out_dir / "confirmation-calls.png"))
            calls.close()

            block = BlockTimeDialog(session, parent=window, day=day)  # a manager's screen, shown as it looks
            fit_dialog(block)
            block.show()
            wait_for(lambda: block.holder.count() > 0)
            written.append(save(block, out_dir / "block-time.png"))
            block.close()

            check_in = CheckInDialog(session, appointment_id=visit.id, parent=window)
            fit_dialog(check_in)
            check_in.show()
            wait_for(lambda: check_in.data is not None)
            wait_for(lambda: False, timeout_s=0.5)
            written.append(save(check_in, out_dir / "check-in.png"))
            check_in.close()

        window.locker.lock("shortcut")
        wait_for(lambda: window.lock_view is not None)
        written.append(save(window, out_dir / "lock.png"))
        window.sign_out()
        wait_for(lambda: desk.window is None)  # signing out runs off the GUI thread; let it end
        written += manager_shots(desk, out_dir, username=MANAGER, password=system.server.password)
    finally:
        system.stop()
    return written


# --- the Manager screens and the first authenticator set-up --------------------------------


def enrolment_shot(out_dir: Path, *, parent: QWidget | None = None) -> Path:
    """The one-time authenticator set-up, with an invented key (the real one is shown to its person only)."""
    from ui.enrolment import EnrolmentDialog

    secret = base64.b32encode(os.urandom(20)).decode()
    answer = type("Answer", (), {"secret": secret, "totp_uri": f"otpauth://totp/Medspa%20Desk:newcomer?secret={secret}"
                                                                "&issuer=Medspa%20Desk"})()
    dialog = EnrolmentDialog(answer, parent)
    fit_dialog(dialog)
    dialog.show()
    try:
        return save(dialog, out_dir / "enrolment.png")
    finally:
        dialog.close()


def manager_shots(desk: Any, out_dir: Path, *, username: str, password: str) -> list[Path]:
    """Sign ``username`` (a manager) in through the sign-in window and save each Manager screen."""
    from ui.manager.staff import StaffDialog
    from ui.manager.workstations import WorkstationsDialog

    desk.sign_in.username.setText(username)
    desk.sign_in.password.setText(password)
    desk.sign_in.submit()
    if not wait_for(lambda: desk.window is not None and desk.window.schedule is not None, timeout_s=120.0):
        print("the manager did not sign in for the Manager screenshots: " + desk.sign_in.message.text(), flush=True)
        return []
    window = desk.window
    staff = StaffDialog(desk.session, window)
    fit_dialog(staff)
    staff.show()
    wait_for(lambda: bool(staff.members))
    written = [save(staff, out_dir / "staff.png")]
    staff.close()
    workstations = WorkstationsDialog(desk.session, window)
    fit_dialog(workstations)
    workstations.show()
    wait_for(lambda: bool(workstations.listed))
    written.append(save(workstations, out_dir / "workstations.png"))
    workstations.close()
    window.sign_out()
    wait_for(lambda: desk.window is None)
    return written
