"""Shared pieces of the vault tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PASSWORD = "correct horse battery staple"


@dataclass
class FakeClock:
    """A monotonic clock that moves only when a test says so."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def files_under(directory: Path) -> dict[str, bytes]:
    """Every file below ``directory`` with its bytes, to prove nothing changed or appeared."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}
