"""What applying one mutation can end in, besides success."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from medspa_desk.protocol import ConflictDetail


class Rejected(Exception):
    """A business rule refused the mutation; the rest of the batch goes on. ``field`` names the field at fault."""

    def __init__(self, code: str, reason: str, *, field: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.reason = reason
        self.field = field


class Conflicted(Exception):
    """The mutation clashes with what the server holds: ``current`` is that record, ``detail`` what clashed."""

    def __init__(self, code: str, reason: str, *, current: dict[str, Any] | None,
                 detail: ConflictDetail | None = None, kept: KeptConflict | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.reason = reason
        self.current = current
        self.detail = detail
        self.kept = kept


@dataclass(frozen=True, kw_only=True)
class KeptConflict:
    """The losing side of a conflict, stored server-side after the mutation's savepoint rolls back."""

    kind: str
    entity: str
    entity_id: UUID
    holder_id: UUID | None
    data: dict[str, Any]
