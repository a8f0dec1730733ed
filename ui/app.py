"""Starting the desktop app: ``python main.py [--demo] [--screenshot DIR] [--data-dir DIR]``.

Start-up does the least it can before the sign-in window shows (the main
window, the schedule and the session are imported after sign-in), so the
window is up fast on a cold start. The workstation's folder is the platform's
data folder (``medspa_desk.workstation.default_directory()``) unless
``--data-dir`` says otherwise; the PHI-free log lives in its ``logs`` folder.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ui.collector import freeze_long_lived
from ui.qt import QApplication, QObject, QTimer

if TYPE_CHECKING:
    from medspa_desk.session import DeskSession

log = logging.getLogger(__name__)

# Printed by --report-start-up once the sign-in window has been shown (benchmarks read it).
SHOWN_MARKER = "sign-in window shown"
UNEXPECTED = ("Something went wrong in Medspa Desk. Nothing you saved was lost. If it happens again, "
              "tell your manager; the details are in this workstation's log.")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="medspa-desk", description="Medspa Desk, the front desk app.")
    parser.add_argument("--demo", action="store_true",
                        help="run the whole system on this computer with a sample practice, no set-up")
    parser.add_argument("--screenshot", metavar="DIR",
                        help="render the main screens (through the demo) to PNG files in DIR and exit")
    parser.add_argument("--data-dir", metavar="DIR", help="this workstation's data folder")
    parser.add_argument("--ca-file", metavar="PEM",
                        help="the certificate authority that signed the server's certificate, when it "
                             "is not one the system already trusts (asked only at first set-up)")
    parser.add_argument("--certificate-of-destruction", metavar="FOLDER",
                        help="make the certificate of destruction in FOLDER again (where End of contract saved it), "
                             "with the workstations that have confirmed their wipe since, and exit")
    parser.add_argument("--report-start-up", action="store_true", help=argparse.SUPPRESS)
    # The demo practice's sizes for --demo and --screenshot, as JSON; the demo's server checks them.
    parser.add_argument("--demo-scale", default="", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


class DeskApp(QObject):
    """Sign-in window ↔ main window, for as long as the app runs."""

    def __init__(self, backend: Any, *, server: str = "", tenant: str = "", username: str = "",
                 password: str = "", notes: list[str] | None = None,
                 on_quit: Callable[[], None] | None = None) -> None:
        super().__init__()
        from ui.sign_in import SignInWindow

        self.backend = backend
        self.window: Any = None
        self.session: DeskSession | None = None
        self.demo: Any = None
        self.pin_dialog: Any = None
        self._on_quit = on_quit
        self.sign_in = SignInWindow(backend, server=server, tenant=tenant, username=username,
                                    extra_notes=notes)
        if password:
            self.sign_in.password.setText(password)
        self.sign_in.signed_in.connect(self.open_desk)

    def show_sign_in(self) -> None:
        self.sign_in.refresh_set_up()
        self.sign_in.refresh_notes()
        self.sign_in.show()
        self.sign_in.raise_()
        self.sign_in.focus_first_empty()

    def open_desk(self, session: DeskSession) -> None:
        from ui.main_window import MainWindow

        self.session = session
        self.window = MainWindow(session)
        self.window.signed_out.connect(self._signed_out)
        self.window.switch_user_requested.connect(lambda: self._handed_over(session))
        self.sign_in.hide()
        self.window.show()
        freeze_long_lived()  # the desk's windows and views live as long as the session
        if not session.pin_available:
            QTimer.singleShot(0, self.offer_pin)

    def offer_pin(self) -> None:
        from ui.sign_in import SetPinDialog

        if self.window is None or self.window.locker.locked:
            return
        self.pin_dialog = SetPinDialog(self.session, self.window)
        self.pin_dialog.open()

    def _handed_over(self, session: DeskSession) -> None:
        """The next person to sign in takes over from this one: audited as a switch."""
        self.backend.handed_over_by = session.user.id

    def _signed_out(self) -> None:
        if self.window is not None:
            # The window closed itself; deleted too, so no hidden window of the last person (its
            # application-wide shortcuts, its views) outlives their session.
            self.window.deleteLater()
        self.window = None
        self.session = None
        self.show_sign_in()

    def shut_down(self) -> None:
        """Quit: lock the session (store closed, key wiped) and stop sync; keep the sign-in for next time.

        Closing the main window has usually done both (see ``MainWindow.closeEvent``). When the app
        ends another way, sync is stopped on the network pool and not waited for: its threads end
        with the process, and a push cut short is sent again at the next start.
        """
        from medspa_desk.switching import drop_every_warm_seat
        from ui.operations import db_worker, network_pool

        drop_every_warm_seat()  # a PIN brings nobody back into a new run of the app
        session, self.session = self.session, None
        if session is not None:
            try:
                db_worker().run_sync(lambda _store: session.lock())
            except Exception as exc:
                log.error("locking at quit failed: %s", type(exc).__name__)
            if session.sync is not None:
                network_pool().submit(session.stop_sync)
        if self._on_quit is not None:
            self._on_quit()


def _certificate_of_destruction(folder: Path) -> int:
    """No window: the practice is gone, and so is every workstation's sign-in."""
    from medspa_desk.desk.end_of_contract import ExportNotReady, refresh_certificate
    from medspa_desk.sync.errors import SyncError

    try:
        saved = refresh_certificate(folder)
    except (ExportNotReady, SyncError) as exc:
        print(f"medspa-desk: {getattr(exc, 'message', None) or exc}", file=sys.stderr)
        return 2
    total = len(saved.certificate.workstations)
    print(f"{saved.pdf}: {saved.confirmed} of {total} workstations have confirmed their wipe.")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.certificate_of_destruction:
        return _certificate_of_destruction(Path(args.certificate_of_destruction))
    directory = Path(args.data_dir) if args.data_dir else _data_dir()
    _configure_logging(directory)
    from medspa_desk.vault import disable_core_dumps

    disable_core_dumps()
    install_excepthook()
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("Medspa Desk")
    app.setOrganizationName("Medspa Desk")
    from ui.locale_time import use_system_clock
    from ui.style import apply_style

    apply_style(app)
    use_system_clock()
    if args.screenshot:
        from ui.demo import DemoRefused
        from ui.screenshots import render_all

        try:
            for path in render_all(Path(args.screenshot), desk_app=DeskApp, scale=args.demo_scale):
                print(path)
        except DemoRefused as exc:
            print(f"medspa-desk: {exc}", file=sys.stderr)
            return 2
        finally:
            _shutdown()
        return 0
    from ui.os_session import os_session_watcher

    os_session_watcher().start()  # in the background: a silent bus never delays the sign-in window
    if args.demo:
        from ui.demo import DemoRefused, start_demo

        try:
            desk = start_demo(desk_app=DeskApp, scale=args.demo_scale)
        except DemoRefused as exc:
            os_session_watcher().stop()
            _shutdown()
            print(f"medspa-desk: {exc}", file=sys.stderr)
            return 2
    else:
        from ui.desk_backend import DeskBackend

        desk = DeskApp(DeskBackend(directory, ca_path=args.ca_file))
    desk.show_sign_in()
    freeze_long_lived()  # start-up's modules, classes and windows live as long as the app
    if args.report_start_up:
        QTimer.singleShot(0, lambda: (print(SHOWN_MARKER, flush=True), app.quit()))
    code = app.exec()
    os_session_watcher().stop()
    desk.shut_down()
    _shutdown()
    return code


