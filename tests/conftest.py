"""Fixtures and options every test directory may use."""

from __future__ import annotations

import faulthandler
import os
import sys
from datetime import UTC, datetime

import pytest

from tests.support.shifted_clock import shift_everything_to, shifted_to

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock-at", metavar="WHEN", default=None,
        help="run the suite with the clock shifted to start at WHEN "
             "('2027-03-14T01:50 America/New_York' or ISO 8601 with offset), in every Python process it starts")


@pytest.hookimpl(trylast=True)  # after pytest's own faulthandler plugin, which this one replaces
def pytest_configure(config: pytest.Config) -> None:
    wanted = config.getoption("--clock-at")
    if wanted and shifted_to() is None:
        shift_everything_to(wanted)
    crash_log = os.environ.get("MEDSPA_CRASH_LOG")
    if crash_log:
        # A crash in native code (Qt, OpenSSL, SQLCipher) dumps every thread's stack here;
        # scripts/report-crash.sh prints it, with the crashing thread last (a CI log keeps its tail).
        config._medspa_crash_log = open(crash_log, "w")  # type: ignore[attr-defined]  # noqa: SIM115
        faulthandler.enable(file=config._medspa_crash_log, all_threads=True)  # type: ignore[attr-defined]


def pytest_report_header(config: pytest.Config) -> str | None:
    if shifted_to() is None:
        return None
    return f"clock shifted: the run started at {shifted_to()} (now {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> object:
    """After pytest-qt has closed a test's widgets and called ``deleteLater`` on them, delete them.

    ``processEvents()`` outside a running event loop never handles deferred deletes, so every window
    of every earlier test stayed alive, and each style or font change polished all of them again: the
    screen checks took 10–29 s each late in a run and under 1 s alone.
    """
    result = yield
    widgets = sys.modules.get("PySide6.QtWidgets")
    if widgets is not None and widgets.QApplication.instance() is not None:
        from PySide6.QtCore import QCoreApplication, QEvent

        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return result
