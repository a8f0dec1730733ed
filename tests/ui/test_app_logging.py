"""Start-up logging: when the log file cannot be opened, stderr gets the same PHI-free lines."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

MARKER = "Quintessa Marchbanks"  # a client's name, as a refused input would quote it

# A real process, because pytest's own log handlers would hide what start-up does to the root logger.
SCRIPT = textwrap.dedent(f"""
    import logging, sys
    from pathlib import Path
    from pydantic import BaseModel

    from ui.app import _configure_logging

    class Refused(BaseModel):
        first_name: int

    _configure_logging(Path(sys.argv[1]))
    try:
        Refused(first_name={MARKER!r})
    except Exception:
        logging.getLogger("ui.booking").exception("saving the client failed")
""")


def test_without_a_log_file_errors_reach_stderr_without_their_messages(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be, so the log folder cannot be made")
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(blocker)], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2], timeout=60,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "saving the client failed" in done.stderr
    assert "ValidationError" in done.stderr
    assert MARKER not in done.stderr
    assert MARKER not in done.stdout
