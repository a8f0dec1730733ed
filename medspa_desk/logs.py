"""The PHI-free log.

Log messages name records by id, never by value. That rule is kept by the
people writing log calls; this module keeps the two places where values slip in
by accident out of the file:

- exception *messages* (a validation error quotes the input it refused, which
  may be a client's name): tracebacks are written as type, file, line and
  function only;
- anything that looks like an email address, a phone number or a date in a
  message is masked before it is written, as a second wall.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import re
import traceback
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

LOG_FILE_NAME = "medspa-desk.log"

_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[^\s@'\"<>]+@[^\s@'\"<>]+\.[A-Za-z]{2,}"), "<email>"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), "<date>"),
    (re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"), "<date>"),
    (re.compile(r"(?<![\w-])(?:\+|\()?\d[\d\s().-]{6,}\d(?![\w-])"), "<number>"),
)
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE)


def mask_values(text: str) -> str:
    """Mask emails, dates and phone-like numbers; keep record ids (UUIDs) readable."""
    ids: list[str] = []

    def keep(match: re.Match[str]) -> str:
        ids.append(match.group(0))
        return f"\x00{len(ids) - 1}\x00"

    protected = _UUID.sub(keep, text)
    for pattern, replacement in _MASKS:
        protected = pattern.sub(replacement, protected)
    return re.sub(r"\x00(\d+)\x00", lambda m: ids[int(m.group(1))], protected)


def safe_traceback(exc_type: type[BaseException], exc: BaseException | None,
                   tb: TracebackType | None) -> str:
    """A traceback with where it happened and what kind of error, but not the message."""
    frames = traceback.extract_tb(tb)
    lines = [f"  {Path(f.filename).name}:{f.lineno} in {f.name}" for f in frames]
    chained = exc.__cause__ or exc.__context__ if exc is not None else None
    head = f"{exc_type.__module__}.{exc_type.__qualname__}"
    if chained is not None:
        head += f" (from {type(chained).__qualname__})"
    return "\n".join([head, *lines])


class PhiFreeFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message; values masked."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_values(record.getMessage()),
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = safe_traceback(*record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(log_dir: Path, *, level: int = logging.INFO) -> Path:
    """Send the root logger to a rotating, PHI-free file in ``log_dir``; return its path."""
    log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = log_dir / LOG_FILE_NAME
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=5_000_000, backupCount=5,
                                                   encoding="utf-8")
    handler.setFormatter(PhiFreeFormatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, logging.handlers.RotatingFileHandler)]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level)
    path.chmod(0o600)
    return path
