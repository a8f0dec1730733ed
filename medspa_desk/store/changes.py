"""What a write changed, so open views redraw only what concerns them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID


@dataclass(frozen=True)
class Changes:
    """``days`` are (location id, local day) pairs whose schedule changed."""

    days: frozenset[tuple[UUID, date]] = field(default_factory=frozenset)
    clients: frozenset[UUID] = field(default_factory=frozenset)
    reference: bool = False
    conflicts: bool = False

    def __or__(self, other: Changes) -> Changes:
        return Changes(days=self.days | other.days, clients=self.clients | other.clients,
                       reference=self.reference or other.reference,
                       conflicts=self.conflicts or other.conflicts)

    @staticmethod
    def combined(parts: list[Changes]) -> Changes:
        """All of ``parts`` in one: each set built once (folding with ``|`` copies them over and over)."""
        if len(parts) == 1:
            return parts[0]
        days: set[tuple[UUID, date]] = set()
        clients: set[UUID] = set()
        for part in parts:
            days.update(part.days)
            clients.update(part.clients)
        return Changes(days=frozenset(days), clients=frozenset(clients),
                       reference=any(part.reference for part in parts),
                       conflicts=any(part.conflicts for part in parts))

    @property
    def empty(self) -> bool:
        return not (self.days or self.clients or self.reference or self.conflicts)
