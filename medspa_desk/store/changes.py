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
        """All of ``parts`` in one (see :class:`ChangesSoFar`)."""
        if len(parts) == 1:
            return parts[0]
        so_far = ChangesSoFar()
        for part in parts:
            so_far.add(part)
        return so_far.changes()

    @property
    def empty(self) -> bool:
        return not (self.days or self.clients or self.reference or self.conflicts or self.everything)


class ChangesSoFar:
    """Changes gathered page by page, each set built once (folding with ``|`` copies them every time).

    Past ``MOST_CLIENTS_NAMED`` clients it stops naming them and says
    ``everything``: a first sync touches every client, and holding a hundred
    thousand ids to free at once at the end held the interpreter lock (and the
    window) for 40-120 ms. Add each page as it is applied and let it go.
    """

    def __init__(self) -> None:
        self._days: set[tuple[UUID, date]] = set()
        self._clients: set[UUID] = set()
        self._reference = self._conflicts = self._everything = False

    def add(self, part: Changes) -> None:
        self._days.update(part.days)
        self._reference = self._reference or part.reference
        self._conflicts = self._conflicts or part.conflicts
        if not self._everything:
            self._clients.update(part.clients)
            if part.everything or len(self._clients) > MOST_CLIENTS_NAMED:
                self._everything = True
                self._clients = set()

    def changes(self) -> Changes:
        return Changes(days=frozenset(self._days), clients=frozenset(self._clients), reference=self._reference,
                       conflicts=self._conflicts, everything=self._everything)
