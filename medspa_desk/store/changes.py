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

    @property
    def empty(self) -> bool:
        return not (self.days or self.clients or self.reference or self.conflicts)
