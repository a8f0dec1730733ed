"""Who is acting: every read of a client's record and every write names one."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from medspa_desk.records import Role


@dataclass(frozen=True)
class Actor:
    """The signed-in user at this workstation, as the audit trail records them."""

    user_id: UUID
    device_id: UUID | None
    role: Role
