"""Starting the desktop app: ``python main.py [--demo] [--screenshot DIR]``.

Start-up does the least it can before the sign-in window shows (the main
window, the schedule and the store are imported after sign-in), so the window
is up fast on a cold start.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from ui.qt import QApplication, QObject, QTimer

log = logging.getLogger(__name__)

# Printed by --report-start-up once the sign-in window has been shown (benchmarks read it).
SHOWN_MARKER = "sign-in window shown"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="medspa-desk", description="Medspa Desk, the front desk app.")
    parser.add_argument("--demo", action="store_true",
                        help="run with a sample practice and no set-up")
    parser.add_argument("--screenshot", metavar="DIR",
                        help="render the main screens to PNG files in DIR and exit")
    parser.add_argument("--data-dir", metavar="DIR", help="this workstation's data folder")
    parser.add_argument("--report-start-up", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


class DeskApp(QObject):
    """Sign-in window ↔ main window, for as long as the app runs."""

    def __init__(self, backend: Any, *, server: str = "", tenant: str = "", username: str = "",
                 password: str = "", notes: list[str] | None = None) -> None:
        super().__init__()
        from ui.sign_in import SignInWindow

        self.backend = backend
        self.window: Any = None
        self.sign_in = SignInWindow(backend, server=server, tenant=tenant, username=username,
                                    extra_notes=notes)
        if password:
            self.sign_in.password.setText(password)
        self.sign_in.signed_in.connect(self.open_desk)

    def show_sign_in(self) -> None:
        self.sign_in.show()
        self.sign_in.raise_()
        self.sign_in.focus_first_empty()

    def open_desk(self, session: Any) -> None:
        from ui.main_window import MainWindow
        from ui.operations import db_worker

        db_worker().attach(session.store)
        self.window = MainWindow(session)
        self.window.signed_out.connect(self._signed_out)
        self.sign_in.hide()
        self.window.show()

    def _signed_out(self) -> None:
        self.window = None
        self.show_sign_in()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    _configure_logging(args)
    from medspa_desk.vault.secrets import disable_core_dumps

    disable_core_dumps()
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("Medspa Desk")
    app.setOrganizationName("Medspa Desk")
    from ui.style import apply_style

    apply_style(app)
    if args.screenshot:
        from ui.screenshots import render_all

        written = render_all(Path(args.screenshot))
        for path in written:
            print(path)
        return 0
    if args.demo:
        from ui.demo import start_demo

        desk = start_demo()
    else:
        desk = DeskApp(_backend(args))
    desk.show_sign_in()
    if args.report_start_up:
        QTimer.singleShot(0, lambda: (print(SHOWN_MARKER, flush=True), app.quit()))
    code = app.exec()
    _shutdown()
    return code


def _backend(args: argparse.Namespace) -> Any:
    from ui.demo import OfflineSignIn

    return OfflineSignIn(Path(args.data_dir) if args.data_dir else _data_dir(), pin=None)


def _data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("medspa-desk", "Medspa Desk"))


def _configure_logging(args: argparse.Namespace) -> None:
    import platformdirs

    from medspa_desk.logs import configure

    try:
        configure(Path(platformdirs.user_log_dir("medspa-desk", "Medspa Desk")))
    except OSError:
        logging.basicConfig(level=logging.WARNING)


def _shutdown() -> None:
    from ui.operations import db_worker

    worker = db_worker()
    worker.detach(close=True)
    worker.stop()
