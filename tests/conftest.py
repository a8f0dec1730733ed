"""Fixtures and options every test directory may use."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from tests.support.shifted_clock import shift_everything_to, shifted_to

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock-at", metavar="WHEN", default=None,
        help="run the suite with the clock shifted to start at WHEN "
             "('2027-03-14T01:50 America/New_York' or ISO 8601 with offset), in every Python process it starts")


def pytest_configure(config: pytest.Config) -> None:
    wanted = config.getoption("--clock-at")
    if wanted and shifted_to() is None:
        shift_everything_to(wanted)


def pytest_report_header(config: pytest.Config) -> str | None:
    if shifted_to() is None:
        return None
    return f"clock shifted: the run started at {shifted_to()} (now {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)"
