"""Structured, PHI-free server logs: one JSON object per line on stderr.

Log calls name records by id only. Exception messages (a validation error can
quote the input it refused) are never written: a failure is logged as its type
and where it happened.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

LOGGER_NAME = "medspa_api"


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": record.msg if isinstance(record.msg, str) else "event",
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info and record.exc_info[0] is not None:
            frames = traceback.extract_tb(record.exc_info[2])
            entry["error"] = record.exc_info[0].__qualname__
            entry["where"] = [f"{Path(f.filename).name}:{f.lineno}:{f.name}" for f in frames[-5:]]
        return json.dumps(entry, default=str)


def configure(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    for name in (LOGGER_NAME, "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False


def log_event(event: str, level: int = logging.INFO, *, exc_info: bool = False, **fields: object) -> None:
    """Log an event with id-only fields (never names, dates of birth, notes…)."""
    logging.getLogger(LOGGER_NAME).log(level, event, extra={"fields": fields}, exc_info=exc_info)
