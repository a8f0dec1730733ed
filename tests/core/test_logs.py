from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import pydantic
import pytest

from medspa_desk import logs
from medspa_desk.records import Client


@pytest.fixture
def log_file(tmp_path: Path):
    path = logs.configure(tmp_path / "logs")
    yield path
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "baseFilename", None) == str(path):
            root.removeHandler(handler)
            handler.close()


def test_a_validation_error_logs_where_it_happened_but_not_the_refused_value(log_file: Path) -> None:
    try:
        Client(first_name="Zanzibarina", last_name="Quoxley", birth_date=date(1990, 1, 1),
               email="not-an-email-zanzibarina")
    except pydantic.ValidationError:
        logging.getLogger("medspa_desk.test").exception("saving client %s failed", "0190f0e2-0000-7000-8000-000000000001")
    text = log_file.read_text()
    assert "Zanzibarina" not in text and "not-an-email-zanzibarina" not in text
    entry = json.loads(text.splitlines()[-1])
    assert entry["message"] == "saving client 0190f0e2-0000-7000-8000-000000000001 failed"
    assert "ValidationError" in entry["error"] and "test_logs.py" in entry["error"]


def test_emails_phones_and_dates_in_a_message_are_masked(log_file: Path) -> None:
    logging.getLogger("medspa_desk.test").warning("lookup %s %s %s", "ann@example.com", "(555) 123-4567", "1990-04-01")
    entry = json.loads(log_file.read_text().splitlines()[-1])
    assert entry["message"] == "lookup <email> <number> <date>"


def test_log_file_is_private_to_the_user(log_file: Path) -> None:
    assert log_file.stat().st_mode & 0o077 == 0
