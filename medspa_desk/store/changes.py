"""What a write changed, so open views redraw only what concerns them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

# How many clients a combined Changes names; past it, it says ``everything``.
MOST_CLIENTS_NAMED = 5000


@dataclass(frozen=True)
class Changes:
    """``days`` are (location id, local day) pairs whose schedule changed.

    ``everything``: too many records changed to name them (a long pull); every
    view redraws. ``clients`` is then empty.
    """

    days: frozenset[tuple[UUID, date]] = field(default_factory=frozenset)
    clients: frozenset[UUID] = field(default_factory=frozenset)
    reference: bool = False
    conflicts: bool = False
    everything: bool = False

    def __or__(self, other: Changes) -> Changes:
        return Changes.combined([self, other])

    @staticmethod
    def combined(parts: list[Changes]) -> Changes:
        """All of ``parts`` in one: each set built once (folding with ``|`` copies them over and over).

        Past ``MOST_CLIENTS_NAMED`` clients the result says ``everything``
        instead of naming them: a first sync touches every client, and freeing
        a set of a hundred thousand ids at once held the interpreter lock
        (and the window) for 40 ms.
        """
        if len(parts) == 1:
            return parts[0]
        everything = any(part.everything for part in parts)
        days: set[tuple[UUID, date]] = set()
        clients: set[UUID] = set()
        for part in parts:
            days.update(part.days)
            if not everything:
                clients.update(part.clients)
                everything = len(clients) > MOST_CLIENTS_NAMED
        return Changes(days=frozenset(days), clients=frozenset() if everything else frozenset(clients),
                       reference=any(part.reference for part in parts),
                       conflicts=any(part.conflicts for part in parts), everything=everything)

    @property
    def empty(self) -> bool:
        return not (self.days or self.clients or self.reference or self.conflicts or self.everything)