def _data_dir() -> Path:
    from medspa_desk.workstation import default_directory

    return default_directory()


def _configure_logging(directory: Path) -> None:
    """The PHI-free log file; if it cannot be opened, the same PHI-free lines on stderr.

    Never ``logging.basicConfig``: its plain formatter prints exception messages,
    and a validation error quotes the input it refused (a client's name).
    """
    from medspa_desk.logs import PhiFreeFormatter, configure
    from medspa_desk.workstation import Workstation

    try:
        configure(Workstation(directory).log_dir)
    except OSError as exc:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(PhiFreeFormatter())
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.WARNING)
        log.warning("the log file cannot be opened (%s); logging to standard error", type(exc).__name__)


def install_excepthook() -> None:
    """An error nobody caught: the PHI-free log gets the trace, the person a plain sentence."""
    sys.excepthook = _unexpected
    threading.excepthook = lambda hook: log.error(
        "unexpected error in thread %s: %s", getattr(hook.thread, "name", "?"), hook.exc_type.__name__,
        exc_info=(hook.exc_type, hook.exc_value or hook.exc_type(), hook.exc_traceback))


def _unexpected(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, trace)
        return
    # The log's formatter keeps files, lines and functions and drops the message (it may hold PHI).
    log.error("unexpected error: %s", kind.__name__, exc_info=(kind, error, trace))
    if QApplication.instance() is None:
        print(UNEXPECTED, file=sys.stderr)
        return
    from ui.qt import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Warning, "Medspa Desk", UNEXPECTED)
    box.setAccessibleName("Problem")
    box.open()


def _shutdown() -> None:
    from ui.operations import db_worker

    worker = db_worker()
    worker.detach(close=True)
    worker.stop()
