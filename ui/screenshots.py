"""``python main.py --screenshot DIR``: the screens rendered to PNG, then exit.

The demo system starts (central API on loopback, seeded with the demo
practice), the desk signs in as the front desk through the real sign-in and
first sync, and the main screens are saved with realistic (invented) data.
Then every screen of the layout check's list (``ui.screen_tour.SCREENS``) is
opened on a seeded desk of its own and saved at 100 % and 150 % as
``DIR/screens/<screen>-100.png`` and ``-150.png`` (``tour_shots``).
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

from medspa_desk.desk.context import SignedIn
from medspa_desk.records import AppointmentStatus
from medspa_desk.store import Store
from ui.qt import QApplication, QGuiApplication, QPixmap, QSize, QWidget

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


def busiest_coming_day(session: SignedIn) -> date:
    """The next open day with bookings, so the schedule shot is not an empty Sunday."""
    from ui.operations import db_worker

    zone = session.zone
    today = datetime.now(zone).date()
    for offset in range(0, 8):
        day = today + timedelta(days=offset)
        if db_worker().run_sync(lambda store, d=day: len(store.day_schedule(session.location.id, d).appointments)):
            return day
    return today


def save_duplicate_choice(window: QWidget, session: SignedIn, client_id: Any, out_dir: Path) -> Path:
    """The question asked when a "new" client is already on file: this visit's client typed in again."""
    from medspa_desk.desk.clients import DuplicateMatch, PossibleDuplicate
    from medspa_desk.records import new_id
    from ui.duplicate_choice import DuplicateClientDialog
    from ui.operations import db_worker

    def matches(store: Store) -> tuple[DuplicateMatch, ...]:
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
    from ui.calls import CallsToReturn, LogCallDialog
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
        window.schedule.show_week(True)  # the first provider's week, then back to the day
        wait_for(lambda: window.schedule.week is not None and window.schedule.week.shown is not None)
        wait_for(lambda: False, timeout_s=0.3)
        written.append(save(window, out_dir / "schedule-week.png"))
        window.schedule.show_week(False)

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
            if profile.contact is not None:
                profile.tabs.setCurrentWidget(profile.contact)
                wait_for(lambda: profile.contact is not None and profile.contact.loaded)
                written.append(save(window, out_dir / "contact-preferences.png"))
                profile.tabs.setCurrentIndex(1)
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
            mover = BookingDialog(session, window, moving=visit, client_name=shown.client_label(
                visit.client_id, privacy=False) if shown else "")
            fit_dialog(mover)
            mover.show()
            wait_for(lambda: False, timeout_s=1.0)
            written.append(save(mover, out_dir / "move-visit.png"))
            mover.close()
            written.append(save_duplicate_choice(window, session, visit.client_id, out_dir))

            calls = ConfirmationCalls(session, parent=window, day=day)
            fit_dialog(calls)
            calls.show()
            wait_for(lambda: calls.entries is not None)
            written.append(save(calls, out_dir / "confirmation-calls.png"))
            calls.close()

            logging = LogCallDialog(session, parent=window, client_id=visit.client_id,
                                    caller_name=profile.data.client.full_name if profile.data else "A client",
                                    callback_number="555-010-6000")
            logging.reason.setPlainText("Asks whether she can bring her visit forward")
            logging.promised.setPlainText("Call back once the schedule is checked")
            logging.show()
            logging.save_button.click()  # through the use case, as a person saves it
            returning = CallsToReturn(session, parent=window)
            fit_dialog(returning)
            returning.show()
            wait_for(lambda: bool(returning.calls))
            written.append(save(returning, out_dir / "calls-to-return.png"))
            returning.close()

            block = BlockTimeDialog(session, parent=window, day=day)  # the front desk's: a provider's break
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
    # Then every screen of the layout check's list, on a seeded desk of its own, at 100 % and 150 %.
    written += tour_shots(out_dir)
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
    from ui.manager.practice import SCREENS, SetupDialog
    from ui.manager.setup_assistant import SetupAssistant
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
    for entity, spec in SCREENS.items():  # the set-up screens, on the demo practice's own set-up
        setup = SetupDialog(desk.session, entity, window)
        fit_dialog(setup)
        setup.show()
        wait_for(lambda setup=setup: setup.panel.lists is not None)
        written.append(save(setup, out_dir / f"setup-{spec.title.lower()}.png"))
        setup.close()
    assistant = SetupAssistant(desk.session, window)
    fit_dialog(assistant)
    assistant.show()
    wait_for(lambda: bool(assistant.steps))
    written.append(save(assistant, out_dir / "setup-assistant.png"))
    assistant.close()
    window.sign_out()
    wait_for(lambda: desk.window is None)
    return written


# --- every screen of the tour, at 100 % and 150 % -------------------------------------------------

# The scalings the tour is shot at: what a 1366×768 laptop shows at 100 % and at 150 %.
TOUR_SCALES = (1.0, 1.5)
TOUR_FOLDER = "screens"


def shot_name(screen: str, scale: float) -> str:
    """``check-in-flagged-150.png`` for "check-in (flagged)" at 150 %."""
    slug = "".join(c if c.isalnum() else "-" for c in screen.lower())
    slug = "-".join(part for part in slug.split("-") if part)
    return f"{slug}-{round(scale * 100)}.png"


def grab_at(widget: QWidget, scale: float) -> QPixmap:
    """``widget`` drawn as a screen at ``scale`` shows it: each logical pixel ``scale`` device pixels
    (fonts and lines drawn at that resolution), so one process shoots 100 % and 150 %."""
    QApplication.processEvents()
    pixmap = QPixmap(round(widget.width() * scale), round(widget.height() * scale))
    pixmap.setDevicePixelRatio(scale)
    pixmap.fill(widget.palette().window().color())
    widget.render(pixmap)
    return pixmap


def tour_shots(out_dir: Path, *, scales: tuple[float, ...] = TOUR_SCALES) -> list[Path]:
    """Every screen of ``ui.screen_tour.SCREENS`` on its seeded scene, sized as on a 1366×768
    laptop at each scaling, saved as ``out_dir/screens/<screen>-<percent>.png``."""
    from ui.layout_check import Display, fit_to
    from ui.screen_fit import laptop_work_area
    from ui.screen_tour import SCREENS, close_window, settle, tour_scene
    from ui.style import desk_style

    folder = out_dir / TOUR_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    displays = [Display(f"{round(s * 100)} %", scale=s) for s in scales]
    with desk_style(), tour_scene() as scene:
        for case in SCREENS:
            for display in displays:
                with laptop_work_area(display.work_area):
                    window = case.open(scene)
                    try:
                        fit_to(window, display)
                        settle()
                        path = folder / shot_name(case.name, display.scale)
                        grab_at(window, display.scale).save(str(path))
                        written.append(path)
                    finally:
                        close_window(window)
    return written
